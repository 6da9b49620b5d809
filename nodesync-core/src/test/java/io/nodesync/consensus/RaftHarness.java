package io.nodesync.consensus;

import io.nodesync.Election;
import io.nodesync.NodeId;
import io.nodesync.Role;
import io.nodesync.log.InMemoryLog;
import io.nodesync.log.Log;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Entry;
import io.nodesync.protocol.Message;
import io.nodesync.protocol.Message.AppendEntries;
import io.nodesync.protocol.Message.AppendEntriesResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * A deterministic, single-threaded network of {@link RaftCore}s for unit tests: no threads, no clock. Nodes are
 * numbered {@code 1..n}. Every message a core sends waits in its destination's queue until a test delivers or drops
 * it; links can be cut and nodes crashed and restarted (a restart builds a new core on the same log, as a reboot finds
 * the same disk). Each delivery, tick, proposal or read is one "turn" of a node loop: the harness then calls
 * {@link RaftCore#flush()} and syncs the log, before any message of that turn can be delivered.
 */
final class RaftHarness {

    static final int HEARTBEAT_TICKS = 2;
    static final int ELECTION_TICKS = 10;

    /** A message in flight, with what its sender had persisted when it sent it. */
    record Envelope(NodeId from, NodeId to, Message message, Log.TermAndVote senderPersisted) {
    }

    /** A {@link RaftCore.Callbacks#readReady} report. */
    record ReadReady(long ctx, long index) {
    }

    private final List<NodeId> ids = new ArrayList<>();
    private final Map<NodeId, RaftCore> cores = new LinkedHashMap<>();
    private final Map<NodeId, InMemoryLog> logs = new HashMap<>();
    private final Map<NodeId, SplittableRandom> randoms = new HashMap<>();
    private final Map<NodeId, RaftCore.Options> options = new HashMap<>();
    private final Map<NodeId, ArrayDeque<Envelope>> queues = new LinkedHashMap<>();
    private final Map<NodeId, List<ReadReady>> readsReady = new HashMap<>();
    private final Map<NodeId, List<Long>> readsAborted = new HashMap<>();
    private final List<Envelope> sentHistory = new ArrayList<>();
    private final Set<List<NodeId>> blockedLinks = new HashSet<>();
    private final Set<NodeId> crashed = new HashSet<>();
    private final Election election;
    private final int heartbeatTicks;
    private final int electionTicks;
    private long nextSeq = 1;

    private RaftHarness(Builder builder) {
        this.election = builder.election;
        this.heartbeatTicks = builder.heartbeatTicks;
        this.electionTicks = builder.electionTicks;
        for (int i = 1; i <= builder.size; i++) {
            ids.add(id(i));
        }
        for (NodeId node : ids) {
            logs.put(node, builder.logs.getOrDefault(node, new InMemoryLog()));
            randoms.put(node, new SplittableRandom(builder.seed * 1_000_003L + Long.parseLong(node.value())));
            options.put(node, builder.options.getOrDefault(node, builder.defaultOptions));
            queues.put(node, new ArrayDeque<>());
            readsReady.put(node, new ArrayList<>());
            readsAborted.put(node, new ArrayList<>());
            cores.put(node, newCore(node));
        }
    }

    static Builder builder(int size) {
        return new Builder(size);
    }

    /** {@code size} nodes with Raft's election, default options and fresh logs. */
    static RaftHarness of(int size, long seed) {
        return builder(size).seed(seed).build();
    }

    static NodeId id(int i) {
        return NodeId.of(i);
    }

    /**
     * A log holding entries with the given terms at indexes 1, 2, ..., and {@code currentTerm} saved with no vote.
     * Each entry's command is a put whose value names its index and term, so tests can tell entries apart.
     */
    static InMemoryLog logWithTerms(long currentTerm, long... entryTerms) {
        InMemoryLog log = new InMemoryLog();
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < entryTerms.length; i++) {
            long index = i + 1;
            entries.add(new Entry(index, entryTerms[i], put(id(99), index, "i" + index + "t" + entryTerms[i])));
        }
        log.append(entries);
        log.saveTermAndVote(currentTerm, null);
        log.sync();
        return log;
    }

    static ClientCommand put(NodeId origin, long seq, String value) {
        return new ClientCommand(ClientCommand.Kind.PUT, false, origin, 1, seq, "k" + seq, value, null, 0, null);
    }

    private RaftCore newCore(NodeId node) {
        List<NodeId> peers = new ArrayList<>(ids);
        peers.remove(node);
        return new RaftCore(node, peers, logs.get(node), election, heartbeatTicks, electionTicks, randoms.get(node),
                new Recorder(node), options.get(node));
    }

    private final class Recorder implements RaftCore.Callbacks {
        private final NodeId self;

        Recorder(NodeId self) {
            this.self = self;
        }

        @Override
        public void send(NodeId to, Message message) {
            Envelope envelope = new Envelope(self, to, message, logs.get(self).termAndVote());
            sentHistory.add(envelope);
            if (!crashed.contains(to) && !isBlocked(self, to)) {
                queues.get(to).add(envelope);
            }
        }

        @Override
        public void readReady(long ctx, long readIndex) {
            readsReady.get(self).add(new ReadReady(ctx, readIndex));
        }

        @Override
        public void readsAborted(List<Long> ctxs) {
            readsAborted.get(self).addAll(ctxs);
        }

        @Override
        public void snapshotInstalled(io.nodesync.log.Snapshot snapshot) {
            installedSnapshots.add(new InstalledSnapshot(self, snapshot.index(), snapshot.term()));
        }
    }

    /** A snapshot a node installed from its leader. */
    record InstalledSnapshot(NodeId node, long index, long term) {
    }

    /** Every snapshot installed so far, in order. */
    final List<InstalledSnapshot> installedSnapshots = new ArrayList<>();

    // ------------------------------------------------------------------------------------------------ turns

    private void endTurn(NodeId node) {
        cores.get(node).flush();
        logs.get(node).sync();
    }

    /** One tick on {@code node} (ignored while it is crashed). */
    void tick(NodeId node) {
        if (crashed.contains(node)) {
            return;
        }
        cores.get(node).tick();
        endTurn(node);
    }

    void tick(NodeId node, int times) {
        for (int i = 0; i < times; i++) {
            tick(node);
        }
    }

    /** One tick on every live node, in id order. */
    void tickAll() {
        for (NodeId node : ids) {
            tick(node);
        }
    }

    /** {@code ticks} rounds of: tick every node, then deliver everything. */
    void runFor(int ticks) {
        for (int i = 0; i < ticks; i++) {
            tickAll();
            deliverAll();
        }
    }

    /** Hands {@code message} to {@code to} as if {@code from} had sent it, bypassing queues and partitions. */
    void inject(NodeId from, NodeId to, Message message) {
        cores.get(to).step(from, message);
        endTurn(to);
    }

    /** Proposes {@code count} puts on {@code node} in one turn; returns the first index or -1. */
    long propose(NodeId node, int count) {
        List<ClientCommand> commands = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long seq = nextSeq++;
            commands.add(put(node, seq, "v" + seq));
        }
        long first = cores.get(node).propose(commands);
        endTurn(node);
        return first;
    }

    /** Registers a ReadIndex read on {@code node} in one turn. */
    boolean readIndex(NodeId node, long ctx) {
        boolean accepted = cores.get(node).readIndex(ctx);
        endTurn(node);
        return accepted;
    }

    // ------------------------------------------------------------------------------------------------ network

    private boolean isBlocked(NodeId from, NodeId to) {
        return blockedLinks.contains(List.of(from, to));
    }

    private void deliver(Envelope envelope) {
        if (crashed.contains(envelope.to()) || crashed.contains(envelope.from())
                || isBlocked(envelope.from(), envelope.to())) {
            return; // dropped in flight
        }
        cores.get(envelope.to()).step(envelope.from(), envelope.message());
        endTurn(envelope.to());
    }

    /**
     * One pass: delivers, in queue order, every message now queued that matches; messages those deliveries cause are
     * left queued. Returns how many were taken from the queues.
     */
    int deliverWhere(Predicate<Envelope> filter) {
        List<Envelope> taken = new ArrayList<>();
        for (ArrayDeque<Envelope> queue : queues.values()) {
            for (Iterator<Envelope> it = queue.iterator(); it.hasNext(); ) {
                Envelope envelope = it.next();
                if (filter.test(envelope)) {
                    taken.add(envelope);
                    it.remove();
                }
            }
        }
        taken.forEach(this::deliver);
        return taken.size();
    }

    /** Delivers matching messages, including those the deliveries cause, until none matches. */
    void deliverAllWhere(Predicate<Envelope> filter) {
        for (int pass = 0; deliverWhere(filter) > 0; pass++) {
            if (pass > 100_000) {
                throw new AssertionError("the network never went quiet");
            }
        }
    }

    /** Delivers everything, including what deliveries cause, until the network is quiet. */
    void deliverAll() {
        deliverAllWhere(envelope -> true);
    }

    /** Delivers what {@code from} sent {@code to} so far (one pass). */
    int deliver(NodeId from, NodeId to) {
        return deliverWhere(envelope -> envelope.from().equals(from) && envelope.to().equals(to));
    }

    /** Delivers a copy of a queued message now, leaving the original queued: the network duplicated it. */
    void duplicate(Envelope envelope) {
        deliver(envelope);
    }

    /** Removes matching queued messages; returns how many. */
    int dropWhere(Predicate<Envelope> filter) {
        int dropped = 0;
        for (ArrayDeque<Envelope> queue : queues.values()) {
            int before = queue.size();
            queue.removeIf(filter);
            dropped += before - queue.size();
        }
        return dropped;
    }

    /** Every message now queued, destination by destination. */
    List<Envelope> pending() {
        List<Envelope> all = new ArrayList<>();
        queues.values().forEach(all::addAll);
        return all;
    }

    /** Queued messages of a type from one node to another. */
    <M extends Message> List<M> pending(NodeId from, NodeId to, Class<M> type) {
        List<M> found = new ArrayList<>();
        for (Envelope envelope : queues.get(to)) {
            if (envelope.from().equals(from) && type.isInstance(envelope.message())) {
                found.add(type.cast(envelope.message()));
            }
        }
        return found;
    }

    /** Every message ever sent (including those dropped), in order. */
    List<Envelope> sentHistory() {
        return sentHistory;
    }

    /** Cuts both directions between {@code a} and {@code b}. */
    void cut(NodeId a, NodeId b) {
        blockedLinks.add(List.of(a, b));
        blockedLinks.add(List.of(b, a));
    }

    /** Cuts {@code node} off from every other node. */
    void isolate(NodeId node) {
        for (NodeId other : ids) {
            if (!other.equals(node)) {
                cut(node, other);
            }
        }
    }

    /** Restores every link. */
    void heal() {
        blockedLinks.clear();
    }

    /** Stops a node: it neither ticks nor receives, and messages to it are lost. Its log survives. */
    void crash(NodeId node) {
        crashed.add(node);
        queues.get(node).clear();
    }

    /** Restarts a node from its log, with fresh volatile state (no leader known, commit index 0). */
    void restart(NodeId node) {
        crashed.remove(node);
        logs.get(node).loseUnsynced();
        cores.put(node, newCore(node));
    }

    /** Restarts a crashed node on an empty disk: it lost its log, term and vote, and knows it (rejoining). */
    void restartAfterDiskLoss(NodeId node) {
        crashed.remove(node);
        logs.put(node, InMemoryLog.afterDiskLoss());
        cores.put(node, newCore(node));
    }

    // ------------------------------------------------------------------------------------------------ scenarios

    /**
     * Makes {@code node} leader by ticking only it until it campaigns, then delivering everything. Fails if it does not
     * win.
     */
    RaftCore elect(NodeId node) {
        RaftCore core = cores.get(node);
        for (int i = 0; core.role() == Role.FOLLOWER; i++) {
            if (i > 100 * electionTicks) {
                throw new AssertionError(node + " never campaigned");
            }
            tick(node);
        }
        deliverAll();
        if (core.role() != Role.LEADER) {
            throw new AssertionError(node + " did not win: " + core.role() + " in term " + core.term());
        }
        return core;
    }

    /** Ticks and delivers until some live node leads in a term above {@code aboveTerm}; returns it. */
    NodeId runUntilLeaderAbove(long aboveTerm, int maxTicks) {
        for (int i = 0; i < maxTicks; i++) {
            tickAll();
            deliverAll();
            for (NodeId node : ids) {
                RaftCore core = cores.get(node);
                if (!crashed.contains(node) && core.role() == Role.LEADER && core.term() > aboveTerm) {
                    return node;
                }
            }
        }
        throw new AssertionError("no leader above term " + aboveTerm + " after " + maxTicks + " ticks");
    }

    // ------------------------------------------------------------------------------------------------ queries

    List<NodeId> ids() {
        return ids;
    }

    RaftCore core(NodeId node) {
        return cores.get(node);
    }

    InMemoryLog log(NodeId node) {
        return logs.get(node);
    }

    boolean isCrashed(NodeId node) {
        return crashed.contains(node);
    }

    /** The entries of {@code node}'s log, index 1 first. */
    List<Entry> entries(NodeId node) {
        InMemoryLog log = logs.get(node);
        return log.lastIndex() < log.firstIndex() ? List.of()
                : log.entries(log.firstIndex(), Integer.MAX_VALUE, Long.MAX_VALUE);
    }

    /** The live nodes that believe they lead. */
    List<NodeId> leaders() {
        List<NodeId> leaders = new ArrayList<>();
        for (NodeId node : ids) {
            if (!crashed.contains(node) && cores.get(node).role() == Role.LEADER) {
                leaders.add(node);
            }
        }
        return leaders;
    }

    List<ReadReady> readsReady(NodeId node) {
        return readsReady.get(node);
    }

    List<Long> readsAborted(NodeId node) {
        return readsAborted.get(node);
    }

    // ------------------------------------------------------------------------------------------------ builder

    static final class Builder {
        private final int size;
        private long seed = 1;
        private Election election = Election.raft();
        private int heartbeatTicks = HEARTBEAT_TICKS;
        private int electionTicks = ELECTION_TICKS;
        private RaftCore.Options defaultOptions = RaftCore.Options.DEFAULT;
        private final Map<NodeId, RaftCore.Options> options = new HashMap<>();
        private final Map<NodeId, InMemoryLog> logs = new HashMap<>();

        private Builder(int size) {
            this.size = size;
        }

        Builder seed(long value) {
            seed = value;
            return this;
        }

        Builder election(Election value) {
            election = value;
            return this;
        }

        Builder options(RaftCore.Options value) {
            defaultOptions = value;
            return this;
        }

        Builder options(NodeId node, RaftCore.Options value) {
            options.put(node, value);
            return this;
        }

        /** Starts {@code node} from an existing log (see {@link RaftHarness#logWithTerms}). */
        Builder log(NodeId node, InMemoryLog value) {
            logs.put(node, value);
            return this;
        }

        RaftHarness build() {
            return new RaftHarness(this);
        }
    }

    /** Delivers {@code append} from {@code from} to {@code to} and returns the one answer it caused. */
    AppendEntriesResponse answerTo(NodeId from, NodeId to, AppendEntries append) {
        inject(from, to, append);
        List<AppendEntriesResponse> answers = pending(to, from, AppendEntriesResponse.class);
        if (answers.size() != 1) {
            throw new AssertionError("expected one answer from " + to + ", got " + answers);
        }
        return answers.get(0);
    }
}
