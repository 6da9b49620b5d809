package io.nodesync.consensus;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Election;
import io.nodesync.Limits;
import io.nodesync.NodeId;
import io.nodesync.NodeSyncException;
import io.nodesync.Role;
import io.nodesync.Timing;
import io.nodesync.log.InMemoryLog;
import io.nodesync.protocol.Message;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BiPredicate;

/**
 * Drives several {@link Replica}s on the test thread, as a node loop would but without threads or time: messages
 * queue until delivered, ticks happen when the test says. Deterministic for a given seed.
 */
final class ReplicaHarness {

    static final Timing TIMING = new Timing(Duration.ofMillis(10), 2, 10, 10, 200);

    record Envelope(NodeId from, NodeId to, Message message) {
    }

    /** What a replica reported for one request. */
    record Outcome(Object result, NodeSyncException error) {
    }

    final List<NodeId> ids = new ArrayList<>();
    final Map<NodeId, Replica> replicas = new LinkedHashMap<>();
    final Map<NodeId, InMemoryLog> logs = new HashMap<>();
    final Map<NodeId, Map<Long, Outcome>> outcomes = new HashMap<>();
    final ArrayDeque<Envelope> network = new ArrayDeque<>();
    final Set<NodeId> isolated = new HashSet<>();
    /** Decides per message whether to deliver it; by default everything not to or from an isolated node. */
    BiPredicate<NodeId, NodeId> linkUp = (from, to) -> !isolated.contains(from) && !isolated.contains(to);
    private final SplittableRandom random;
    private long time = 1_000_000;
    /** Per-node physical clock offsets in milliseconds, to model clock skew between machines. */
    final Map<NodeId, Long> skewMillis = new HashMap<>();
    private long nextRequestId;
    int completions;

    ReplicaHarness(int count, long seed) {
        random = new SplittableRandom(seed);
        for (int i = 1; i <= count; i++) {
            ids.add(NodeId.of(i));
        }
        for (NodeId id : ids) {
            logs.put(id, new InMemoryLog());
            start(id);
        }
    }

    void start(NodeId id) {
        List<NodeId> peers = ids.stream().filter(other -> !other.equals(id)).toList();
        ReplicaConfig config = new ReplicaConfig(id, peers, Election.raft(), TIMING, Limits.DEFAULT,
                ConsistencyPolicy.STRONG, RaftCore.Options.DEFAULT);
        Map<Long, Outcome> mine = outcomes.computeIfAbsent(id, k -> new HashMap<>());
        Replica replica = new Replica(config, logs.get(id), random.split(), random.nextLong(), new Replica.Effects() {
            @Override
            public void send(NodeId to, Message message) {
                network.add(new Envelope(id, to, message));
            }

            @Override
            public void complete(long requestId, Object result) {
                record(mine, requestId, new Outcome(result, null));
            }

            @Override
            public void fail(long requestId, NodeSyncException error) {
                record(mine, requestId, new Outcome(null, error));
            }

            @Override
            public void peerChanged(NodeId peer, boolean up) {
            }

            @Override
            public void leaderChanged(NodeId leader, long term) {
            }
        });
        replicas.put(id, replica);
    }

    private void record(Map<Long, Outcome> mine, long requestId, Outcome outcome) {
        Outcome previous = mine.put(requestId, outcome);
        if (previous != null) {
            throw new AssertionError("request " + requestId + " completed twice: " + previous + ", " + outcome);
        }
        completions++;
    }

    Replica replica(int number) {
        return replicas.get(NodeId.of(number));
    }

    private long timeOf(NodeId id) {
        return time + skewMillis.getOrDefault(id, 0L);
    }

    long submit(int number, ClientRequest.Op op, String key, String value, String expected,
            ConsistencyPolicy policy) {
        return submitWithId(++nextRequestId, number, op, key, value, expected, policy);
    }

    /** Submits with a chosen request id: a restarted node's store numbers its requests from 1 again. */
    long submitWithId(long id, int number, ClientRequest.Op op, String key, String value, String expected,
            ConsistencyPolicy policy) {
        Replica replica = replica(number);
        replica.setTime(timeOf(replica.self()));
        replica.submit(new ClientRequest(id, op, key, value, expected, policy));
        replica.endTurn();
        return id;
    }

    Outcome outcome(int number, long requestId) {
        return outcomes.get(NodeId.of(number)).get(requestId);
    }

    /** Delivers every queued message (and those they cause) whose link is up; drops the rest. */
    void deliverAll() {
        int guard = 0;
        while (!network.isEmpty()) {
            if (++guard > 1_000_000) {
                throw new AssertionError("message storm");
            }
            Envelope envelope = network.poll();
            Replica target = replicas.get(envelope.to());
            if (target == null || !linkUp.test(envelope.from(), envelope.to())) {
                continue;
            }
            target.setTime(timeOf(target.self()));
            target.receive(envelope.from(), envelope.message());
            target.endTurn();
        }
    }

    /** One tick on every replica, then deliver. */
    void tick() {
        time += TIMING.tick().toMillis();
        for (Replica replica : replicas.values()) {
            replica.setTime(timeOf(replica.self()));
            replica.tick();
            replica.endTurn();
        }
        deliverAll();
    }

    void tick(int times) {
        for (int i = 0; i < times; i++) {
            tick();
        }
    }

    /** Ticks until a replica leads and every replica reachable from it follows it; returns the leader. */
    Replica awaitLeader() {
        for (int i = 0; i < 1000; i++) {
            for (Replica replica : replicas.values()) {
                if (replica.raft().role() == Role.LEADER && !isolated.contains(replica.self())
                        && replica.stateMachine().appliedIndex() >= 1
                        && replicas.values().stream().filter(r -> !isolated.contains(r.self()))
                                .allMatch(r -> replica.self().equals(r.raft().leader()))) {
                    return replica;
                }
            }
            tick();
        }
        throw new AssertionError("no leader after 1000 ticks");
    }

    /** Ticks until {@code outcome(number, requestId)} is known. */
    Outcome awaitOutcome(int number, long requestId) {
        deliverAll();
        for (int i = 0; i < 1000 && outcome(number, requestId) == null; i++) {
            tick();
        }
        Outcome outcome = outcome(number, requestId);
        if (outcome == null) {
            throw new AssertionError("request " + requestId + " on node " + number + " never completed");
        }
        return outcome;
    }

    static int number(NodeId id) {
        return Integer.parseInt(id.value());
    }
}
