package io.nodesync.consensus;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.LimitExceededException;
import io.nodesync.NodeId;
import io.nodesync.NodeStatus;
import io.nodesync.NodeSyncException;
import io.nodesync.OutcomeUnknownException;
import io.nodesync.QuorumNotReachedException;
import io.nodesync.Role;
import io.nodesync.election.FailureDetector;
import io.nodesync.log.Log;
import io.nodesync.log.Snapshot;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.ClientCommand.Kind;
import io.nodesync.protocol.Command;
import io.nodesync.protocol.Entry;
import io.nodesync.protocol.Message;
import io.nodesync.protocol.Message.ForwardCommands;
import io.nodesync.protocol.Message.Ping;
import io.nodesync.protocol.Message.ReadIndexRequest;
import io.nodesync.protocol.Message.ReadIndexResponse;
import io.nodesync.store.HybridClock;
import io.nodesync.store.KvStateMachine;
import io.nodesync.store.Versioned;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.random.RandomGenerator;

/**
 * One node's whole logic, pure: the {@link RaftCore}, the {@link KvStateMachine}, the failure detector, and the
 * life of every client request from submission to completion.
 *
 * <h2>How a request travels</h2>
 * <ul>
 *   <li><b>Strong writes and compare-and-set</b> get a sequence number of this node's session and go to the leader
 *       (appended directly when this node leads, else forwarded). The leader stamps them with its hybrid clock, so
 *       that for them log order and last-writer-wins order agree. The caller is answered when this node applies the
 *       command, whoever appended it. After a leader change every unanswered write is sent again: the state machine
 *       applies each {@code (origin, session, seq)} once, so a retry can never apply twice. A write still unanswered
 *       at its deadline fails as "outcome unknown" if it was ever sent.</li>
 *   <li><b>Strong reads</b> get a read index from the leader (ReadIndex: the leader's commit index, confirmed by a
 *       majority heartbeat round), then are answered from this node's own state machine once it has applied that far.
 *       Reads have no effect, so they are simply re-sent after a leader change.</li>
 *   <li><b>Eventual writes</b> are stamped by this node's clock, kept in its pending queue and local view, and
 *       answered at once; the queue is pushed to the leader in batches, re-sent after a leader change or a retry
 *       interval, and dropped entry by entry as this node applies them. Re-sending is harmless: last-writer-wins.</li>
 *   <li><b>Eventual reads</b> are answered at once from the local view: committed state merged last-writer-wins with
 *       this node's pending writes.</li>
 *   <li><b>The cluster mode</b> is a last-writer-wins register written like an eventual write.</li>
 * </ul>
 * A strong request fails at once with {@link QuorumNotReachedException} when the failure detector sees no majority.
 *
 * <p>Not thread-safe: one node loop owns it. Nothing here reads a clock: {@link #setTime} passes physical time in.
 */
public final class Replica {

    /** Where a replica's outputs go. Called synchronously; the node loop buffers them until the log is synced. */
    public interface Effects {
        /** Send a message to a peer. */
        void send(NodeId to, Message message);

        /** A request succeeded with {@code result} (see {@link KvStateMachine#apply} for its type). */
        void complete(long requestId, Object result);

        /** A request failed. */
        void fail(long requestId, NodeSyncException error);

        /** The failure detector changed its mind about a peer. */
        void peerChanged(NodeId peer, boolean up);

        /** The leader this node knows changed ({@code null}: none known). */
        void leaderChanged(NodeId leader, long term);
    }

    /** The largest batch of commands per forwarded message. */
    static final int MAX_FORWARD_BATCH = 1024;
    /** How many eventual writes one turn pushes towards the leader at most, so a backlog drains in steps. */
    static final int MAX_EVENTUAL_PER_TURN = 16 * MAX_FORWARD_BATCH;

    private final ReplicaConfig config;
    private final NodeId self;
    private final long session;
    private final Effects effects;
    private final Log log;
    private final RaftCore raft;
    private final KvStateMachine stateMachine;
    private final HybridClock clock = new HybridClock();
    private final FailureDetector failureDetector;
    private final int retryTicks;

    private long nowMillis;
    private long ticks;
    private int pingElapsed;
    private long strongSeq;
    private long eventualSeq;
    private long readCtxSeq;

    private final LinkedHashMap<Long, PendingWrite> writes = new LinkedHashMap<>();
    private final LinkedHashMap<Long, PendingRead> reads = new LinkedHashMap<>();
    private final PriorityQueue<PendingRead> readsAwaitingApply =
            new PriorityQueue<>(Comparator.comparingLong(read -> read.readIndex));
    private final HashMap<Long, Object> readWaiters = new HashMap<>();
    private final ArrayList<Long> abortedReadCtxs = new ArrayList<>();

    private final LinkedHashMap<Long, ClientCommand> eventual = new LinkedHashMap<>();
    private final HashMap<Long, Long> eventualSentAt = new HashMap<>();
    /** Eventual writes to push to the leader, by seq: a write queued twice is sent once. */
    private final LinkedHashMap<Long, ClientCommand> eventualToSend = new LinkedHashMap<>();
    private final HashMap<String, ClientCommand> overlay = new HashMap<>();
    private ClientCommand pendingMode;

    private final ArrayList<ClientCommand> toPropose = new ArrayList<>();
    private final LinkedHashMap<NodeId, List<ClientCommand>> forwardBuffer = new LinkedHashMap<>();
    private final LinkedHashMap<NodeId, List<Long>> readRequestBuffer = new LinkedHashMap<>();
    private final LinkedHashMap<RemoteReadKey, List<Long>> readResponseBuffer = new LinkedHashMap<>();

    private final HashMap<NodeId, SessionWatermark> peerWatermarks = new HashMap<>();
    private final int purgeIntervalTicks;

    /** The applied index of the last snapshot this node asked its log to take; 0 for none. */
    private long snapshotRequestedAt;

    private NodeId reportedLeader;
    private long reportedTerm = -1;
    private Role lastRole = Role.FOLLOWER;

    private static final class PendingWrite {
        final long requestId;
        final ClientCommand command;
        final long deadline;
        /** Once handed to a leader it may be in a log, so its failure is "outcome unknown" from then on. */
        boolean everSent;
        /** When it was last handed to a leader, or -1 if it waits for one. */
        long sentAt = -1;

        PendingWrite(long requestId, ClientCommand command, long deadline) {
            this.requestId = requestId;
            this.command = command;
            this.deadline = deadline;
        }
    }

    private enum ReadState {
        WAITING_FOR_LEADER, SENT, CONFIRMED
    }

    private static final class PendingRead {
        final long requestId;
        final String key;
        final long deadline;
        ReadState state = ReadState.WAITING_FOR_LEADER;
        long sentAt;
        long readIndex;

        PendingRead(long requestId, String key, long deadline) {
            this.requestId = requestId;
            this.key = key;
            this.deadline = deadline;
        }
    }

    private record RemoteRead(NodeId requester, long session, long readId) {
    }

    private record RemoteReadKey(NodeId requester, long session, long readIndex) {
    }

    private record SessionWatermark(long session, long watermark) {
    }

    /**
     * @param config the node's place in the cluster
     * @param log its log, possibly holding state from before a restart
     * @param random its seeded random source
     * @param session a number unique to this start of the node (drawn by the caller, e.g. from {@code random})
     * @param effects where outputs go
     */
    public Replica(ReplicaConfig config, Log log, RandomGenerator random, long session, Effects effects) {
        this.config = config;
        this.self = config.self();
        this.session = session;
        this.effects = effects;
        this.log = log;
        this.stateMachine = new KvStateMachine(self, config.raftOptions().has(PlantedBug.LWW_TIE_PREFERS_SELF));
        this.failureDetector = new FailureDetector(config.peers(), config.timing().failureTimeoutTicks());
        // Long enough for a leader to answer through a normal round trip, short enough that a lost forward costs
        // one election timeout, not several.
        this.retryTicks = config.timing().electionTimeoutTicks();
        this.purgeIntervalTicks = 10 * config.timing().electionTimeoutTicks();
        Snapshot snapshot = log.snapshot();
        if (snapshot != null) {
            restoreFrom(snapshot);
        }
        this.raft = new RaftCore(self, config.peers(), log, config.election(), config.timing().heartbeatTicks(),
                config.timing().electionTimeoutTicks(), random, new RaftCallbacks(), config.raftOptions());
        // A restarted node stamps above everything its log holds, including what it observed before the restart,
        // so its new writes neither lose to its old ones nor fall below a watermark it reported then.
        for (long i = log.firstIndex(); i <= log.lastIndex(); i++) {
            if (log.entry(i).command() instanceof ClientCommand command) {
                clock.observe(command.timestamp());
            }
        }
        recoverPendingWrites();
    }

    /**
     * Takes back the eventual writes an earlier incarnation acknowledged but did not see applied: they are pushed to
     * the leader again under this incarnation's session. Each keeps its stamp, so if the old incarnation's copy also
     * reaches the log, last-writer-wins makes the second a no-op.
     */
    private void recoverPendingWrites() {
        for (ClientCommand old : log.pendingWrites()) {
            clock.observe(old.timestamp());
            log.settlePendingWrite(old);
            // Even one the log already holds is pushed again rather than dropped here: applying it once more is a
            // no-op, and settling it only once it is applied keeps one rule for when a write is done.
            trackEventual(new ClientCommand(old.kind(), true, self, session, ++eventualSeq, old.key(), old.value(),
                    old.expected(), old.timestamp(), old.stamper()));
        }
    }

    /** Replaces the state machine's state with the snapshot's. */
    private void restoreFrom(Snapshot snapshot) {
        try (java.io.InputStream in = snapshot.open()) {
            stateMachine.restore(snapshot.index(), in);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read snapshot " + snapshot.index(), e);
        }
        clock.observe(stateMachine.latestTimestamp());
        // Collected tombstones may have been the latest writes: stamping below the horizon would be ignored.
        clock.observe(stateMachine.purgeHorizon());
    }

    private final class RaftCallbacks implements RaftCore.Callbacks {
        @Override
        public void send(NodeId to, Message message) {
            effects.send(to, message);
        }

        @Override
        public void readReady(long ctx, long readIndex) {
            onReadReady(ctx, readIndex);
        }

        @Override
        public void readsAborted(List<Long> ctxs) {
            abortedReadCtxs.addAll(ctxs); // handled in settle(), outside the Raft core's call stack
        }

        @Override
        public void snapshotInstalled(Snapshot snapshot) {
            // Pending eventual writes stay pending even if the snapshot holds them: they are pushed again and applied
            // (as no-ops), which is what settles them, so every acknowledged write is seen in the log.
            restoreFrom(snapshot);
        }
    }

    // ------------------------------------------------------------------------------------------------ inputs

    /** The physical time, for the hybrid clock. Called by the loop before the inputs of each turn. */
    public void setTime(long physicalMillis) {
        nowMillis = physicalMillis;
    }

    /** One tick passed. */
    public void tick() {
        ticks++;
        raft.tick();
        failureDetector.tick();
        if (++pingElapsed >= config.timing().heartbeatTicks()) {
            pingElapsed = 0;
            if (raft.role() != Role.LEADER) {
                for (NodeId peer : config.peers()) {
                    effects.send(peer, new Ping(session, watermark())); // a leader's heartbeats serve as its pings
                }
            }
        }
        if (ticks % purgeIntervalTicks == 0) {
            maybePurgeTombstones();
        }
        expireRequests();
        if (!quorumReachable()) {
            failUnsentStrongRequests();
        }
        if (ticks % retryTicks == 0) {
            retryStale();
        }
        settle();
    }

    /** A message from a peer arrived. */
    public void receive(NodeId from, Message message) {
        if (!config.peers().contains(from)) {
            return; // not a member: ignore rather than let a stranger influence the cluster
        }
        failureDetector.heard(from);
        if (message instanceof ForwardCommands forward) {
            if (raft.acceptsProposals()) {
                toPropose.addAll(forward.commands());
                raft.peerWaitsForCommit(from); // it answers its clients once it applies these
            }
        } else if (message instanceof ReadIndexRequest request) {
            if (raft.role() == Role.LEADER) {
                raft.peerWaitsForCommit(from); // it serves the read once it has applied up to the read index
                for (long readId : request.readIds()) {
                    long ctx = ++readCtxSeq;
                    readWaiters.put(ctx, new RemoteRead(from, request.session(), readId));
                    raft.readIndex(ctx);
                }
            }
        } else if (message instanceof ReadIndexResponse response) {
            if (response.session() != session) {
                settle();
                return; // meant for an earlier incarnation of this node, whose read ids this one reuses
            }
            for (long readId : response.readIds()) {
                PendingRead read = reads.get(readId);
                if (read != null && read.state == ReadState.SENT) {
                    confirm(read, response.readIndex());
                }
            }
        } else if (message instanceof Ping ping) {
            SessionWatermark known = peerWatermarks.get(from);
            // Within a session watermarks only grow, so a late ping is ignored; a new session replaces the old.
            if (known == null || known.session() != ping.session() || ping.watermark() > known.watermark()) {
                peerWatermarks.put(from, new SessionWatermark(ping.session(), ping.watermark()));
            }
        } else {
            raft.step(from, message);
        }
        settle();
    }

    /** A client request. Its completion arrives through {@link Effects}. */
    public void submit(ClientRequest request) {
        ConsistencyPolicy policy = request.policy() != null ? request.policy() : currentMode();
        switch (request.op()) {
            case GET -> {
                if (policy == ConsistencyPolicy.EVENTUAL) {
                    effects.complete(request.id(), viewOf(request.key()));
                } else {
                    submitStrongRead(request);
                }
            }
            case PUT -> submitWrite(request, Kind.PUT, policy);
            case DELETE -> submitWrite(request, Kind.DELETE, policy);
            case CAS -> submitWrite(request, Kind.CAS, ConsistencyPolicy.STRONG);
            case SET_MODE -> submitWrite(request, Kind.SET_MODE, ConsistencyPolicy.EVENTUAL);
            default -> throw new IllegalStateException("unknown op " + request.op());
        }
        settle();
    }

    /**
     * Ends a turn: proposes what the turn gathered as one append, forwards what must go to the leader as one message
     * per destination, and lets the Raft core send its appends and heartbeats.
     */
    public void endTurn() {
        pushEventualWrites();
        if (!toPropose.isEmpty()) {
            // Observe every stamp of the batch first: a strong write is then stamped above the eventual writes and
            // the origin floors that came with it, whatever their order in the batch.
            for (ClientCommand command : toPropose) {
                clock.observe(command.timestamp());
            }
            List<ClientCommand> batch = new ArrayList<>(toPropose.size());
            for (ClientCommand command : toPropose) {
                batch.add(command.eventual() ? command : command.stamped(clock.next(nowMillis), self));
            }
            toPropose.clear();
            raft.propose(batch); // if leadership was lost meanwhile, the leader-change retry re-sends them
        }
        forwardBuffer.forEach((leader, commands) -> {
            for (int from = 0; from < commands.size(); from += MAX_FORWARD_BATCH) {
                effects.send(leader, new ForwardCommands(
                        commands.subList(from, Math.min(commands.size(), from + MAX_FORWARD_BATCH))));
            }
        });
        forwardBuffer.clear();
        readRequestBuffer.forEach((leader, ids) -> effects.send(leader, new ReadIndexRequest(session, ids)));
        readRequestBuffer.clear();
        readResponseBuffer.forEach((key, ids) -> effects.send(key.requester(),
                new ReadIndexResponse(raft.term(), key.session(), ids, key.readIndex())));
        readResponseBuffer.clear();
        raft.flush();
        settle();
    }

    // ------------------------------------------------------------------------------------------------ writes

    private void submitWrite(ClientRequest request, Kind kind, ConsistencyPolicy policy) {
        if (policy == ConsistencyPolicy.EVENTUAL) {
            submitEventualWrite(request, kind);
            return;
        }
        if (!admitStrong(request)) {
            return;
        }
        // The origin's clock reading is a floor for the leader's stamp, so that a strong write sorts after every
        // write this node accepted before it, even one the leader has not seen yet.
        ClientCommand command = new ClientCommand(kind, false, self, session, ++strongSeq, request.key(),
                request.value(), request.expected(), clock.next(nowMillis), self);
        PendingWrite write = new PendingWrite(request.id(), command, ticks + config.timing().requestTimeoutTicks());
        writes.put(command.seq(), write);
        dispatch(write);
    }

    private void submitEventualWrite(ClientRequest request, Kind kind) {
        if (eventual.size() >= config.limits().maxPendingEventualWrites()) {
            effects.fail(request.id(), new LimitExceededException("too many eventual writes waiting for replication ("
                    + eventual.size() + "); the cluster has no reachable leader or cannot keep up"));
            return;
        }
        Object result = kind == Kind.DELETE ? viewOf(request.key()) != null : null;
        ClientCommand command = new ClientCommand(kind, true, self, session, ++eventualSeq, request.key(),
                request.value(), null, clock.next(nowMillis), self);
        trackEventual(command);
        effects.complete(request.id(), result);
    }

    /**
     * Makes {@code command} a pending eventual write of this node: durable (before any acknowledgement leaves: the
     * driver syncs first), queued for the leader, and visible in this node's view.
     */
    private void trackEventual(ClientCommand command) {
        eventual.put(command.seq(), command);
        eventualToSend.put(command.seq(), command);
        log.savePendingWrite(command);
        if (command.kind() == Kind.SET_MODE) {
            pendingMode = command;
        } else {
            overlay.put(command.key(), command);
        }
    }

    private void dispatch(PendingWrite write) {
        NodeId leader = raft.leader();
        if (leader == null || (leader.equals(self) && !raft.acceptsProposals())) {
            write.sentAt = -1;
            return;
        }
        if (strongSeq - write.command.seq() >= KvStateMachine.RETRY_WINDOW) {
            return; // too old to re-send safely; it will time out as "outcome unknown"
        }
        if (leader.equals(self)) {
            toPropose.add(write.command);
        } else {
            forwardBuffer.computeIfAbsent(leader, k -> new ArrayList<>()).add(write.command);
        }
        write.everSent = true;
        write.sentAt = ticks;
    }

    private void pushEventualWrites() {
        NodeId leader = raft.leader();
        if (leader == null || eventualToSend.isEmpty() || (leader.equals(self) && !raft.acceptsProposals())) {
            return;
        }
        int pushed = 0;
        Iterator<ClientCommand> queued = eventualToSend.values().iterator();
        while (queued.hasNext() && pushed < MAX_EVENTUAL_PER_TURN) {
            ClientCommand command = queued.next();
            queued.remove();
            if (!eventual.containsKey(command.seq())) {
                continue; // applied since it was queued
            }
            if (leader.equals(self)) {
                toPropose.add(command);
            } else {
                forwardBuffer.computeIfAbsent(leader, k -> new ArrayList<>()).add(command);
            }
            eventualSentAt.put(command.seq(), ticks);
            pushed++;
        }
    }

    // ------------------------------------------------------------------------------------------------ reads

    private void submitStrongRead(ClientRequest request) {
        if (!admitStrong(request)) {
            return;
        }
        if (config.raftOptions().has(PlantedBug.READ_WITHOUT_READ_INDEX)) {
            effects.complete(request.id(), stateMachine.get(request.key()));
            return;
        }
        if (reads.containsKey(request.id())) {
            throw new IllegalArgumentException("duplicate request id " + request.id());
        }
        PendingRead read = new PendingRead(request.id(), request.key(), ticks + config.timing().requestTimeoutTicks());
        reads.put(request.id(), read);
        dispatch(read);
    }

    private void dispatch(PendingRead read) {
        NodeId leader = raft.leader();
        if (leader == null) {
            read.state = ReadState.WAITING_FOR_LEADER;
            return;
        }
        read.state = ReadState.SENT;
        read.sentAt = ticks;
        if (leader.equals(self)) {
            long ctx = ++readCtxSeq;
            readWaiters.put(ctx, read);
            if (!raft.readIndex(ctx)) {
                readWaiters.remove(ctx);
                read.state = ReadState.WAITING_FOR_LEADER;
            }
        } else {
            readRequestBuffer.computeIfAbsent(leader, k -> new ArrayList<>()).add(read.requestId);
        }
    }

    private void onReadReady(long ctx, long readIndex) {
        Object waiter = readWaiters.remove(ctx);
        if (waiter instanceof PendingRead read) {
            if (read.state == ReadState.SENT && reads.get(read.requestId) == read) {
                confirm(read, readIndex);
            }
        } else if (waiter instanceof RemoteRead remote) {
            readResponseBuffer.computeIfAbsent(new RemoteReadKey(remote.requester(), remote.session(), readIndex),
                    k -> new ArrayList<>()).add(remote.readId());
        }
    }

    private void confirm(PendingRead read, long readIndex) {
        read.state = ReadState.CONFIRMED;
        read.readIndex = readIndex;
        readsAwaitingApply.add(read);
    }

    private void serveConfirmedReads() {
        while (!readsAwaitingApply.isEmpty()
                && readsAwaitingApply.peek().readIndex <= stateMachine.appliedIndex()) {
            PendingRead read = readsAwaitingApply.poll();
            if (reads.remove(read.requestId, read)) {
                effects.complete(read.requestId, stateMachine.get(read.key));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ upkeep

    /** Brings derived state up to date after any input: apply, serve reads, react to a new leader or peer state. */
    private void settle() {
        if (!abortedReadCtxs.isEmpty()) {
            List<Long> aborted = new ArrayList<>(abortedReadCtxs);
            abortedReadCtxs.clear();
            for (long ctx : aborted) {
                if (readWaiters.remove(ctx) instanceof PendingRead read && reads.get(read.requestId) == read) {
                    read.state = ReadState.WAITING_FOR_LEADER;
                }
            }
        }
        applyCommitted();
        maybeSnapshot();
        serveConfirmedReads();
        NodeId leader = raft.leader();
        Role role = raft.role();
        if (role == Role.LEADER && lastRole != Role.LEADER) {
            // A new leader must stamp later than everything in its log, committed or not.
            for (long i = stateMachine.appliedIndex() + 1; i <= log.lastIndex(); i++) {
                if (log.entry(i).command() instanceof ClientCommand command) {
                    clock.observe(command.timestamp());
                }
            }
        }
        lastRole = role;
        if (leader == null ? reportedLeader != null : !leader.equals(reportedLeader) || raft.term() != reportedTerm) {
            boolean leaderChanged = leader == null ? reportedLeader != null : !leader.equals(reportedLeader);
            reportedLeader = leader;
            reportedTerm = raft.term();
            if (leaderChanged) {
                effects.leaderChanged(leader, raft.term());
            }
            if (leader != null) {
                resendAll();
            }
        }
        for (FailureDetector.Transition transition : failureDetector.drainTransitions()) {
            effects.peerChanged(transition.peer(), transition.up());
        }
    }

    private void applyCommitted() {
        long commit = raft.commitIndex();
        while (stateMachine.appliedIndex() < commit) {
            Entry entry = log.entry(stateMachine.appliedIndex() + 1);
            Object result = stateMachine.apply(entry);
            if (!(entry.command() instanceof ClientCommand command)) {
                continue;
            }
            clock.observe(command.timestamp());
            if (!command.origin().equals(self) || command.session() != session) {
                continue;
            }
            if (command.eventual()) {
                settleEventual(command);
            } else {
                PendingWrite write = writes.get(command.seq());
                if (write != null && result != KvStateMachine.DUPLICATE) {
                    writes.remove(command.seq());
                    effects.complete(write.requestId, result);
                }
            }
        }
    }

    /**
     * Once the log's entries pass the configured size, snapshots the state machine as of the last applied entry, so
     * the log can drop what the snapshot covers. At most one snapshot is under way: the next waits until the log has
     * taken this one.
     */
    private void maybeSnapshot() {
        Snapshot current = log.snapshot();
        long covered = current == null ? 0 : current.index();
        long applied = stateMachine.appliedIndex();
        if (applied <= covered || covered < snapshotRequestedAt
                || log.entryBytes() < config.raftOptions().snapshotThresholdBytes()) {
            return;
        }
        if (log.takeSnapshot(applied, log.term(applied), stateMachine.snapshotWriter())) {
            snapshotRequestedAt = applied;
        }
    }

    private void settleEventual(ClientCommand applied) {
        ClientCommand pending = eventual.remove(applied.seq());
        eventualSentAt.remove(applied.seq());
        if (pending == null) {
            return;
        }
        log.settlePendingWrite(pending);
        if (pending.kind() == Kind.SET_MODE) {
            if (pendingMode != null && pendingMode.seq() == pending.seq()) {
                pendingMode = null;
            }
        } else {
            ClientCommand newest = overlay.get(pending.key());
            if (newest != null && newest.seq() == pending.seq()) {
                overlay.remove(pending.key());
            }
        }
    }

    /** A new leader is known: everything unanswered goes to it (duplicates are harmless, see the class doc). */
    private void resendAll() {
        for (PendingWrite write : writes.values()) {
            dispatch(write);
        }
        for (PendingRead read : reads.values()) {
            if (read.state != ReadState.CONFIRMED) {
                dispatch(read);
            }
        }
        if (config.raftOptions().has(PlantedBug.FORWARDER_DROPS_ON_LEADER_CHANGE)) {
            for (Long seq : new ArrayList<>(eventualSentAt.keySet())) {
                ClientCommand sent = eventual.get(seq);
                if (sent != null) {
                    settleEventual(sent); // wrongly assumes the old leader got it
                }
            }
        }
        eventualToSend.clear();
        eventualToSend.putAll(eventual);
    }

    /** Re-sends what went unanswered for a retry interval: a message may have been lost on the way. */
    private void retryStale() {
        long staleBefore = ticks - retryTicks;
        for (PendingWrite write : writes.values()) {
            if (write.sentAt < 0 || write.sentAt <= staleBefore) {
                dispatch(write);
            }
        }
        for (PendingRead read : reads.values()) {
            if (read.state == ReadState.WAITING_FOR_LEADER
                    || (read.state == ReadState.SENT && read.sentAt <= staleBefore)) {
                dispatch(read);
            }
        }
        for (ClientCommand command : eventual.values()) {
            Long sentAt = eventualSentAt.get(command.seq());
            if (sentAt == null || sentAt <= staleBefore) {
                eventualToSend.put(command.seq(), command);
            }
        }
    }

    private void expireRequests() {
        Iterator<PendingWrite> writeIterator = writes.values().iterator();
        while (writeIterator.hasNext()) {
            PendingWrite write = writeIterator.next();
            if (write.deadline > ticks) {
                break; // deadlines follow submission order
            }
            writeIterator.remove();
            String detail = "no majority committed the write within " + config.timing().requestTimeoutTicks()
                    + " ticks";
            effects.fail(write.requestId, write.everSent ? new OutcomeUnknownException(detail)
                    : new QuorumNotReachedException(detail, false));
        }
        Iterator<PendingRead> readIterator = reads.values().iterator();
        while (readIterator.hasNext()) {
            PendingRead read = readIterator.next();
            if (read.deadline > ticks) {
                break;
            }
            readIterator.remove();
            effects.fail(read.requestId, new QuorumNotReachedException("no majority confirmed the read within "
                    + config.timing().requestTimeoutTicks() + " ticks", false));
        }
    }

    private void failUnsentStrongRequests() {
        Iterator<PendingWrite> writeIterator = writes.values().iterator();
        while (writeIterator.hasNext()) {
            PendingWrite write = writeIterator.next();
            if (!write.everSent) {
                writeIterator.remove();
                effects.fail(write.requestId, noQuorumKnown());
            }
        }
        Iterator<PendingRead> readIterator = reads.values().iterator();
        while (readIterator.hasNext()) {
            PendingRead read = readIterator.next();
            if (read.state != ReadState.CONFIRMED) {
                readIterator.remove();
                effects.fail(read.requestId, noQuorumKnown());
            }
        }
    }

    /**
     * A lower bound on the timestamp of every eventual write of this node not yet applied, now or in the future: the
     * oldest pending one, or, with none pending, just above the clock (later writes are stamped above it).
     */
    long watermark() {
        // Pending writes are kept in stamp order, so the first is the oldest.
        // The clock never issues a stamp at or below one it issued or observed (physical time is not trusted here:
        // a clock stepped back must not let a future write fall under a reported watermark).
        return eventual.isEmpty() ? clock.last() + 1 : eventual.values().iterator().next().timestamp();
    }

    /**
     * As leader, collects tombstones below every node's watermark. Until every peer has reported one, nothing is
     * collected: a silent peer may still hold an older pending write.
     */
    private void maybePurgeTombstones() {
        if (!raft.acceptsProposals() || stateMachine.tombstoneCount() == 0
                || peerWatermarks.size() < config.peers().size()) {
            return;
        }
        long horizon = watermark();
        for (SessionWatermark peer : peerWatermarks.values()) {
            horizon = Math.min(horizon, peer.watermark());
        }
        if (horizon > stateMachine.purgeHorizon()) {
            raft.propose(List.of(new Command.PurgeTombstones(horizon)));
        }
    }

    /** Fails a strong request at once when no majority is known to be reachable or too many are in flight. */
    private boolean admitStrong(ClientRequest request) {
        if (!quorumReachable()) {
            effects.fail(request.id(), noQuorumKnown());
            return false;
        }
        if (writes.size() + reads.size() >= config.limits().maxPendingRequests()) {
            effects.fail(request.id(), tooManyRequests());
            return false;
        }
        return true;
    }

    private QuorumNotReachedException noQuorumKnown() {
        return new QuorumNotReachedException("only " + (1 + failureDetector.upCount()) + " of "
                + (1 + config.peers().size()) + " nodes are reachable, " + raft.quorum() + " needed", false);
    }

    private LimitExceededException tooManyRequests() {
        return new LimitExceededException("too many strong requests in flight on node " + self + " ("
                + (writes.size() + reads.size()) + ")");
    }

    /**
     * Whether this node's own failure detector hears from a majority (this node included). Deliberately this node's
     * own evidence only: trusting a leader it still hears would turn "no majority" into "outcome unknown" for the
     * seconds a cut-off leader takes to step down. The price: behind a one-way partition that lets this node hear
     * its leader but not a majority, strong requests are refused although the leader could serve them.
     */
    public boolean quorumReachable() {
        return 1 + failureDetector.upCount() >= raft.quorum();
    }

    // ------------------------------------------------------------------------------------------------ queries

    /** The value of a key in this node's view: committed state merged last-writer-wins with its pending writes. */
    public String viewOf(String key) {
        Versioned committed = stateMachine.version(key);
        ClientCommand pending = overlay.get(key);
        if (pending != null && (committed == null
                || pending.newerThan(committed.timestamp(), committed.stamper()))) {
            return pending.value(); // null for a pending delete
        }
        return committed == null ? null : committed.value();
    }

    /** The cluster mode as this node sees it: its own latest pending switch, else the committed register. */
    public ConsistencyPolicy currentMode() {
        Versioned committed = stateMachine.modeRegister();
        if (pendingMode != null && (committed == null
                || pendingMode.newerThan(committed.timestamp(), committed.stamper()))) {
            return ConsistencyPolicy.parse(pendingMode.value());
        }
        return stateMachine.mode(config.initialConsistency());
    }

    /** A snapshot of this node's state. */
    public NodeStatus status() {
        Map<NodeId, NodeStatus.PeerState> peers = new LinkedHashMap<>();
        for (NodeId peer : config.peers()) {
            peers.put(peer, failureDetector.isUp(peer) ? NodeStatus.PeerState.UP : NodeStatus.PeerState.DOWN);
        }
        return new NodeStatus(self, raft.role(), raft.term(), raft.leader(), raft.commitIndex(),
                stateMachine.appliedIndex(), log.lastIndex(), eventual.size(), currentMode(), peers,
                stateMachine.tombstoneCount(), log.firstIndex() - 1, raft.rejoining());
    }

    public NodeId self() {
        return self;
    }

    /** The Raft core, for inspection by tests and tools. */
    public RaftCore raft() {
        return raft;
    }

    /** The state machine, for inspection by tests and tools. */
    public KvStateMachine stateMachine() {
        return stateMachine;
    }

    /** How many strong requests are in flight. */
    public int pendingRequests() {
        return writes.size() + reads.size();
    }

    /** The number of ticks since this replica started. */
    public long ticks() {
        return ticks;
    }
}
