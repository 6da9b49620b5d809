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

    /** The answer to {@link Heartbeat}, echoing its round. */
    record HeartbeatResponse(long term, long round) implements Message {
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
