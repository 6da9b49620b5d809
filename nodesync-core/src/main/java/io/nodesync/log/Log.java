package io.nodesync.log;

import io.nodesync.NodeId;
import io.nodesync.protocol.Entry;
import java.util.List;

/**
 * Where a node keeps what Raft needs across a restart: the log entries, the current term and the vote cast in it.
 *
 * <p><b>Threading.</b> Used by exactly one node loop thread at a time; implementations need no locking. A log may
 * outlive the node that used it (a restarted node gets the same log, as it would get the same disk).
 *
 * <p><b>Durability.</b> Writes ({@link #append}, {@link #truncateFrom}, {@link #saveTermAndVote}) may be buffered;
 * the node loop calls {@link #sync()} before it sends any message or completes any request that depends on them,
 * so nothing a node promised to a peer or a client is lost in a crash. An implementation that is not durable treats
 * {@code sync} as a no-op.
 *
 * <p>Index 0 is the empty prefix: {@code term(0) == 0}. Entries are contiguous from {@link #firstIndex()} to
 * {@link #lastIndex()}.
 */
public interface Log {

    /** The index of the first entry held, 1 for a log never compacted. */
    long firstIndex();

    /** The index of the last entry, 0 when empty. */
    long lastIndex();

    /** The term of the entry at {@code index}; 0 for index 0. */
    long term(long index);

    /** The term of the last entry, 0 when empty. */
    default long lastTerm() {
        return term(lastIndex());
    }

    /** The entry at {@code index}, which must lie in {@code [firstIndex, lastIndex]}. */
    Entry entry(long index);

    /**
     * Entries from {@code fromIndex} on, at most {@code maxCount} of them and, beyond the first, at most about
     * {@code maxBytes} of commands in all. Empty when {@code fromIndex > lastIndex}.
     */
    List<Entry> entries(long fromIndex, int maxCount, long maxBytes);

    /** Appends entries that continue the log: the first must have index {@code lastIndex() + 1}. */
    void append(List<Entry> entries);

    /** Removes the entry at {@code index} and every later one (a follower's log conflicting with the leader's). */
    void truncateFrom(long index);

    /** The term and vote last saved; term 0 and no vote for a new log. */
    TermAndVote termAndVote();

    /** Saves term and vote together, atomically. */
    void saveTermAndVote(long term, NodeId votedFor);

    /** Makes every write so far durable. */
    void sync();

    /**
     * The persistent Raft state besides the entries.
     *
     * @param term the current term
     * @param votedFor the candidate voted for in that term, or {@code null}
     */
    record TermAndVote(long term, NodeId votedFor) {
    }
}
