package io.nodesync.consensus;

import io.nodesync.NodeId;
import io.nodesync.Role;
import io.nodesync.Election;
import io.nodesync.log.Log;
import io.nodesync.log.Snapshot;
import io.nodesync.protocol.Command;
import io.nodesync.protocol.Entry;
import io.nodesync.protocol.Message;
import io.nodesync.protocol.Message.AppendEntries;
import io.nodesync.protocol.Message.AppendEntriesResponse;
import io.nodesync.protocol.Message.Heartbeat;
import io.nodesync.protocol.Message.HeartbeatResponse;
import io.nodesync.protocol.Message.InstallSnapshot;
import io.nodesync.protocol.Message.InstallSnapshotResponse;
import io.nodesync.protocol.Message.RejoinQuery;
import io.nodesync.protocol.Message.RejoinQueryResponse;
import io.nodesync.protocol.Message.RejoinRequest;
import io.nodesync.protocol.Message.RequestVote;
import io.nodesync.protocol.Message.RequestVoteResponse;
import io.nodesync.protocol.Message.TimeoutNow;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Raft, as a pure state machine: one instance per node, driven by {@link #tick()}, {@link #step}, {@link #propose}
 * and {@link #readIndex}, answering through {@link Callbacks}.
 *
 * <h2>Design</h2>
 * The roles are states of one object rather than objects of their own, as in etcd's raft: every input first passes
 * the term rules common to all roles (section 5.1 of the paper: a higher term demotes to follower, a lower one is
 * refused), then the handler for its message. What must survive a crash (term, vote, entries) is written to the
 * {@link Log} before any callback that depends on it could be observed: the node loop syncs the log before it sends
 * the messages this core produced.
 *
 * <p>Elections use pre-vote (thesis section 9.6), so a node cut off from the cluster cannot inflate terms and depose a
 * healthy leader when it returns, and check-quorum, so a leader that hears from no majority for an election timeout
 * steps down and followers that hear from a live leader refuse to vote others in (leader stickiness). Replication is
 * pipelined: a follower known to match is sent new entries without waiting for acknowledgements, up to a bounded
 * number of messages in flight; one that does not is probed one message at a time, guided by the follower's hint.
 * Only entries of the leader's own term are committed by counting replicas (figure 8); a new leader appends a no-op
 * to commit its term at once. Linearizable reads use ReadIndex (thesis section 6.4): the read index is the commit
 * index when the read arrives, confirmed by a heartbeat round that a majority acknowledges.
 *
 * <p><b>A node that lost its state</b> (its log says {@link Log#REJOIN_TERM_UNKNOWN}: a wiped or new data directory)
 * may have voted in terms it no longer remembers and may have been counted in majorities for entries it no longer
 * holds. Voting again at once could elect two leaders in one term or a leader missing committed entries. So it votes
 * and campaigns for nobody until two things hold. First, every peer has told it its current term
 * ({@link RejoinQuery}, answered with the query's nonce); a candidate it ever voted for has a term at least that of
 * the vote, so the highest answer M bounds every term it may have voted in, and it takes term M with a vote for
 * itself. Until then it ignores leaders altogether: it cannot tell a deposed one from the current one, and
 * acknowledging a deposed leader could help it commit over what a later leader committed. Second, it has caught up with a
 * leader of a term above M: its commit index reaches an entry of that term, so its log holds everything committed
 * before, including what its lost acknowledgements helped commit; this is recorded only a turn later, once those
 * entries are durable. It asks the leader to start such a term ({@link RejoinRequest}) when none comes by itself;
 * the leader does so only if the others it hears make a majority without it. A leader learns that a follower lost
 * what it acknowledged from its answers (a heartbeat it cannot match) and resends from what it still holds; it never
 * hands leadership to a rejoining follower. Shortcut: when every peer's log is empty, nothing committed survives to
 * be protected, and only the vote bound applies. A node whose peers do not all answer waits
 * (safety first); if a majority lost its state, the cluster cannot recover on its own.
 *
 * <p>Not thread-safe: one node loop owns it.
 */
public final class RaftCore {

    /** Where the core's outputs go. Called synchronously from within the core's methods. */
    public interface Callbacks {
        /** Send a message to a peer (after the log is synced). */
        void send(NodeId to, Message message);

        /** A read registered with {@link #readIndex} may be served once the state machine applied {@code index}. */
        void readReady(long ctx, long readIndex);

        /** Reads registered with {@link #readIndex} that this node can no longer confirm (it lost leadership). */
        void readsAborted(List<Long> ctxs);

        /**
         * The log now starts from {@code snapshot}, received from the leader: the state machine must restore from it
         * before anything else is applied (the entries it covers are gone).
         */
        void snapshotInstalled(Snapshot snapshot);
    }

    /**
     * Tuning of the core that is not timing, plus the bugs a test may plant. Immutable.
     *
     * @param plantedBugs deliberately broken behaviours for tests of the checkers; empty in production
     */
    public record Options(boolean preVote, boolean checkQuorum, int maxEntriesPerMessage, long maxBytesPerMessage,
            int maxInflightMessages, long snapshotThresholdBytes, Set<PlantedBug> plantedBugs) {
        /**
         * Pre-vote and check-quorum on; 1024 entries or 1 MiB per message (also the snapshot chunk size); 256
         * messages in flight per follower; a snapshot once the log holds 64 MiB of entries.
         */
        public static final Options DEFAULT = new Options(true, true, 1024, 1 << 20, 256);

        /** The log size past which the node snapshots and compacts, unless configured otherwise. */
        public static final long DEFAULT_SNAPSHOT_THRESHOLD_BYTES = 64L << 20;

        /** Copies the set of planted bugs and checks the sizes. */
        public Options {
            plantedBugs = plantedBugs.isEmpty() ? Set.of() : java.util.Collections.unmodifiableSet(
                    java.util.EnumSet.copyOf(plantedBugs));
            if (snapshotThresholdBytes <= 0 || maxBytesPerMessage <= 0) {
                throw new IllegalArgumentException("snapshot threshold and message size must be positive");
            }
        }

        /** Options with no planted bug and the default snapshot threshold. */
        public Options(boolean preVote, boolean checkQuorum, int maxEntriesPerMessage, long maxBytesPerMessage,
                int maxInflightMessages) {
            this(preVote, checkQuorum, maxEntriesPerMessage, maxBytesPerMessage, maxInflightMessages,
                    DEFAULT_SNAPSHOT_THRESHOLD_BYTES, Set.of());
        }

        /** These options with {@code bug} planted. */
        public Options withBug(PlantedBug bug) {
            Set<PlantedBug> bugs = java.util.EnumSet.of(bug);
            bugs.addAll(plantedBugs);
            return new Options(preVote, checkQuorum, maxEntriesPerMessage, maxBytesPerMessage, maxInflightMessages,
                    snapshotThresholdBytes, bugs);
        }

        /** These options with another snapshot threshold (bytes of log entries). */
        public Options withSnapshotThreshold(long bytes) {
            return new Options(preVote, checkQuorum, maxEntriesPerMessage, maxBytesPerMessage, maxInflightMessages,
                    bytes, plantedBugs);
        }

        /** Whether {@code bug} is planted. */
        public boolean has(PlantedBug bug) {
            return plantedBugs.contains(bug);
        }
    }

    private final NodeId self;
    private final List<NodeId> peers;
    private final List<NodeId> members;
    private final int quorum;
    private final Log log;
    private final Election election;
    private final RandomGenerator random;
    private final Callbacks callbacks;
    private final Options options;
    private final int heartbeatTicks;
    private final int electionTimeoutTicks;

    private long term;
    private NodeId votedFor;
    /** {@link Log#rejoinTerm()}, mirrored: whether this node may vote and campaign (see the class doc). */
    private long rejoinTerm;
    private final Map<NodeId, RejoinQueryResponse> rejoinAnswers = new LinkedHashMap<>();
    private int rejoinElapsed;
    /** Names this incarnation's rejoin queries, so an answer to an earlier incarnation's is not taken for one. */
    private final long rejoinNonce;
    /**
     * Caught up (see {@link #maybeFinishRejoin}), to be recorded at the end of the next turn: only once the entries
     * that justify it were synced in this turn may the durable state say so.
     */
    private int rejoinFinishTurns;
    private Role role = Role.FOLLOWER;
    private NodeId leader;
    private long commitIndex;

    private int electionElapsed;
    private int heartbeatElapsed;
    private int randomizedElectionTimeout;
    private final Set<NodeId> votes = new HashSet<>();
    /** Only used with {@link PlantedBug#COUNT_DUPLICATE_VOTES}: every granted response, duplicates included. */
    private int grantedResponses;

    // Leader state.
    private final Map<NodeId, Progress> progress = new LinkedHashMap<>();
    private long termStartIndex;
    private NodeId transferTarget;
    private int transferElapsed;

    // ReadIndex state (leader only).
    private long round;
    private boolean roundRequested;
    private final ArrayDeque<PendingRead> reads = new ArrayDeque<>();
    private final ArrayList<Long> readsAwaitingTermCommit = new ArrayList<>();

    private record PendingRead(long ctx, long index, long round) {
    }

    /** What a leader knows about one follower. */
    private static final class Progress {
        long match;
        long next;
        boolean replicating;
        boolean probeSent;
        /** The follower said it lost its state and cannot campaign yet: no leadership transfer to it. */
        boolean rejoining;
        final ArrayDeque<Long> inflight = new ArrayDeque<>();
        boolean recentActive;
        int silentTicks;
        long ackedRound;
        long commitSent;
        /** The follower forwarded writes or asked for a read index: it waits on commits, so tell it at once. */
        boolean waitsForCommit;
        long matchAtLastHeartbeat;
        /** The snapshot being sent to this follower ({@code sendingSnapshot == 0}: none), one chunk at a time. */
        long sendingSnapshot;
        long sendingSnapshotTerm;
        long snapshotOffset;
        boolean snapshotChunkInFlight;
        long snapshotOffsetAtLastHeartbeat = -1;

        Progress(long next) {
            this.next = next;
        }

        void becomeProbe() {
            replicating = false;
            probeSent = false;
            inflight.clear();
            next = match + 1;
        }
    }

    /**
     * @param self this node
     * @param peers the other voting members
     * @param log where term, vote and entries live; read at construction to resume after a restart
     * @param election the election strategy
     * @param heartbeatTicks ticks between heartbeats
     * @param electionTimeoutTicks the base election timeout
     * @param random this node's seeded random source
     * @param callbacks where outputs go
     * @param options tuning
     */
    public RaftCore(NodeId self, List<NodeId> peers, Log log, Election election, int heartbeatTicks,
            int electionTimeoutTicks, RandomGenerator random, Callbacks callbacks, Options options) {
        if (peers.contains(self)) {
            throw new IllegalArgumentException("peers must not contain the node itself (" + self + ")");
        }
        if (new HashSet<>(peers).size() != peers.size()) {
            throw new IllegalArgumentException("duplicate peer in " + peers);
        }
        this.self = self;
        this.peers = List.copyOf(peers);
        List<NodeId> all = new ArrayList<>(peers);
        all.add(self);
        this.members = List.copyOf(all);
        this.quorum = members.size() / 2 + 1;
        this.log = log;
        this.election = election;
        this.heartbeatTicks = heartbeatTicks;
        this.electionTimeoutTicks = electionTimeoutTicks;
        this.random = random;
        this.callbacks = callbacks;
        this.options = options;
        Log.TermAndVote saved = log.termAndVote();
        this.term = saved.term();
        this.votedFor = saved.votedFor();
        Snapshot snapshot = log.snapshot();
        this.commitIndex = snapshot == null ? 0 : snapshot.index(); // a snapshot covers only committed entries
        this.rejoinTerm = options.has(PlantedBug.VOTE_AT_ONCE_AFTER_DISK_LOSS) ? Log.NOT_REJOINING
                : log.rejoinTerm();
        this.rejoinNonce = random.nextLong();
        if (rejoinTerm == Log.REJOIN_TERM_UNKNOWN && peers.isEmpty()) {
            setRejoinTerm(Log.NOT_REJOINING); // alone, there is nobody to disagree with
        }
        resetElectionTimer();
    }

    // ------------------------------------------------------------------------------------------------ queries

    public NodeId self() {
        return self;
    }

    public Role role() {
        return role;
    }

    public long term() {
        return term;
    }

    /** The leader this node knows in its current term, or {@code null}. */
    public NodeId leader() {
        return leader;
    }

    public long commitIndex() {
        return commitIndex;
    }

    public Log log() {
        return log;
    }

    /** The number of votes that make a majority. */
    public int quorum() {
        return quorum;
    }

    public List<NodeId> peers() {
        return peers;
    }

    /** Whether this node leads and may take proposals (not while handing leadership over). */
    public boolean acceptsProposals() {
        return role == Role.LEADER && transferTarget == null;
    }

    /** Whether this node lost its state and has not yet caught up enough to vote (see the class doc). */
    public boolean rejoining() {
        return rejoinTerm != Log.NOT_REJOINING;
    }

    /** The peer a leadership transfer is under way to, or {@code null}. */
    public NodeId transferTarget() {
        return transferTarget;
    }

    /** As leader, the highest index known to be replicated on {@code peer}; 0 otherwise. */
    public long matchIndex(NodeId peer) {
        Progress pr = progress.get(peer);
        return pr == null ? 0 : pr.match;
    }

    // ------------------------------------------------------------------------------------------------ inputs

    /** One tick of logical time passed. */
    public void tick() {
        electionElapsed++;
        if (role == Role.LEADER) {
            tickLeader();
        } else if (rejoining()) {
            tickRejoining();
        } else if (electionElapsed >= randomizedElectionTimeout) {
            campaign(false);
        }
    }

    private void tickRejoining() {
        if (electionElapsed >= randomizedElectionTimeout) {
            resetElectionTimer(); // never campaigns; just keeps the timer from running away
        }
        rejoinElapsed++;
        if (rejoinTerm == Log.REJOIN_TERM_UNKNOWN) {
            if (rejoinElapsed >= heartbeatTicks) {
                rejoinElapsed = 0;
                for (NodeId peer : peers) {
                    if (!rejoinAnswers.containsKey(peer)) {
                        callbacks.send(peer, new RejoinQuery(rejoinNonce));
                    }
                }
            }
        } else if (rejoinElapsed >= electionTimeoutTicks) {
            rejoinElapsed = 0; // once per election timeout: each request costs the cluster an election
            if (leader != null && term <= rejoinTerm) {
                callbacks.send(leader, new RejoinRequest(term));
            }
        }
    }

    private void tickLeader() {
        for (Progress pr : progress.values()) {
            pr.silentTicks++;
        }
        sendDeferredCommits();
        if (transferTarget != null && ++transferElapsed >= electionTimeoutTicks) {
            transferTarget = null; // the target did not take over in time; keep leading
        }
        if (electionElapsed >= electionTimeoutTicks) {
            electionElapsed = 0;
            if (options.checkQuorum()) {
                int active = 1;
                for (Progress pr : progress.values()) {
                    if (pr.recentActive) {
                        active++;
                    }
                    pr.recentActive = false;
                }
                if (active < quorum) {
                    becomeFollower(term, null); // check-quorum: a leader cut off from a majority steps down
                    return;
                }
            }
        }
        if (++heartbeatElapsed >= heartbeatTicks) {
            heartbeatElapsed = 0;
            broadcastHeartbeat();
            considerTransfer();
        }
    }

    /** A message from a peer arrived. Messages that are not Raft's are ignored here. */
    public void step(NodeId from, Message message) {
        if (!peers.contains(from)) {
            return;
        }
        if (message instanceof RejoinQuery query) {
            callbacks.send(from, new RejoinQueryResponse(query.nonce(), term, log.lastIndex(), rejoining()));
            return;
        }
        if (message instanceof RejoinQueryResponse answer) {
            handleRejoinAnswer(from, answer);
            return;
        }
        if (rejoinTerm == Log.REJOIN_TERM_UNKNOWN && (message instanceof AppendEntries
                || message instanceof Heartbeat || message instanceof InstallSnapshot
                || message instanceof TimeoutNow)) {
            // Until it knows its peers' terms, this node cannot tell a deposed leader from the current one, and
            // acknowledging a deposed one could help it commit over entries a later leader committed.
            return;
        }
        if (!(message instanceof RequestVote || message instanceof RequestVoteResponse
                || message instanceof AppendEntries || message instanceof AppendEntriesResponse
                || message instanceof Heartbeat || message instanceof HeartbeatResponse
                || message instanceof TimeoutNow || message instanceof InstallSnapshot
                || message instanceof InstallSnapshotResponse || message instanceof RejoinRequest)) {
            return;
        }
        if (!passTermRules(from, message)) {
            return;
        }
        if (message instanceof RequestVote m) {
            handleRequestVote(from, m);
        } else if (message instanceof RequestVoteResponse m) {
            handleVoteResponse(from, m);
        } else if (message instanceof AppendEntries m) {
            handleAppendEntries(from, m);
        } else if (message instanceof AppendEntriesResponse m) {
            handleAppendResponse(from, m);
        } else if (message instanceof Heartbeat m) {
            handleHeartbeat(from, m);
        } else if (message instanceof HeartbeatResponse m) {
            handleHeartbeatResponse(from, m);
        } else if (message instanceof TimeoutNow m) {
            handleTimeoutNow(from, m);
        } else if (message instanceof InstallSnapshot m) {
            handleInstallSnapshot(from, m);
        } else if (message instanceof InstallSnapshotResponse m) {
            handleInstallSnapshotResponse(from, m);
        } else if (message instanceof RejoinRequest) {
            handleRejoinRequest(from);
        }
    }


    /**
     * Section 5.1: a message from a later term makes this node a follower of that term, one from an earlier term is
     * refused. Returns whether the message should be handled further.
     */
    private boolean passTermRules(NodeId from, Message message) {
        long messageTerm = message.term();
        if (messageTerm > term) {
            if (message instanceof RequestVote vote) {
                if (vote.preVote()) {
                    return true; // a pre-vote never changes the receiver's term
                }
                if (inLease() && !vote.transfer()) {
                    return false; // check-quorum: a live leader is not deposed by a node that merely timed out
                }
                // Adopt the term but keep the election timer running (figure 2: only a leader's message or a
                // granted vote resets it). Otherwise a candidate that cannot win, say one with a stale log and a
                // short timeout, would reset everyone's timer on every try and no one else could ever campaign.
                becomeFollower(messageTerm, null, false);
                return true;
            }
            if (message instanceof RequestVoteResponse response && response.preVote() && response.granted()) {
                return true; // granted pre-votes carry the term the candidate would use
            }
            boolean fromLeader = message instanceof AppendEntries || message instanceof Heartbeat
                    || message instanceof TimeoutNow || message instanceof InstallSnapshot;
            becomeFollower(messageTerm, fromLeader ? from : null);
            return true;
        }
        if (messageTerm < term) {
            if (message instanceof AppendEntries || message instanceof Heartbeat
                    || message instanceof InstallSnapshot) {
                // Tell a deposed leader about the newer term so it steps down.
                callbacks.send(from, new AppendEntriesResponse(term, false, 0, 0));
            } else if (message instanceof RequestVote vote) {
                callbacks.send(from, new RequestVoteResponse(term, false, vote.preVote()));
            }
            return false;
        }
        return true;
    }

    /** Whether this node has heard from a live leader within the election timeout (or is that leader). */
    private boolean inLease() {
        if (!options.checkQuorum()) {
            return false;
        }
        return role == Role.LEADER || (leader != null && electionElapsed < electionTimeoutTicks);
    }

    /**
     * Appends client commands as the leader. Returns the index of the first, or -1 if this node does not accept
     * proposals (not leader, or handing leadership over).
     */
    public long propose(List<? extends Command> commands) {
        if (!acceptsProposals()) {
            return -1;
        }
        long first = log.lastIndex() + 1;
        if (commands.isEmpty()) {
            return first;
        }
        List<Entry> entries = new ArrayList<>(commands.size());
        long index = first;
        for (Command command : commands) {
            entries.add(new Entry(index++, term, command));
        }
        log.append(entries);
        maybeCommit(); // a single-node cluster commits at once
        return first;
    }

    /**
     * Registers a linearizable read (ReadIndex). Returns {@code false} if this node is not the leader; otherwise
     * {@link Callbacks#readReady} follows once a majority has confirmed this leadership, or
     * {@link Callbacks#readsAborted} if leadership is lost first.
     */
    public boolean readIndex(long ctx) {
        if (role != Role.LEADER) {
            return false;
        }
        if (commitIndex < termStartIndex) {
            // Until its no-op commits, a new leader does not know the latest commit index (thesis 6.4 step 1).
            readsAwaitingTermCommit.add(ctx);
            return true;
        }
        reads.add(new PendingRead(ctx, commitIndex, round + 1));
        roundRequested = true;
        checkReads();
        return true;
    }

    /**
     * Ends a turn of the node loop: sends what the turn's proposals and commits call for, in as few messages as
     * possible (one append per follower for all of this turn's proposals, one heartbeat round for all of its
     * reads).
     */
    public void flush() {
        if (rejoinFinishTurns > 0 && --rejoinFinishTurns == 0) {
            setRejoinTerm(Log.NOT_REJOINING); // the turn that caught up has synced its entries by now
        }
        if (role != Role.LEADER) {
            return;
        }
        for (NodeId peer : peers) {
            sendAppends(peer);
        }
        if (roundRequested) {
            broadcastHeartbeat();
        }
    }

    // ------------------------------------------------------------------------------------------------ elections

    private void campaign(boolean transfer) {
        if (options.preVote() && !transfer) {
            becomePreCandidate();
        } else {
            becomeCandidate(transfer);
        }
    }

    private void becomePreCandidate() {
        role = Role.PRE_CANDIDATE;
        setLeader(null);
        votes.clear();
        votes.add(self);
        resetElectionTimer();
        if (votes.size() >= quorum) {
            becomeCandidate(false);
            return;
        }
        RequestVote request = new RequestVote(term + 1, log.lastIndex(), log.lastTerm(), true, false);
        for (NodeId peer : peers) {
            callbacks.send(peer, request);
        }
    }

    private void becomeCandidate(boolean transfer) {
        role = Role.CANDIDATE;
        term++;
        votedFor = self;
        saveTermAndVote();
        setLeader(null);
        votes.clear();
        grantedResponses = 0;
        votes.add(self);
        resetElectionTimer();
        if (votes.size() >= quorum) {
            becomeLeader();
            return;
        }
        RequestVote request = new RequestVote(term, log.lastIndex(), log.lastTerm(), false, transfer);
        for (NodeId peer : peers) {
            callbacks.send(peer, request);
        }
    }

    private void becomeFollower(long newTerm, NodeId newLeader) {
        becomeFollower(newTerm, newLeader, true);
    }

    private void becomeFollower(long newTerm, NodeId newLeader, boolean resetTimer) {
        boolean wasLeader = role == Role.LEADER;
        if (newTerm > term) {
            term = newTerm;
            votedFor = null;
            saveTermAndVote();
        }
        role = Role.FOLLOWER;
        setLeader(newLeader);
        if (resetTimer || wasLeader) {
            resetElectionTimer();
        }
        if (wasLeader) {
            progress.clear();
            transferTarget = null;
            abortReads();
        }
    }

    private void becomeLeader() {
        role = Role.LEADER;
        setLeader(self);
        progress.clear();
        for (NodeId peer : peers) {
            Progress pr = new Progress(log.lastIndex() + 1);
            pr.recentActive = true; // give every follower a full election timeout to answer before check-quorum
            progress.put(peer, pr);
        }
        electionElapsed = 0;
        heartbeatElapsed = 0;
        transferTarget = null;
        termStartIndex = log.lastIndex() + 1;
        // Section 8: commit an entry of the new term at once, which also commits everything before it. (The
        // figure-8 bug needs a leader without it: otherwise the no-op travels with every old entry and hides it.)
        if (!options.has(PlantedBug.COMMIT_PREVIOUS_TERM_BY_COUNTING)) {
            log.append(List.of(new Entry(termStartIndex, term, Command.Noop.INSTANCE)));
        }
        maybeCommit();
        for (NodeId peer : peers) {
            sendAppends(peer);
        }
    }

    private void saveTermAndVote() {
        if (!options.has(PlantedBug.FORGET_TERM_AND_VOTE)) {
            log.saveTermAndVote(term, votedFor);
        }
    }

    private void setLeader(NodeId newLeader) {
        leader = newLeader;
    }

    private void resetElectionTimer() {
        electionElapsed = 0;
        randomizedElectionTimeout = election.electionTimeoutTicks(self, members, electionTimeoutTicks, random);
    }

    /** Section 5.4.1: whether a candidate's log is at least as up to date as this node's. */
    private boolean candidateUpToDate(long lastIndex, long lastTerm) {
        long myLastTerm = log.lastTerm();
        return lastTerm > myLastTerm || (lastTerm == myLastTerm && lastIndex >= log.lastIndex());
    }

    private void handleRequestVote(NodeId from, RequestVote request) {
        if (rejoining()) {
            callbacks.send(from, new RequestVoteResponse(term, false, request.preVote()));
            return;
        }
        if (request.preVote()) {
            boolean grant = request.term() > term && candidateUpToDate(request.lastLogIndex(), request.lastLogTerm())
                    && !(inLease() && !request.transfer());
            callbacks.send(from, new RequestVoteResponse(grant ? request.term() : term, grant, true));
            return;
        }
        boolean canVote = votedFor == null || votedFor.equals(from);
        boolean grant = canVote && role != Role.LEADER
                && candidateUpToDate(request.lastLogIndex(), request.lastLogTerm());
        if (grant) {
            votedFor = from;
            saveTermAndVote();
            electionElapsed = 0; // a node that just voted gives the candidate time to win
        }
        callbacks.send(from, new RequestVoteResponse(term, grant, false));
    }

    private void handleVoteResponse(NodeId from, RequestVoteResponse response) {
        if (response.preVote()) {
            if (role == Role.PRE_CANDIDATE && response.granted() && response.term() == term + 1) {
                votes.add(from);
                if (votes.size() >= quorum) {
                    becomeCandidate(false);
                }
            }
            return;
        }
        if (role == Role.CANDIDATE && response.granted()) {
            votes.add(from);
            grantedResponses++;
            int count = options.has(PlantedBug.COUNT_DUPLICATE_VOTES) ? 1 + grantedResponses : votes.size();
            if (count >= quorum) {
                becomeLeader();
            }
        }
    }

    private void handleTimeoutNow(NodeId from, TimeoutNow request) {
        if (role == Role.FOLLOWER && from.equals(leader) && !rejoining()) {
            becomeCandidate(true);
        }
    }

    private void considerTransfer() {
        if (transferTarget != null) {
            return;
        }
        List<NodeId> eligible = new ArrayList<>();
        long last = log.lastIndex();
        for (Map.Entry<NodeId, Progress> entry : progress.entrySet()) {
            Progress pr = entry.getValue();
            if (pr.match == last && pr.silentTicks < electionTimeoutTicks && !pr.rejoining) {
                eligible.add(entry.getKey());
            }
        }
        NodeId target = election.transferTarget(self, eligible);
        if (target != null && progress.containsKey(target)) {
            transferTarget = target;
            transferElapsed = 0;
            callbacks.send(target, new TimeoutNow(term));
        }
    }

    // ------------------------------------------------------------------------------------------------ replication

    /**
     * A message only a leader of this term sends arrived from {@code from}: follow it and restart the election
     * timer. Another leader of this very term would break election safety, so that stops the node loudly.
     */
    private void followLeader(NodeId from) {
        if (role == Role.LEADER) {
            throw new IllegalStateException("two leaders in term " + term + ": " + self + " and " + from);
        }
        if (role != Role.FOLLOWER || !from.equals(leader)) {
            becomeFollower(term, from);
        }
        electionElapsed = 0;
    }

    private void handleAppendEntries(NodeId from, AppendEntries append) {
        followLeader(from);
        long prev = append.prevLogIndex();
        long prevTerm = append.prevLogTerm();
        List<Entry> entries = append.entries();
        if (prev < commitIndex) {
            // Entries up to the commit index are here already and match the leader's (leader completeness): keep
            // only what lies beyond it, so a late or overlapping message still delivers its new entries.
            int skip = (int) Math.min(entries.size(), commitIndex - prev);
            entries = entries.subList(skip, entries.size());
            prev += skip;
            if (prev < commitIndex) {
                callbacks.send(from, new AppendEntriesResponse(term, true, commitIndex, 0));
                return;
            }
            prevTerm = log.term(prev);
        }
        if (prev > log.lastIndex()) {
            callbacks.send(from, new AppendEntriesResponse(term, false, prev, log.lastIndex() + 1));
            return;
        }
        long myPrevTerm = log.term(prev);
        if (myPrevTerm != prevTerm && !options.has(PlantedBug.SKIP_PREVIOUS_TERM_CHECK)) {
            // Section 5.3 optimisation: skip back over the whole conflicting term in one round trip.
            long hint = prev;
            while (hint - 1 > commitIndex && log.term(hint - 1) == myPrevTerm) {
                hint--;
            }
            callbacks.send(from, new AppendEntriesResponse(term, false, prev, hint));
            return;
        }
        for (int i = 0; i < entries.size(); i++) {
            Entry entry = entries.get(i);
            if (entry.index() <= log.lastIndex()) {
                if (log.term(entry.index()) == entry.term()) {
                    continue; // log matching: same index and term means same entry and same prefix
                }
                if (entry.index() <= commitIndex) {
                    throw new IllegalStateException("leader " + from + " conflicts with committed entry "
                            + entry.index() + " on " + self);
                }
                log.truncateFrom(entry.index());
            }
            log.append(entries.subList(i, entries.size()));
            break;
        }
        long lastNew = prev + entries.size();
        if (append.leaderCommit() > commitIndex) {
            commitIndex = Math.min(append.leaderCommit(), lastNew);
        }
        maybeFinishRejoin();
        callbacks.send(from, new AppendEntriesResponse(term, true, lastNew, 0));
    }

    private void handleAppendResponse(NodeId from, AppendEntriesResponse response) {
        if (role != Role.LEADER) {
            return;
        }
        Progress pr = progress.get(from);
        pr.recentActive = true;
        pr.silentTicks = 0;
        if (response.success()) {
            if (response.matchIndex() > pr.match) {
                pr.match = response.matchIndex();
                pr.next = Math.max(pr.next, pr.match + 1);
                while (!pr.inflight.isEmpty() && pr.inflight.peekFirst() <= pr.match) {
                    pr.inflight.pollFirst();
                }
                maybeCommit();
            }
            if (!pr.replicating) {
                pr.replicating = true;
                pr.probeSent = false;
                pr.inflight.clear();
                pr.next = pr.match + 1;
            }
            if (from.equals(transferTarget) && pr.match == log.lastIndex()) {
                callbacks.send(from, new TimeoutNow(term));
            }
        } else {
            long rejected = response.matchIndex();
            if (response.hintIndex() > 0 && response.hintIndex() <= pr.match) {
                // The follower no longer holds what it acknowledged: it lost its disk. Probe from what it has. (A
                // late, reordered rejection can land here too; lowering the match index is merely conservative.)
                pr.match = response.hintIndex() - 1;
                pr.becomeProbe();
                sendAppends(from);
                return;
            }
            if (pr.replicating ? rejected <= pr.match : rejected != pr.next - 1) {
                return; // a stale rejection, already dealt with
            }
            pr.becomeProbe();
            pr.next = Math.max(pr.match + 1, Math.min(response.hintIndex(), rejected));
        }
        sendAppends(from);
    }

    /** Tells every follower that has not heard of the latest commit yet (see {@link #sendAppends}). */
    private void sendDeferredCommits() {
        for (Map.Entry<NodeId, Progress> entry : progress.entrySet()) {
            Progress pr = entry.getValue();
            if (pr.replicating && pr.commitSent < commitIndex) {
                sendAppends(entry.getKey(), true);
            }
        }
    }

    /**
     * {@code peer} waits on commits (it forwarded writes, or asked for a read index): until it has heard of a commit
     * covering the whole log, commit news goes to it at once instead of waiting for the next tick.
     */
    public void peerWaitsForCommit(NodeId peer) {
        Progress pr = role == Role.LEADER ? progress.get(peer) : null;
        if (pr != null) {
            pr.waitsForCommit = true;
        }
    }

    /** Sends what {@code peer} is missing, as far as the flow control allows. */
    private void sendAppends(NodeId peer) {
        sendAppends(peer, progress.get(peer).waitsForCommit);
    }

    /**
     * Sends what {@code peer} is missing; commit news with no entries to carry it goes only if {@code commitNewsAlone}
     * (a replicating follower's is otherwise left for the next append or tick).
     */
    private void sendAppends(NodeId peer, boolean commitNewsAlone) {
        Progress pr = progress.get(peer);
        if (pr.next < log.firstIndex()) {
            sendSnapshotChunk(peer, pr); // the entries it needs are compacted away
            return;
        }
        pr.sendingSnapshot = 0;
        long last = log.lastIndex();
        while (true) {
            if (pr.replicating ? pr.inflight.size() >= options.maxInflightMessages() : pr.probeSent) {
                return;
            }
            boolean hasEntries = pr.next <= last;
            boolean commitNews = pr.commitSent < commitIndex;
            if (!hasEntries && !commitNews && pr.replicating) {
                return;
            }
            if (!hasEntries && !commitNews && !pr.replicating && pr.match == last) {
                return;
            }
            if (!hasEntries && pr.replicating && !commitNewsAlone) {
                // Commit news alone rides on the next append, or goes at the next tick: sent at once, every write
                // cost a second round of messages (an empty append and its answer per follower), which on a busy
                // machine slowed the next write more than a follower's commit lag of up to a tick is worth.
                return;
            }
            long prev = pr.next - 1;
            List<Entry> entries = log.entries(pr.next, options.maxEntriesPerMessage(),
                    options.maxBytesPerMessage());
            callbacks.send(peer, new AppendEntries(term, prev, log.term(prev), entries, commitIndex));
            pr.commitSent = commitIndex;
            if (commitIndex >= last) {
                pr.waitsForCommit = false; // it knows everything is committed; new waits set it again
            }
            if (!pr.replicating) {
                pr.probeSent = true;
                return;
            }
            if (entries.isEmpty()) {
                return;
            }
            pr.next = entries.get(entries.size() - 1).index() + 1;
            pr.inflight.addLast(pr.next - 1);
        }
    }

    /** Figure 8: commit the highest index a majority holds, but only if it is of the current term. */
    private void maybeCommit() {
        long[] matches = new long[members.size()];
        int i = 0;
        matches[i++] = log.lastIndex();
        for (Progress pr : progress.values()) {
            matches[i++] = pr.match;
        }
        Arrays.sort(matches);
        long majorityIndex = matches[matches.length - quorum];
        // Checked first: at or below the commit index the entry may be compacted into the snapshot.
        if (majorityIndex > commitIndex && (log.term(majorityIndex) == term
                || options.has(PlantedBug.COMMIT_PREVIOUS_TERM_BY_COUNTING))) {
            commitIndex = majorityIndex;
            if (!readsAwaitingTermCommit.isEmpty() && commitIndex >= termStartIndex) {
                List<Long> waiting = new ArrayList<>(readsAwaitingTermCommit);
                readsAwaitingTermCommit.clear();
                for (long ctx : waiting) {
                    readIndex(ctx);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ snapshots

    /**
     * Sends {@code peer} the next chunk of the log's snapshot, one chunk in flight at a time (a snapshot is large and
     * rare; pipelining it would buy little and risk flooding a slow follower). A newer snapshot taken meanwhile
     * restarts the transfer: the older one's bytes may be gone.
     */
    private void sendSnapshotChunk(NodeId peer, Progress pr) {
        Snapshot snapshot = log.snapshot();
        if (pr.sendingSnapshot != snapshot.index() || pr.sendingSnapshotTerm != snapshot.term()) {
            pr.sendingSnapshot = snapshot.index();
            pr.sendingSnapshotTerm = snapshot.term();
            pr.snapshotOffset = 0;
            pr.snapshotChunkInFlight = false;
            pr.snapshotOffsetAtLastHeartbeat = -1;
        }
        if (pr.snapshotChunkInFlight) {
            return;
        }
        long offset = Math.min(pr.snapshotOffset, snapshot.size());
        byte[] chunk = snapshot.read(offset, (int) Math.min(Integer.MAX_VALUE - 64, options.maxBytesPerMessage()));
        boolean done = offset + chunk.length >= snapshot.size();
        callbacks.send(peer, new InstallSnapshot(term, snapshot.index(), snapshot.term(), offset, chunk, done));
        pr.snapshotChunkInFlight = true;
    }

    private void handleInstallSnapshot(NodeId from, InstallSnapshot chunk) {
        followLeader(from);
        long index = chunk.snapshotIndex();
        long snapshotTerm = chunk.snapshotTerm();
        if (index <= commitIndex) {
            // Everything it covers is committed here already, and committed entries match the leader's.
            callbacks.send(from, new InstallSnapshotResponse(term, index, snapshotTerm, chunk.offset(), true));
            return;
        }
        long staged = log.stagedSnapshotBytes(index, snapshotTerm);
        if (chunk.offset() != 0 && chunk.offset() != staged) {
            // Out of order (a lost or duplicated chunk): tell the leader where to go on from.
            callbacks.send(from, new InstallSnapshotResponse(term, index, snapshotTerm, staged, false));
            return;
        }
        log.stageSnapshotChunk(index, snapshotTerm, chunk.offset(), chunk.data());
        long held = chunk.offset() + chunk.data().length;
        if (!chunk.done()) {
            callbacks.send(from, new InstallSnapshotResponse(term, index, snapshotTerm, held, false));
            return;
        }
        Snapshot installed = log.installStagedSnapshot(index, snapshotTerm);
        commitIndex = index;
        callbacks.snapshotInstalled(installed);
        maybeFinishRejoin();
        callbacks.send(from, new InstallSnapshotResponse(term, index, snapshotTerm, held, true));
    }

    private void handleInstallSnapshotResponse(NodeId from, InstallSnapshotResponse response) {
        if (role != Role.LEADER) {
            return;
        }
        Progress pr = progress.get(from);
        pr.recentActive = true;
        pr.silentTicks = 0;
        if (response.installed()) {
            if (response.snapshotIndex() > pr.match) {
                pr.match = response.snapshotIndex();
                maybeCommit();
            }
            if (pr.sendingSnapshot != 0 && pr.match >= pr.sendingSnapshot) {
                pr.sendingSnapshot = 0;
                pr.snapshotChunkInFlight = false;
                pr.becomeProbe();
            }
        } else if (response.snapshotIndex() == pr.sendingSnapshot
                && response.snapshotTerm() == pr.sendingSnapshotTerm) {
            pr.snapshotOffset = response.nextOffset();
            pr.snapshotChunkInFlight = false;
        } else {
            return; // about a transfer this leader no longer runs
        }
        sendAppends(from);
    }

    // ------------------------------------------------------------------------------------------------ rejoining

    private void handleRejoinAnswer(NodeId from, RejoinQueryResponse answer) {
        if (rejoinTerm != Log.REJOIN_TERM_UNKNOWN || answer.nonce() != rejoinNonce) {
            return;
        }
        rejoinAnswers.put(from, answer);
        if (rejoinAnswers.size() < peers.size()) {
            return;
        }
        long highest = term;
        boolean nothingCommittedSurvives = true;
        for (RejoinQueryResponse each : rejoinAnswers.values()) {
            highest = Math.max(highest, each.currentTerm());
            if (each.lastIndex() > 0) {
                nothingCommittedSurvives = false; // a rejoining peer may hold committed entries it caught up on
            }
        }
        rejoinAnswers.clear();
        if (highest > term) {
            becomeFollower(highest, null, false);
        }
        if (votedFor == null && term > 0) {
            votedFor = self; // a vote this node may have cast in this term before it lost its state stays cast
        }
        saveTermAndVote();
        setRejoinTerm(nothingCommittedSurvives ? Log.NOT_REJOINING : term);
        maybeFinishRejoin();
    }

    /** A rejoining follower needs a leader of a later term: lead again in a new term (leadership transfer rules). */
    private void handleRejoinRequest(NodeId from) {
        if (role != Role.LEADER) {
            return;
        }
        progress.get(from).rejoining = true;
        // The requester will not vote: step into a new term only if the others heard lately make a majority.
        int live = 1;
        for (Map.Entry<NodeId, Progress> peer : progress.entrySet()) {
            if (!peer.getKey().equals(from) && peer.getValue().silentTicks < electionTimeoutTicks
                    && !peer.getValue().rejoining) {
                live++;
            }
        }
        if (live >= quorum) {
            becomeFollower(term, null);
            becomeCandidate(true);
        }
    }

    /** Ends rejoining once this node's committed log reaches an entry of a leader's term above the rejoin term. */
    private void maybeFinishRejoin() {
        if (rejoining() && rejoinTerm != Log.REJOIN_TERM_UNKNOWN && term > rejoinTerm && leader != null
                && commitIndex > 0 && log.term(commitIndex) == term && rejoinFinishTurns == 0) {
            rejoinFinishTurns = 2; // recorded at the end of the next turn, see flush()
        }
    }

    private void setRejoinTerm(long value) {
        rejoinTerm = value;
        log.saveRejoinTerm(value);
    }

    // ------------------------------------------------------------------------------------------------ heartbeats

    private void broadcastHeartbeat() {
        round++;
        roundRequested = false;
        for (Map.Entry<NodeId, Progress> entry : progress.entrySet()) {
            Progress pr = entry.getValue();
            callbacks.send(entry.getKey(), new Heartbeat(term, Math.min(pr.match, commitIndex), round));
        }
    }

    private void handleHeartbeat(NodeId from, Heartbeat heartbeat) {
        followLeader(from);
        long safeCommit = Math.min(heartbeat.commitIndex(), log.lastIndex());
        if (safeCommit > commitIndex) {
            commitIndex = safeCommit;
        }
        if (log.lastIndex() < heartbeat.commitIndex()) {
            // The leader believes this node holds entries it does not (it lost its disk): say where to resume.
            callbacks.send(from, new AppendEntriesResponse(term, false, heartbeat.commitIndex(),
                    log.lastIndex() + 1));
        }
        maybeFinishRejoin();
        callbacks.send(from, new HeartbeatResponse(term, heartbeat.round(), rejoining()));
    }

    private void handleHeartbeatResponse(NodeId from, HeartbeatResponse response) {
        if (role != Role.LEADER) {
            return;
        }
        Progress pr = progress.get(from);
        pr.recentActive = true;
        pr.silentTicks = 0;
        pr.ackedRound = Math.max(pr.ackedRound, response.round());
        pr.rejoining = response.rejoining();
        checkReads();
        if (pr.sendingSnapshot != 0 && pr.next < log.firstIndex()) {
            // A chunk or its answer may have been lost: if nothing moved since the last heartbeat, send it again.
            if (pr.snapshotOffset == pr.snapshotOffsetAtLastHeartbeat) {
                pr.snapshotChunkInFlight = false;
            }
            pr.snapshotOffsetAtLastHeartbeat = pr.snapshotOffset;
            sendAppends(from);
        } else if (pr.match < log.lastIndex()) {
            // The follower is alive but behind. If nothing moved since the last heartbeat, a message was lost:
            // fall back to probing, which re-sends from its match index.
            if (!pr.replicating) {
                pr.probeSent = false;
            } else if (pr.match == pr.matchAtLastHeartbeat && !pr.inflight.isEmpty()) {
                pr.becomeProbe();
            }
            sendAppends(from);
        }
        pr.matchAtLastHeartbeat = pr.match;
    }

    private void checkReads() {
        while (!reads.isEmpty()) {
            PendingRead read = reads.peekFirst();
            int acks = 1;
            for (Progress pr : progress.values()) {
                if (pr.ackedRound >= read.round()) {
                    acks++;
                }
            }
            if (acks < quorum) {
                return;
            }
            reads.pollFirst();
            callbacks.readReady(read.ctx(), read.index());
        }
    }

    private void abortReads() {
        List<Long> aborted = new ArrayList<>(readsAwaitingTermCommit);
        for (PendingRead read : reads) {
            aborted.add(read.ctx());
        }
        reads.clear();
        readsAwaitingTermCommit.clear();
        roundRequested = false;
        if (!aborted.isEmpty()) {
            callbacks.readsAborted(aborted);
        }
    }
}
