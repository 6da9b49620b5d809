package io.nodesync.log;

import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Entry;
import java.util.List;

/**
 * Where a node keeps what must survive a restart: the Raft log (entries after the latest snapshot), the snapshot
 * itself, the current term and the vote cast in it, and the eventual writes this node acknowledged but has not yet
 * seen applied.
 *
 * <p><b>Threading.</b> Used by exactly one node loop thread at a time; implementations need no locking on these
 * methods (one that works in the background, such as writing a snapshot, synchronises with itself). A log may outlive
 * the node that used it (a restarted node gets the same log, as it would get the same disk).
 *
 * <p><b>Durability.</b> Writes ({@link #append}, {@link #truncateFrom}, {@link #saveTermAndVote},
 * {@link #savePendingWrite}, {@link #settlePendingWrite}, {@link #installStagedSnapshot}) may be buffered; the node
 * loop calls {@link #sync()} before it sends any message or completes any request that depends on them, so nothing a
 * node promised to a peer or a client is lost in a crash. An implementation that is not durable treats {@code sync}
 * as a no-op.
 *
 * <p><b>Indexes.</b> Index 0 is the empty prefix: {@code term(0) == 0}. The log holds entries from
 * {@link #firstIndex()} to {@link #lastIndex()}, contiguous; everything before {@code firstIndex} is in the
 * {@linkplain #snapshot() snapshot}, whose index is {@code firstIndex - 1} and whose term {@link #term} also answers.
 *
 * <p><b>Errors.</b> An I/O failure surfaces as an unchecked exception, which stops the node: a node that cannot keep
 * its word must not go on pretending it does.
 */
public interface Log extends AutoCloseable {

    /** The index of the first entry held: 1 for a log never compacted, else the snapshot's index + 1. */
    long firstIndex();

    /** The index of the last entry, or the snapshot's index when no entry follows it (0 when empty). */
    long lastIndex();

    /**
     * The term of the entry at {@code index}: 0 for index 0, the snapshot's term for the snapshot's index, else the
     * index must lie in {@code [firstIndex, lastIndex]}.
     */
    long term(long index);

    /** The term of the last entry (or of the snapshot when no entry follows it), 0 when empty. */
    default long lastTerm() {
        return term(lastIndex());
    }

    /** The entry at {@code index}, which must lie in {@code [firstIndex, lastIndex]}. */
    Entry entry(long index);

    /**
     * Entries from {@code fromIndex} on, at most {@code maxCount} of them and, beyond the first, at most about
     * {@code maxBytes} of commands in all. Empty when {@code fromIndex > lastIndex}; {@code fromIndex} must not be
     * below {@link #firstIndex()}.
     */
    List<Entry> entries(long fromIndex, int maxCount, long maxBytes);

    /** Appends entries that continue the log: the first must have index {@code lastIndex() + 1}. */
    void append(List<Entry> entries);

    /**
     * Removes the entry at {@code index} and every later one (a follower's log conflicting with the leader's).
     * {@code index} must lie above the snapshot's index: a snapshot only ever covers committed entries.
     */
    void truncateFrom(long index);

    /** About how many bytes the entries after the snapshot take, which decides when to take the next snapshot. */
    long entryBytes();

    /** The term and vote last saved; term 0 and no vote for a new log. */
    TermAndVote termAndVote();

    /** Saves term and vote together, atomically. */
    void saveTermAndVote(long term, NodeId votedFor);

    /** {@link #rejoinTerm()} of a node that votes normally. */
    long NOT_REJOINING = -1;

    /** {@link #rejoinTerm()} of a node that lost its state and has not yet heard every peer's term. */
    long REJOIN_TERM_UNKNOWN = Long.MAX_VALUE;

    /**
     * Whether the node lost its state and must catch up before it votes or campaigns again:
     * {@link #NOT_REJOINING}, {@link #REJOIN_TERM_UNKNOWN}, or the highest term its peers knew, which a leader must
     * exceed before the node counts as caught up (see {@code RaftCore}). Durable at sync, like the term.
     */
    long rejoinTerm();

    /** Saves {@link #rejoinTerm()}. */
    void saveRejoinTerm(long rejoinTerm);

    // ------------------------------------------------------------------------------------------ snapshots

    /** The latest snapshot the log starts after, or {@code null} if it was never compacted. */
    Snapshot snapshot();

    /**
     * Starts a snapshot of the state machine as of entry {@code index} (applied, hence committed, and at least
     * {@link #firstIndex()}). {@code writer} serialises that state and may be called on another thread, so it must
     * capture an immutable image. Once the snapshot is durable it replaces the older one and the entries up to
     * {@code index} are discarded (immediately or at a later call of this log's; an implementation may write in the
     * background so that the node loop does not stall).
     *
     * @return {@code false}, doing nothing, if a snapshot is still being written
     */
    boolean takeSnapshot(long index, long term, Snapshot.Writer writer);

    /**
     * Stores a chunk of a snapshot being received from the leader. A chunk at offset 0 starts a new staged snapshot
     * (discarding any other one staged); a later chunk must continue the one staged for the same index and term at
     * exactly {@link #stagedSnapshotBytes} bytes.
     */
    void stageSnapshotChunk(long index, long term, long offset, byte[] data);

    /** How many bytes of the snapshot {@code (index, term)} are staged; 0 when another one (or none) is. */
    long stagedSnapshotBytes(long index, long term);

    /**
     * Makes the staged snapshot {@code (index, term)} the log's snapshot (Raft's InstallSnapshot): if the log holds
     * the entry {@code (index, term)}, the entries after it are kept; otherwise every entry is discarded and the log
     * continues from the snapshot. Returns the installed snapshot, for the state machine to restore from.
     */
    Snapshot installStagedSnapshot(long index, long term);

    // ------------------------------------------------------------------------------------------ pending writes

    /**
     * Remembers an eventual write this node is about to acknowledge, so that it is still pushed to the leader after
     * a restart. Identified by its {@code (session, seq)}.
     */
    void savePendingWrite(ClientCommand command);

    /** Forgets a pending write once it is applied (or known to be superseded). Unknown writes are ignored. */
    void settlePendingWrite(ClientCommand command);

    /** The pending writes saved and not settled, in the order they were saved. */
    List<ClientCommand> pendingWrites();

    // ------------------------------------------------------------------------------------------ durability

    /** Makes every write so far durable (as far as the implementation's durability policy promises). */
    void sync();

    /**
     * Whether {@link #sync} may wait for a storage device (an fsync). A leader then sends its appends before it syncs,
     * so that its wait overlaps the followers'; where sync returns at once, nothing goes ahead of the turn's replies.
     */
    default boolean syncWaitsForDevice() {
        return true;
    }

    /** Releases files and threads. The in-memory log has none; the default does nothing. */
    @Override
    default void close() {
    }

    /**
     * The persistent Raft state besides the entries.
     *
     * @param term the current term
     * @param votedFor the candidate voted for in that term, or {@code null}
     */
    record TermAndVote(long term, NodeId votedFor) {
    }
}
