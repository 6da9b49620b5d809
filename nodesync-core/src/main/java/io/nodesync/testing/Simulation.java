package io.nodesync.testing;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Limits;
import io.nodesync.NodeClosedException;
import io.nodesync.NodeId;
import io.nodesync.NodeSyncException;
import io.nodesync.QuorumNotReachedException;
import io.nodesync.Role;
import io.nodesync.consensus.ClientRequest;
import io.nodesync.consensus.ClientRequest.Op;
import io.nodesync.consensus.RaftCore;
import io.nodesync.consensus.Replica;
import io.nodesync.consensus.ReplicaConfig;
import io.nodesync.log.InMemoryLog;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Entry;
import io.nodesync.protocol.Message;
import io.nodesync.runtime.ReplicaDriver;
import io.nodesync.store.Versioned;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A deterministic simulation of a NodeSync cluster: N nodes' real {@link Replica}s (the whole pure node logic), each
 * driven by the node loop's own {@link ReplicaDriver} (inputs and due ticks, then sync the log, then send, then
 * complete), on one thread, in virtual time, with a seeded network, seeded faults and a seeded client workload.
 *
 * <h2>Determinism</h2>
 * One {@code long} seed decides every delay, loss, duplicate, partition, crash, pause, clock skew and client
 * request. Events are ordered by virtual time and then by the order they were scheduled, so the same seed and
 * config replay event for event; {@link SimulationResult#traceHash()} proves it.
 *
 * <h2>What is checked while it runs</h2>
 * At most one leader per term; a node's commit index never goes backwards within one start; every committed entry
 * is the same on every node that commits it, forever (so nodes apply the same command at each index and no
 * committed entry is lost or changed, also across restarts). At the end, with every fault healed and a quiet
 * period passed: all logs match on their common committed prefix, every node holds the same map and mode, and no
 * node has eventual writes still pending. The strong-mode history is returned for the linearizability checker, and
 * acknowledged eventual writes are checked: each must be the final value of its key or superseded by a later stamp.
 *
 * <p>Strong operations use keys {@code s0..s4} and eventual ones {@code e0..e4}, so that the strong history only
 * holds linearizable operations. Not thread-safe: a run is single-threaded; run seeds in parallel with separate
 * instances.
 */
public final class Simulation {

    private static final int STRONG_KEYS = 5;
    private static final int EVENTUAL_KEYS = 5;
    private static final long MILLI = 1_000_000L;
    /** Far above a healthy run (about 100,000 events), so only a storm reaches it. */
    private static final long MAX_EVENTS = 3_000_000;
    private static final Consumer<Replica> NO_INPUT = replica -> { };

    private final SimulationConfig config;
    private final long tickNanos;
    private final SplittableRandom networkRandom;
    private final SplittableRandom faultRandom;
    private final SplittableRandom workloadRandom;
    private final SplittableRandom nodeRandom;
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private long now;
    private long sequence;
    private long processed;
    private long traceHash = 1125899906842597L;
    private final List<String> trace = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private final Set<String> faultsFired = new LinkedHashSet<>();

    private final List<NodeId> ids = new ArrayList<>();
    private final Map<NodeId, SimNode> nodes = new LinkedHashMap<>();
    private final Set<Long> blockedLinks = new HashSet<>();
    private double lossRate;
    private long leadersDieMidBroadcastUntil;
    private double duplicateRate;
    private long maxExtraDelayNanos;

    private final Map<Long, NodeId> leaderOfTerm = new HashMap<>();
    private final ArrayList<Entry> committed = new ArrayList<>();
    private long leaderChanges;

    private final History history;
    private final List<Long> strongLatencies = new ArrayList<>();
    private long ok;
    private long failed;
    private long unknown;
    private long staleReads;
    private final Map<String, String> lastAcknowledged = new HashMap<>();
    private final List<AcknowledgedWrite> acknowledgedWrites = new ArrayList<>();
    private boolean workloadOver;

    /** A message that reached a paused node: it waits in the node's inbox. */
    private record Held(NodeId from, Message message) {
    }

    private record AcknowledgedWrite(String key, String value, NodeId node, int incarnation) {
    }

    /** An event in virtual time; ties keep scheduling order. */
    private static final class Event implements Comparable<Event> {
        final long time;
        final long order;
        final Runnable action;

        Event(long time, long order, Runnable action) {
            this.time = time;
            this.order = order;
            this.action = action;
        }

        @Override
        public int compareTo(Event other) {
            int byTime = Long.compare(time, other.time);
            return byTime != 0 ? byTime : Long.compare(order, other.order);
        }
    }

    /** A client call in flight on a node. */
    private record Call(int client, Op op, String key, String value, boolean strong, long historyHandle,
            long invokedAt) {
    }

    /** One node of the simulated cluster, across its crashes and restarts. */
    private final class SimNode implements ReplicaDriver.Output {
        final NodeId id;
        InMemoryLog log = new InMemoryLog();
        final long clockSkewMillis;
        /** Writes acknowledged by incarnations before this one went with a lost disk (0: the disk was never lost). */
        int diskLostBefore;
        ReplicaDriver driver;
        Replica replica;
        int incarnation;
        boolean up;
        boolean paused;
        long checkedCommit;
        final ArrayList<Held> heldWhilePaused = new ArrayList<>();
        final Map<Long, Call> calls = new HashMap<>();
        long nextRequestId;
        /** A broadcast began this turn that the node does not live to finish: it crashes once the turn is over. */
        boolean dying;

        SimNode(NodeId id, long clockSkewMillis, boolean freshDirectory) {
            this.id = id;
            this.clockSkewMillis = clockSkewMillis;
            if (freshDirectory) {
                log = InMemoryLog.afterDiskLoss(); // as a FileLog on an empty directory starts
            }
            log.onCompaction(entries -> checkCompacted(this, entries));
        }

        /** The node's disk is gone: it restarts with nothing, and must catch up before it votes again. */
        void loseDisk() {
            log = InMemoryLog.afterDiskLoss();
            log.onCompaction(entries -> checkCompacted(this, entries));
            diskLostBefore = incarnation + 1;
        }

        void start() {
            incarnation++;
            up = true;
            paused = false;
            checkedCommit = 0;
            List<NodeId> peers = ids.stream().filter(other -> !other.equals(id)).toList();
            RaftCore.Options base = config.preVote() ? RaftCore.Options.DEFAULT : new RaftCore.Options(false,
                    RaftCore.Options.DEFAULT.checkQuorum(), RaftCore.Options.DEFAULT.maxEntriesPerMessage(),
                    RaftCore.Options.DEFAULT.maxBytesPerMessage(), RaftCore.Options.DEFAULT.maxInflightMessages());
            RaftCore.Options options = (config.plantedBug() == null ? base : base.withBug(config.plantedBug()))
                    .withSnapshotThreshold(config.snapshotThresholdBytes());
            ReplicaConfig replicaConfig = new ReplicaConfig(id, peers, config.election(), config.timing(),
                    Limits.DEFAULT, ConsistencyPolicy.STRONG, options);
            SplittableRandom random = nodeRandom.split();
            long session = random.nextLong();
            long firstTick = now + 1 + random.nextLong(tickNanos); // nodes tick out of phase, as real machines do
            driver = new ReplicaDriver(replicaConfig, log, random, session, tickNanos, firstTick, this);
            replica = driver.replica();
            scheduleTick();
        }

        void scheduleTick() {
            int myIncarnation = incarnation;
            schedule(driver.nextTickAt(), () -> {
                if (!up || incarnation != myIncarnation || paused) {
                    return; // a paused node's clock stops; resume() catches up
                }
                turn(this, NO_INPUT); // the driver runs the ticks that are due
                scheduleTick();
            });
        }

        long physicalMillis() {
            return now / MILLI + clockSkewMillis;
        }

        @Override
        public void send(NodeId to, Message message) {
            if (now < leadersDieMidBroadcastUntil && message instanceof Message.AppendEntries append
                    && append.entries().stream().anyMatch(entry -> entry.term() == append.term())) {
                dying = true;
            }
            if (dying && faultRandom.nextBoolean()) {
                record("drop", () -> id + "->" + to + " " + message + " (the sender dies before it goes out)",
                        message.getClass().getSimpleName().hashCode());
                return;
            }
            transmit(id, to, message);
        }

        @Override
        public void completed(long requestId, Object result) {
            Call call = calls.remove(requestId);
            if (call != null) {
                onCompleted(this, call, result, null);
            }
        }

        @Override
        public void failed(long requestId, NodeSyncException error) {
            Call call = calls.remove(requestId);
            if (call != null) {
                onCompleted(this, call, null, error);
            }
        }

        @Override
        public void peerChanged(NodeId peer, boolean upNow) {
            record("peer", () -> id + (upNow ? " sees " + peer + " UP" : " sees " + peer + " DOWN"), peer.hashCode());
        }

        @Override
        public void leaderChanged(NodeId leader, long term) {
            if (leader != null) {
                leaderChanges++;
            }
            record("leader", () -> id + " learns leader " + leader + " term " + term, term);
        }
    }

    /** Prepares a run; {@link #run()} executes it. */
    public Simulation(SimulationConfig config) {
        this.config = config;
        this.tickNanos = config.timing().tick().toNanos();
        SplittableRandom root = new SplittableRandom(config.seed());
        this.networkRandom = root.split();
        this.faultRandom = root.split();
        this.workloadRandom = root.split();
        this.nodeRandom = root.split();
        this.history = new History(() -> now);
        for (int i = 0; i < config.nodes(); i++) {
            ids.add(NodeId.of(5000 + i));
        }
        boolean skew = config.faults().chance() > 0 && faultRandom.nextDouble() < 0.5;
        // One run in four starts as a new cluster on empty data directories does: every node first asks the
        // others whether it lost a disk.
        boolean freshDirectories = Math.floorMod(config.seed(), 4) == 3;
        if (freshDirectories) {
            faultsFired.add("fresh-directories");
        }
        for (NodeId id : ids) {
            nodes.put(id, new SimNode(id, skew ? faultRandom.nextLong(-200, 201) : 0, freshDirectories));
        }
    }

    /** Runs one simulation with {@code config} and returns what it saw. */
    public static SimulationResult run(SimulationConfig config) {
        return new Simulation(config).run();
    }

    /** Runs the simulation to its end. */
    public SimulationResult run() {
        nodes.values().forEach(SimNode::start);
        long workloadEnd = config.workload().toNanos();
        long faultEnd = workloadEnd * 8 / 10;
        planFaults(faultEnd);
        for (int client = 0; client < config.clients(); client++) {
            int c = client;
            schedule(workloadRandom.nextLong(100 * MILLI, 400 * MILLI), () -> issue(c));
        }
        schedule(faultEnd, this::healEverything);
        schedule(workloadEnd, () -> workloadOver = true);
        long end = workloadEnd + config.settle().toNanos();
        // A run stops at its first violation: a broken cluster can thrash without end, and the first sign is the
        // one worth reading.
        while (!events.isEmpty() && events.peek().time <= end && violations.isEmpty()) {
            Event event = events.poll();
            now = event.time;
            if (++processed > MAX_EVENTS) {
                violation("more than " + MAX_EVENTS + " events: the cluster is livelocked or storming");
                break;
            }
            try {
                event.action.run();
            } catch (RuntimeException e) {
                violation("a node broke an invariant and threw: " + e);
            }
        }
        if (violations.isEmpty()) {
            now = end;
            checkFinalState();
        }
        long[] latencies = strongLatencies.stream().mapToLong(Long::longValue).toArray();
        long lost = violations.isEmpty() ? countLostAcknowledgedWrites() : 0;
        return new SimulationResult(config.seed(), traceHash, processed, violations, faultsFired, ok, failed,
                unknown, leaderChanges, latencies, staleReads, lost, history.operations(), trace);
    }

    // ------------------------------------------------------------------------------------------------ plumbing

    private void schedule(long time, Runnable action) {
        events.add(new Event(time, sequence++, action));
    }

    /** Adds an event to the trace hash, and its line to the trace when one is kept (built only then). */
    private void record(String kind, Supplier<String> line, long detail) {
        traceHash = 31 * traceHash + now;
        traceHash = 31 * traceHash + kind.hashCode();
        traceHash = 31 * traceHash + detail;
        if (config.trace()) {
            trace.add(String.format("%9.3fs %-8s %s", now / 1e9, kind, line.get()));
        }
    }

    /** One turn of a node, run by the node loop's own driver at virtual time, then the checks. */
    private void turn(SimNode node, Consumer<Replica> input) {
        node.driver.turn(now, node.physicalMillis(), input);
        checkNode(node);
        if (node.dying) {
            crash(node, "crash " + node.id + " in the middle of a broadcast");
            schedule(now + faultRandom.nextLong(20 * MILLI, 400 * MILLI), () -> restart(node));
        }
    }

    private void transmit(NodeId from, NodeId to, Message message) {
        long link = link(from, to);
        if (blockedLinks.contains(link) || (lossRate > 0 && networkRandom.nextDouble() < lossRate)) {
            record("drop", () -> from + "->" + to + " " + message, message.getClass().getSimpleName().hashCode());
            return;
        }
        int copies = duplicateRate > 0 && networkRandom.nextDouble() < duplicateRate ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            long delay = 200_000 + networkRandom.nextLong(800_000)
                    + (maxExtraDelayNanos > 0 ? networkRandom.nextLong(maxExtraDelayNanos) : 0);
            schedule(now + delay, () -> deliver(from, to, message));
        }
    }

    private void deliver(NodeId from, NodeId to, Message message) {
        SimNode target = nodes.get(to);
        if (blockedLinks.contains(link(from, to)) || !target.up) {
            record("lost", () -> from + "->" + to + " " + message, message.getClass().getSimpleName().hashCode());
            return;
        }
        if (target.paused) {
            target.heldWhilePaused.add(new Held(from, message));
            return;
        }
        record("deliver", () -> from + "->" + to + " " + message,
                31L * message.getClass().getSimpleName().hashCode() + message.term());
        if (message instanceof Message.InstallSnapshot) {
            faultsFired.add("snapshot-transfer"); // not a fault, but a path each run should be seen to take often
        }
        turn(target, replica -> replica.receive(from, message));
    }

    private long link(NodeId from, NodeId to) {
        return ((long) ids.indexOf(from) << 32) | ids.indexOf(to);
    }

    // ------------------------------------------------------------------------------------------------ checks

    private void checkNode(SimNode node) {
        Replica replica = node.replica;
        if (replica.raft().role() == Role.LEADER) {
            NodeId previous = leaderOfTerm.putIfAbsent(replica.raft().term(), node.id);
            if (previous != null && !previous.equals(node.id)) {
                violation("two leaders in term " + replica.raft().term() + ": " + previous + " and " + node.id);
            }
        }
        long commit = replica.raft().commitIndex();
        if (commit < node.checkedCommit) {
            violation("commit index of " + node.id + " went back from " + node.checkedCommit + " to " + commit);
        }
        long firstHeld = node.log.firstIndex();
        if (node.checkedCommit + 1 < firstHeld && firstHeld - 1 > committed.size()) {
            // A snapshot installed from the leader covers entries that no node was ever seen to commit.
            violation("snapshot of " + node.id + " covers " + (firstHeld - 1) + " entries, but only "
                    + committed.size() + " were seen committed");
        }
        for (long i = Math.max(node.checkedCommit + 1, firstHeld); i <= commit; i++) {
            checkCommitted(node, node.log.entry(i));
        }
        node.checkedCommit = Math.max(node.checkedCommit, commit);
    }

    /** Checks a committed entry of {@code node} against what every node committed at its index before. */
    private void checkCommitted(SimNode node, Entry entry) {
        long i = entry.index();
        if (i <= committed.size()) {
            Entry known = committed.get((int) i - 1);
            if (!known.equals(entry)) {
                violation("committed entry " + i + " differs on " + node.id + ": " + entry + " vs " + known);
            }
        } else if (i == committed.size() + 1) {
            committed.add(entry);
        } else {
            violation("committed entry " + i + " of " + node.id + " follows a gap after " + committed.size());
        }
    }

    /** Entries a node's snapshot is about to discard: applied, hence committed, and checked before they go. */
    private void checkCompacted(SimNode node, List<Entry> entries) {
        faultsFired.add("compaction");
        for (Entry entry : entries) {
            if (entry.index() > node.checkedCommit) {
                checkCommitted(node, entry);
            }
        }
        if (!entries.isEmpty()) {
            node.checkedCommit = Math.max(node.checkedCommit, entries.get(entries.size() - 1).index());
        }
    }

    private void violation(String what) {
        if (violations.size() < 100) {
            violations.add(String.format("t=%.3fs %s", now / 1e9, what));
        }
        record("VIOLATE", () -> what, what.hashCode());
    }

    private void checkFinalState() {
        SimNode reference = null;
        for (SimNode node : nodes.values()) {
            if (!node.up) {
                violation("node " + node.id + " is still down after the settle period");
                continue;
            }
            if (node.replica.raft().rejoining()) {
                violation("node " + node.id + " still has not caught up after losing its disk");
            }
            if (node.replica.status().pendingEventualWrites() != 0) {
                violation("node " + node.id + " still has " + node.replica.status().pendingEventualWrites()
                        + " eventual writes pending after the settle period");
            }
            if (reference == null) {
                reference = node;
                continue;
            }
            Map<String, String> mine = node.replica.stateMachine().snapshot();
            Map<String, String> theirs = reference.replica.stateMachine().snapshot();
            if (!mine.equals(theirs)) {
                violation("maps did not converge: " + node.id + "=" + mine + " vs " + reference.id + "=" + theirs);
            }
            if (node.replica.currentMode() != reference.replica.currentMode()) {
                violation("modes did not converge: " + node.id + "=" + node.replica.currentMode() + " vs "
                        + reference.id + "=" + reference.replica.currentMode());
            }
        }
        for (SimNode node : nodes.values()) {
            long limit = Math.min(node.log.lastIndex(), committed.size());
            for (long i = node.log.firstIndex(); i <= limit; i++) {
                if (i <= node.replica.raft().commitIndex() && !node.log.entry(i).equals(committed.get((int) i - 1))) {
                    violation("log of " + node.id + " differs from the committed log at " + i);
                    break;
                }
            }
        }
    }

    private long countLostAcknowledgedWrites() {
        SimNode anyUp = nodes.values().stream().filter(node -> node.up).findFirst().orElse(null);
        if (anyUp == null) {
            return 0;
        }
        // Last-writer-wins order is (timestamp, stamper): a write superseded by an equal timestamp from a
        // higher-ordered stamper is superseded too.
        Map<String, ClientCommand> commandOfWrite = new HashMap<>();
        Map<String, ClientCommand> newestOfKey = new HashMap<>();
        for (Entry entry : committed) {
            if (entry.command() instanceof ClientCommand command && command.key() != null) {
                commandOfWrite.putIfAbsent(command.key() + "=" + command.value(), command);
                newestOfKey.merge(command.key(), command, (a, b) -> b.newerThan(a.timestamp(), a.stamper()) ? b : a);
            }
        }
        long lost = 0;
        for (AcknowledgedWrite write : acknowledgedWrites) {
            ClientCommand logged = commandOfWrite.get(write.key() + "=" + write.value());
            if (logged == null && write.incarnation() < nodes.get(write.node()).diskLostBefore) {
                continue; // accepted by a node whose disk was lost before the write reached the leader: allowed
            }
            Versioned last = anyUp.replica.stateMachine().version(write.key());
            String finalValue = last == null ? null : last.value(); // a collected tombstone reads as absent
            boolean isFinal = Objects.equals(finalValue, write.value());
            ClientCommand newest = newestOfKey.get(write.key());
            boolean superseded = logged != null && newest != null
                    && newest.newerThan(logged.timestamp(), logged.stamper());
            if (!isFinal && !superseded) {
                lost++;
                violation("acknowledged eventual write " + write + " was dropped (final: " + last + ")");
            }
        }
        return lost;
    }

    // ------------------------------------------------------------------------------------------------ workload

    private void issue(int client) {
        if (workloadOver) {
            return;
        }
        List<SimNode> upNodes = nodes.values().stream().filter(node -> node.up && !node.paused).toList();
        if (upNodes.isEmpty()) {
            schedule(now + 50 * MILLI, () -> issue(client));
            return;
        }
        SimNode node = upNodes.get(workloadRandom.nextInt(upNodes.size()));
        int dice = workloadRandom.nextInt(100);
        long requestId = ++node.nextRequestId;
        Call call;
        ClientRequest request;
        String value = "c" + client + "-" + processed;
        if (config.faults().modeSwitches() && dice < 2) {
            String mode = workloadRandom.nextBoolean() ? "eventual" : "strong";
            faultsFired.add("mode-switch");
            call = new Call(client, Op.SET_MODE, null, mode, false, -1, now);
            request = new ClientRequest(requestId, Op.SET_MODE, null, mode, null, null);
        } else if (workloadRandom.nextDouble() < config.strongShare()) {
            String key = "s" + workloadRandom.nextInt(STRONG_KEYS);
            int kind = workloadRandom.nextInt(10);
            if (kind < 4) {
                long handle = history.invoke(client, key, Operation.Kind.WRITE, value, null);
                call = new Call(client, Op.PUT, key, value, true, handle, now);
                request = new ClientRequest(requestId, Op.PUT, key, value, null, ConsistencyPolicy.STRONG);
            } else if (kind < 8) {
                long handle = history.invoke(client, key, Operation.Kind.READ, null, null);
                call = new Call(client, Op.GET, key, null, true, handle, now);
                request = new ClientRequest(requestId, Op.GET, key, null, null, ConsistencyPolicy.STRONG);
            } else {
                String expected = workloadRandom.nextInt(4) == 0 ? null
                        : lastAcknowledged.getOrDefault(key, null);
                long handle = history.invoke(client, key, Operation.Kind.CAS, value, expected);
                call = new Call(client, Op.CAS, key, value, true, handle, now);
                request = new ClientRequest(requestId, Op.CAS, key, value, expected, null);
            }
        } else {
            String key = "e" + workloadRandom.nextInt(EVENTUAL_KEYS);
            int kind = workloadRandom.nextInt(10);
            if (kind < 6) {
                call = new Call(client, Op.PUT, key, value, false, -1, now);
                request = new ClientRequest(requestId, Op.PUT, key, value, null, ConsistencyPolicy.EVENTUAL);
            } else if (kind < 9) {
                call = new Call(client, Op.GET, key, null, false, -1, now);
                request = new ClientRequest(requestId, Op.GET, key, null, null, ConsistencyPolicy.EVENTUAL);
            } else {
                call = new Call(client, Op.DELETE, key, null, false, -1, now);
                request = new ClientRequest(requestId, Op.DELETE, key, null, null, ConsistencyPolicy.EVENTUAL);
            }
        }
        node.calls.put(requestId, call);
        record("client", () -> "client " + client + " -> " + node.id + " " + request, requestId);
        turn(node, replica -> replica.submit(request));
    }

    private void onCompleted(SimNode node, Call call, Object result, NodeSyncException error) {
        record("reply", () -> node.id + " -> client " + call.client() + " " + call.op() + " " + call.key() + " "
                + (error == null ? result : error.getClass().getSimpleName()), call.client());
        if (error == null) {
            ok++;
            if (call.strong()) {
                strongLatencies.add(now - call.invokedAt());
                switch (call.op()) {
                    case GET -> history.okRead(call.historyHandle(), (String) result);
                    case CAS -> history.okCas(call.historyHandle(), (Boolean) result);
                    default -> history.ok(call.historyHandle());
                }
                if (call.op() == Op.PUT || (call.op() == Op.CAS && Boolean.TRUE.equals(result))) {
                    lastAcknowledged.put(call.key(), call.value());
                }
            } else if (call.op() == Op.PUT || call.op() == Op.DELETE) {
                acknowledgedWrites.add(new AcknowledgedWrite(call.key(), call.value(), node.id, node.incarnation));
                lastAcknowledged.put(call.key(), call.value());
            } else if (call.op() == Op.GET && !Objects.equals(result, lastAcknowledged.get(call.key()))) {
                staleReads++;
            }
        } else {
            boolean unknownOutcome = error instanceof QuorumNotReachedException quorum
                    ? quorum.outcomeUnknown() : error instanceof NodeClosedException && call.op() != Op.GET;
            if (unknownOutcome) {
                unknown++;
            } else {
                failed++;
            }
            if (call.strong()) {
                if (unknownOutcome) {
                    history.unknown(call.historyHandle());
                } else {
                    history.fail(call.historyHandle());
                }
            }
        }
        int client = call.client();
        schedule(now + workloadRandom.nextLong(20 * MILLI), () -> issue(client));
    }

    // ------------------------------------------------------------------------------------------------ faults

    private void planFaults(long faultEnd) {
        SimulationConfig.Faults faults = config.faults();
        long start = 1_000 * MILLI;
        if (faultEnd <= start) {
            return;
        }
        if (faults.partitions() && faultRandom.nextDouble() < faults.chance()) {
            repeat(start, faultEnd, this::partition);
        }
        if (faults.crashes() && faultRandom.nextDouble() < faults.chance()) {
            repeat(start, faultEnd, this::crash);
        }
        if (faults.pauses() && faultRandom.nextDouble() < faults.chance()) {
            repeat(start, faultEnd, this::pause);
        }
        if (faults.messageLoss() && faultRandom.nextDouble() < faults.chance()) {
            repeat(start, faultEnd, end -> window("loss", end, () -> lossRate = 0.05 + 0.25 * faultRandom.nextDouble(),
                    () -> lossRate = 0));
        }
        if (faults.duplication() && faultRandom.nextDouble() < faults.chance()) {
            repeat(start, faultEnd, end -> window("duplication", end,
                    () -> duplicateRate = 0.05 + 0.25 * faultRandom.nextDouble(), () -> duplicateRate = 0));
        }
        if (faults.reordering() && faultRandom.nextDouble() < faults.chance()) {
            repeat(start, faultEnd, end -> window("reordering", end,
                    () -> maxExtraDelayNanos = (5 + faultRandom.nextLong(50)) * MILLI, () -> maxExtraDelayNanos = 0));
        }
    }

    /** Schedules a fault one to three times at random moments; it gets the time by which it must be over. */
    private void repeat(long start, long end, Consumer<Long> fault) {
        int times = 1 + faultRandom.nextInt(3);
        for (int i = 0; i < times; i++) {
            long at = faultRandom.nextLong(start, end);
            schedule(at, () -> fault.accept(end));
        }
    }

    private long until(long end) {
        return Math.min(end, now + faultRandom.nextLong(300 * MILLI, 3_000 * MILLI));
    }

    private void window(String kind, long end, Runnable begin, Runnable finish) {
        faultsFired.add(kind);
        begin.run();
        record("fault", () -> kind + " begins", kind.hashCode());
        schedule(until(end), () -> {
            finish.run();
            record("fault", () -> kind + " ends", kind.hashCode());
        });
    }

    private void partition(long end) {
        faultsFired.add("partition");
        List<NodeId> shuffled = new ArrayList<>(ids);
        for (int i = shuffled.size() - 1; i > 0; i--) {
            int j = faultRandom.nextInt(i + 1);
            NodeId swap = shuffled.get(i);
            shuffled.set(i, shuffled.get(j));
            shuffled.set(j, swap);
        }
        int shape = faultRandom.nextInt(5);
        if (shape == 4) {
            flapLeader(end, 3 + faultRandom.nextInt(6));
            return;
        }
        String description;
        if (shape == 0 || ids.size() < 3) {
            // Majority / minority split.
            int minority = 1 + faultRandom.nextInt(Math.max(1, (ids.size() - 1) / 2));
            Set<NodeId> small = new HashSet<>(shuffled.subList(0, minority));
            for (NodeId a : ids) {
                for (NodeId b : ids) {
                    if (small.contains(a) != small.contains(b)) {
                        blockedLinks.add(link(a, b));
                    }
                }
            }
            description = "split " + small + " from the rest";
        } else if (shape == 1) {
            NodeId leader = currentLeader();
            NodeId victim = leader != null ? leader : shuffled.get(0);
            for (NodeId other : ids) {
                if (!other.equals(victim)) {
                    blockedLinks.add(link(victim, other));
                    blockedLinks.add(link(other, victim));
                }
            }
            description = "isolate " + victim + (victim.equals(leader) ? " (the leader)" : "");
        } else if (shape == 2) {
            blockedLinks.add(link(shuffled.get(0), shuffled.get(1)));
            description = "one-way: " + shuffled.get(0) + " cannot reach " + shuffled.get(1);
        } else {
            blockedLinks.add(link(shuffled.get(0), shuffled.get(1)));
            blockedLinks.add(link(shuffled.get(1), shuffled.get(0)));
            description = "partial: " + shuffled.get(0) + " and " + shuffled.get(1) + " cannot talk, both reach the rest";
        }
        record("fault", () -> "partition " + description, shape);
        schedule(until(end), () -> {
            blockedLinks.clear();
            record("fault", () -> "partition healed", 0);
        });
    }

    /**
     * Leader flapping: the leader of the moment is cut off for a moment, again and again, so that leaders change
     * while their newest entries have reached only some nodes (the situation of the paper's figure 8).
     */
    private void flapLeader(long end, int times) {
        if (times == 0 || now >= end) {
            return;
        }
        NodeId leader = currentLeader();
        if (leader != null) {
            for (NodeId other : ids) {
                if (!other.equals(leader)) {
                    blockedLinks.add(link(leader, other));
                    blockedLinks.add(link(other, leader));
                }
            }
            record("fault", () -> "flap: isolate leader " + leader, times);
        }
        long heal = Math.min(end, now + faultRandom.nextLong(50 * MILLI, 600 * MILLI));
        schedule(heal, () -> {
            blockedLinks.clear();
            record("fault", () -> "flap: healed", times);
            schedule(Math.min(end, now + faultRandom.nextLong(20 * MILLI, 400 * MILLI)),
                    () -> flapLeader(end, times - 1));
        });
    }

    private int diskLosses;

    private void crash(long end) {
        if (faultRandom.nextBoolean()) {
            crashLeadersMidBroadcast(end);
            return;
        }
        NodeId leader = currentLeader();
        List<SimNode> up = nodes.values().stream().filter(node -> node.up).toList();
        if (up.isEmpty()) {
            return;
        }
        SimNode victim = leader != null && faultRandom.nextBoolean() ? nodes.get(leader)
                : up.get(faultRandom.nextInt(up.size()));
        if (!victim.up) {
            return;
        }
        // Now and then the disk goes too: at most twice a run, and never while another node is still down or
        // catching up after losing its own, so that a majority always keeps its data.
        boolean diskLost = diskLosses < 2 && faultRandom.nextInt(3) == 0 && nodes.values().stream()
                .allMatch(node -> node == victim || (node.up && !node.replica.raft().rejoining()));
        crash(victim, "crash " + victim.id + (diskLost ? ", losing its disk" : ""));
        if (diskLost) {
            diskLosses++;
            faultsFired.add("disk-loss");
            victim.loseDisk();
        }
        schedule(until(end), () -> restart(victim));
    }

    /**
     * Leaders dying mid-broadcast: for a while, every leader crashes while it sends the first entries of its own term,
     * which reach only some followers, and comes back soon after. Logs then differ in their uncommitted tails across
     * terms, the situation of the paper's figure 8, where committing an old entry by counting replicas is unsafe.
     */
    private void crashLeadersMidBroadcast(long end) {
        faultsFired.add("crash");
        faultsFired.add("crash-mid-send");
        long until = Math.min(end, now + faultRandom.nextLong(1_000 * MILLI, 5_000 * MILLI)); // several elections
        leadersDieMidBroadcastUntil = until;
        record("fault", () -> "leaders die mid-broadcast until " + String.format("%.3fs", until / 1e9), until);
    }

    private void crash(SimNode victim, String description) {
        faultsFired.add("crash");
        victim.up = false;
        victim.paused = false;
        victim.dying = false;
        victim.heldWhilePaused.clear();
        victim.log.loseUnsynced();
        record("fault", () -> description, victim.incarnation);
        List<Call> orphaned = new ArrayList<>(victim.calls.values());
        victim.calls.clear();
        for (Call call : orphaned) {
            onCompleted(victim, call, null, new NodeClosedException("node " + victim.id + " crashed"));
        }
    }

    private void restart(SimNode node) {
        if (!node.up) {
            node.start();
            record("fault", () -> "restart " + node.id, node.incarnation);
        }
    }

    private void pause(long end) {
        List<SimNode> candidates = nodes.values().stream().filter(node -> node.up && !node.paused).toList();
        if (candidates.isEmpty()) {
            return;
        }
        NodeId leader = currentLeader();
        SimNode victim = leader != null && faultRandom.nextBoolean() && nodes.get(leader).up
                && !nodes.get(leader).paused ? nodes.get(leader) : candidates.get(faultRandom.nextInt(candidates.size()));
        faultsFired.add("pause");
        victim.paused = true;
        int incarnation = victim.incarnation;
        record("fault", () -> "pause " + victim.id, 0);
        schedule(until(end), () -> resume(victim, incarnation));
    }

    private void resume(SimNode node, int incarnation) {
        if (!node.up || node.incarnation != incarnation || !node.paused) {
            return;
        }
        node.paused = false;
        record("fault", () -> "resume " + node.id, 0);
        // Like a process after SIGCONT: its loop drains the inbox into one turn, then runs the ticks the pause held
        // back. A partition that began meanwhile still cuts what was in flight.
        List<Held> held = new ArrayList<>();
        for (Held message : node.heldWhilePaused) {
            if (blockedLinks.contains(link(message.from(), node.id))) {
                record("lost", () -> message.from() + "->" + node.id + " " + message.message(),
                        message.message().getClass().getSimpleName().hashCode());
            } else {
                record("deliver", () -> message.from() + "->" + node.id + " " + message.message(),
                        31L * message.message().getClass().getSimpleName().hashCode() + message.message().term());
                held.add(message);
            }
        }
        node.heldWhilePaused.clear();
        turn(node, replica -> held.forEach(message -> replica.receive(message.from(), message.message())));
        node.scheduleTick();
    }

    private NodeId currentLeader() {
        for (SimNode node : nodes.values()) {
            if (node.up && node.replica.raft().role() == Role.LEADER) {
                return node.id;
            }
        }
        return null;
    }

    private void healEverything() {
        blockedLinks.clear();
        lossRate = 0;
        duplicateRate = 0;
        maxExtraDelayNanos = 0;
        leadersDieMidBroadcastUntil = 0;
        for (SimNode node : nodes.values()) {
            if (node.paused) {
                resume(node, node.incarnation);
            }
            restart(node);
        }
        record("heal", () -> "all faults healed", 0);
    }
}
