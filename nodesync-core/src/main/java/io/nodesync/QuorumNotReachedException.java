package io.nodesync;

/**
 * A strong request (or a compare-and-set) could not reach a majority of the cluster: either the node already knew
 * that no majority was reachable, or no majority answered within the request timeout.
 *
 * <p>When {@link #outcomeUnknown()} is {@code true} the write had already been handed to the replication log and
 * may still take effect later, as with any consensus system; the caller must treat it as "maybe". When it is
 * {@code false} the request was never replicated and had no effect (reads always have none). Immutable once thrown.
 */
public class QuorumNotReachedException extends NodeSyncException {
    private static final long serialVersionUID = 1L;

    private final boolean outcomeUnknown;

    /**
     * @param detail what happened, appended to "quorum not reached"
     * @param outcomeUnknown whether the write may still take effect
     */
    public QuorumNotReachedException(String detail, boolean outcomeUnknown) {
        super("quorum not reached: " + detail + (outcomeUnknown ? " (outcome unknown: the write may still take effect)"
                : " (the request had no effect)"));
        this.outcomeUnknown = outcomeUnknown;
    }

    /** Whether the write may still take effect later. Always {@code false} for reads. */
    public boolean outcomeUnknown() {
        return outcomeUnknown;
    }
}
