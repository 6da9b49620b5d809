package io.nodesync.protocol;

import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * Everything one node says to another. Pure data: no behaviour, no references to node state; lists are immutable.
 * The transport delivers messages best-effort: it may drop, delay, duplicate or reorder them, and the core copes.
 */
public sealed interface Message {

    /** The sender's term, or 0 for messages outside Raft's term rules. */
    long term();

    /**
     * Asks for a vote (or, when {@code preVote}, whether the receiver would vote) in {@code term}.
     *
     * @param transfer the candidate campaigns at the leader's request, so receivers grant despite a live leader
     */
    record RequestVote(long term, long lastLogIndex, long lastLogTerm, boolean preVote, boolean transfer)
            implements Message {
    }

    /** The answer to {@link RequestVote}; {@code term} is the request's term when granted, else the voter's. */
    record RequestVoteResponse(long term, boolean granted, boolean preVote) implements Message {
    }

    /** Replicates entries after {@code (prevLogIndex, prevLogTerm)} and announces the leader's commit index. */
    record AppendEntries(long term, long prevLogIndex, long prevLogTerm, List<Entry> entries, long leaderCommit)
            implements Message {
        /** Copies the entries. */
        public AppendEntries {
            entries = ImmutableList.copyOf(entries);
        }
    }

    /**
     * The answer to {@link AppendEntries}. On success {@code matchIndex} is the last index the follower now holds
     * in agreement with the leader; on failure {@code hintIndex} is where the leader should probe next.
     */
    record AppendEntriesResponse(long term, boolean success, long matchIndex, long hintIndex) implements Message {
    }

    /**
     * Keeps followers from starting elections, tells them the commit index they can safely adopt, and, through
     * {@code round}, lets the leader confirm it still leads a majority for ReadIndex.
     */
    record Heartbeat(long term, long commitIndex, long round) implements Message {
    }

    /**
     * The answer to {@link Heartbeat}, echoing its round; {@code rejoining} tells the leader this follower lost its
     * state and cannot campaign yet, so it is no target for a leadership transfer.
     */
    record HeartbeatResponse(long term, long round, boolean rejoining) implements Message {
        /** The answer of a follower that is not rejoining. */
        public HeartbeatResponse(long term, long round) {
            this(term, round, false);
        }
    }

    /**
     * One chunk of the leader's snapshot, for a follower that needs entries the leader has compacted away (Raft's
     * InstallSnapshot, sent in chunks). The follower stages chunks in order and installs the snapshot with the last.
     *
     * @param snapshotIndex the index of the last entry the snapshot covers
     * @param snapshotTerm the term of that entry
     * @param offset where {@code data} starts in the snapshot's bytes
     * @param data the chunk (the record keeps this array: neither side may change it)
     * @param done whether this chunk ends the snapshot
     */
    record InstallSnapshot(long term, long snapshotIndex, long snapshotTerm, long offset, byte[] data, boolean done)
            implements Message {
        /** Checks the chunk is there. */
        public InstallSnapshot {
            java.util.Objects.requireNonNull(data, "data");
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof InstallSnapshot that && term == that.term && snapshotIndex == that.snapshotIndex
                    && snapshotTerm == that.snapshotTerm && offset == that.offset && done == that.done
                    && java.util.Arrays.equals(data, that.data);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(term, snapshotIndex, snapshotTerm, offset, done)
                    * 31 + java.util.Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "InstallSnapshot[term=" + term + ", snapshotIndex=" + snapshotIndex + ", snapshotTerm="
                    + snapshotTerm + ", offset=" + offset + ", bytes=" + data.length + ", done=" + done + "]";
        }
    }

    /**
     * The answer to {@link InstallSnapshot}: how many bytes of snapshot {@code (snapshotIndex, snapshotTerm)} the
     * follower holds, so the leader sends the next chunk from there; {@code installed} once the follower has
     * installed it (its log then matches the leader's up to {@code snapshotIndex}).
     */
    record InstallSnapshotResponse(long term, long snapshotIndex, long snapshotTerm, long nextOffset,
            boolean installed) implements Message {
    }

    /**
     * A node that lost its state (its data directory was wiped or is new) asks a peer for its current term, before
     * it may vote again. Outside Raft's term rules.
     */
    record RejoinQuery(long nonce) implements Message {
        @Override
        public long term() {
            return 0;
        }
    }

    /**
     * The answer to {@link RejoinQuery}. Outside Raft's term rules: the responder's term travels as data.
     *
     * @param nonce the query's nonce, echoed: an answer meant for an earlier incarnation of the asking node (still
     *     in flight when it restarted) must not count
     * @param currentTerm the responder's current term
     * @param lastIndex the responder's last log index
     * @param rejoining whether the responder itself lost its state and has not yet caught up
     */
    record RejoinQueryResponse(long nonce, long currentTerm, long lastIndex, boolean rejoining) implements Message {
        @Override
        public long term() {
            return 0;
        }
    }

    /**
     * A rejoining node asks the leader to move the cluster to a term above {@code term}, the highest its peers knew
     * when it lost its state: it votes again only once it has caught up with a leader of such a term.
     */
    record RejoinRequest(long term) implements Message {
    }

    /** The leader asks a caught-up follower to campaign at once (leadership transfer). */
    record TimeoutNow(long term) implements Message {
    }

    /**
     * Liveness: every follower pings every peer so that each can tell which peers are up. It also carries the
     * sender's eventual-write watermark: no eventual write of the sender that is not yet applied has a timestamp
     * below it, which tells the leader how far tombstones may be collected. A new {@code session} (the sender
     * restarted) replaces the watermark the leader held for it.
     */
    record Ping(long session, long watermark) implements Message {
        @Override
        public long term() {
            return 0;
        }
    }

    /** Client commands a node hands to the leader to append. Strong ones are stamped by the leader. */
    record ForwardCommands(List<ClientCommand> commands) implements Message {
        /** Copies the commands. */
        public ForwardCommands {
            commands = ImmutableList.copyOf(commands);
        }

        @Override
        public long term() {
            return 0;
        }
    }

    /**
     * A node asks the leader for a read index for each of its reads, identified by the requester's ids within its
     * {@code session}, so that an answer meant for an earlier incarnation of the requester is never taken for one
     * of the new incarnation's reads.
     */
    record ReadIndexRequest(long session, List<Long> readIds) implements Message {
        /** Copies the ids. */
        public ReadIndexRequest {
            readIds = ImmutableList.copyOf(readIds);
        }

        @Override
        public long term() {
            return 0;
        }
    }

    /**
     * The leader confirmed its leadership after the reads arrived: once the requester has applied up to
     * {@code readIndex} it may answer them linearizably from its own state machine.
     */
    record ReadIndexResponse(long term, long session, List<Long> readIds, long readIndex) implements Message {
        /** Copies the ids. */
        public ReadIndexResponse {
            readIds = ImmutableList.copyOf(readIds);
        }
    }
}
