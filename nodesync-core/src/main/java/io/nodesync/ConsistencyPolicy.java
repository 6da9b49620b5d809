package io.nodesync;

import java.util.Locale;

/**
 * What a write waits for and how a read is served.
 *
 * <p>The cluster has one current policy, switchable at runtime from any node ({@link Store#setConsistency}); each
 * call may also name its own. {@code compareAndSet} is always linearizable, whatever the policy. Immutable.
 */
public enum ConsistencyPolicy {
    /**
     * Available under partitions (AP). A write completes once the contacted node has accepted it into its own queue
     * of pending writes and its local view; the node replicates it through the leader in the background, retrying
     * across leader changes. A read answers from the contacted node's own view (committed state plus its own pending
     * writes) and may be stale. Conflicts resolve last-writer-wins by hybrid logical clock timestamp, identically
     * on every node, so all nodes converge once faults heal and writes stop.
     */
    EVENTUAL,
    /**
     * Linearizable (CP). A write completes once a majority has it in its log and it is committed; a read returns
     * the latest committed value after the leader confirms it still leads a majority (ReadIndex). Without a
     * majority a request fails with {@link QuorumNotReachedException}.
     */
    STRONG;

    /** The lower-case name used by the client protocol: {@code eventual} or {@code strong}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a policy name, ignoring case.
     *
     * @throws IllegalArgumentException naming the unknown mode, as {@code unknown consistency 'x'}
     */
    public static ConsistencyPolicy parse(String name) {
        if (name != null) {
            for (ConsistencyPolicy policy : values()) {
                if (policy.name().equalsIgnoreCase(name.trim())) {
                    return policy;
                }
            }
        }
        throw new IllegalArgumentException("unknown consistency '" + name + "'");
    }
}
