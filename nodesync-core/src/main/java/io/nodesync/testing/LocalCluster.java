package io.nodesync.testing;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Election;
import io.nodesync.Limits;
import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.NodeListener;
import io.nodesync.NodeStatus;
import io.nodesync.Role;
import io.nodesync.Timing;
import io.nodesync.log.InMemoryLog;
import io.nodesync.transport.InMemoryNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * A cluster of NodeSync nodes inside one JVM, connected by an {@link InMemoryNetwork}: what a test (yours or ours)
 * starts to exercise replication, elections and consistency for real, with real node threads.
 *
 * <p>Each node keeps its {@link InMemoryLog} across {@link #kill} and {@link #restart}, as a disk would, so a restarted
 * node rejoins with its term, vote and log. The network can be partitioned, a node isolated, and messages dropped,
 * delayed or duplicated ({@link #network()}). {@link #close()} stops every node and thread.
 *
 * <pre>{@code
 * class MyReplicationTest {
 *     @Test
 *     void writesSurviveTheLeadersDeath() throws Exception {
 *         try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
 *             Node leader = cluster.awaitLeader(Duration.ofSeconds(10));
 *             cluster.node(0).store().put("colour", "blue");          // any node: followers forward
 *
 *             cluster.kill(leader.id());
 *             Node next = cluster.awaitLeader(Duration.ofSeconds(10));
 *             assertEquals(Optional.of("blue"), next.store().get("colour", ConsistencyPolicy.STRONG));
 *
 *             cluster.partition(List.of(cluster.id(0)), List.of(cluster.id(1), cluster.id(2)));
 *             cluster.heal();
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Node ids are {@code "1"} to {@code "N"} unless given. Timing defaults to {@link #DEFAULT_TIMING}: 10 ms ticks,
 * elections after 200-400 ms, 3 s request timeout. Thread-safe; waits use the nodes' listeners, never sleeps.
 */
public final class LocalCluster implements AutoCloseable {

    /** 10 ms ticks, heartbeat 50 ms, election timeout 200-400 ms, peers DOWN after 200 ms, requests 3 s. */
    public static final Timing DEFAULT_TIMING = new Timing(Duration.ofMillis(10), 5, 20, 20, 300);

    private final List<NodeId> ids;
    private final Election election;
    private final ConsistencyPolicy consistency;
    private final Timing timing;
    private final Limits limits;
    private final InMemoryNetwork network = new InMemoryNetwork();
    private final Map<NodeId, InMemoryLog> logs = new LinkedHashMap<>();
    private final Map<NodeId, Node> running = new LinkedHashMap<>();
    private final List<NodeListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private boolean closed;

    private final NodeListener signaller = new NodeListener() {
        @Override
        public void onLeaderChange(NodeId leader, long term) {
            signal();
        }

        @Override
        public void onPeerDown(NodeId peer) {
            signal();
        }

        @Override
        public void onPeerUp(NodeId peer) {
            signal();
        }
    };

    private LocalCluster(Builder builder) {
        this.ids = List.copyOf(builder.ids);
        this.election = builder.election;
        this.consistency = builder.consistency;
        this.timing = builder.timing;
        this.limits = builder.limits;
        for (NodeId id : ids) {
            logs.put(id, new InMemoryLog());
        }
    }

    /** A builder: 3 nodes, Raft election, strong consistency, {@link #DEFAULT_TIMING}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link LocalCluster}. */
    public static final class Builder {
        private List<NodeId> ids = ids(3);
        private Election election = Election.raft();
        private ConsistencyPolicy consistency = ConsistencyPolicy.STRONG;
        private Timing timing = DEFAULT_TIMING;
        private Limits limits = Limits.DEFAULT;

        private Builder() {
        }

        private static List<NodeId> ids(int count) {
            List<NodeId> list = new ArrayList<>();
            for (int i = 1; i <= count; i++) {
                list.add(NodeId.of(i));
            }
            return list;
        }

        /** {@code count} nodes with ids "1" to "count". */
        public Builder nodes(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("a cluster needs at least one node, got " + count);
            }
            this.ids = ids(count);
            return this;
        }

        /** Nodes with these ids (e.g. ports, as the seed used). */
        public Builder ids(String... nodeIds) {
            if (nodeIds.length == 0) {
                throw new IllegalArgumentException("a cluster needs at least one node");
            }
            List<NodeId> list = Arrays.stream(nodeIds).map(NodeId::of).toList();
            if (list.stream().distinct().count() != list.size()) {
                throw new IllegalArgumentException("duplicate node id in " + list);
            }
            this.ids = list;
            return this;
        }

        /** The election strategy of every node. */
        public Builder election(Election clusterElection) {
            this.election = Objects.requireNonNull(clusterElection, "election");
            return this;
        }

        /** The initial cluster mode. */
        public Builder consistency(ConsistencyPolicy policy) {
            this.consistency = Objects.requireNonNull(policy, "consistency");
            return this;
        }

        /** The timing of every node. */
        public Builder timing(Timing clusterTiming) {
            this.timing = Objects.requireNonNull(clusterTiming, "timing");
            return this;
        }

        /** The limits of every node. */
        public Builder limits(Limits clusterLimits) {
            this.limits = Objects.requireNonNull(clusterLimits, "limits");
            return this;
        }

        /** The cluster, not yet started. */
        public LocalCluster build() {
            return new LocalCluster(this);
        }
    }

    /** Starts every node that is not running. Returns this cluster. */
    public LocalCluster start() {
        for (NodeId id : ids) {
            lock.lock();
            try {
                if (!running.containsKey(id)) {
                    startNode(id);
                }
            } finally {
                lock.unlock();
            }
        }
        return this;
    }

    private void startNode(NodeId id) {
        if (closed) {
            throw new IllegalStateException("cluster is closed");
        }
        List<NodeId> peers = ids.stream().filter(other -> !other.equals(id)).toList();
        Node node = Node.builder()
                .id(id)
                .peers(peers)
                .transport(network.transport(id))
                .log(logs.get(id))
                .election(election)
                .consistency(consistency)
                .timing(timing)
                .limits(limits)
                .build();
        node.addListener(signaller);
        listeners.forEach(node::addListener);
        running.put(id, node);
        node.start();
    }

    /**
     * Adds a listener to every running node and to every node started or restarted later, so that no event after
     * this call is missed. A node's listener may still receive an event of a turn that ended just before.
     */
    public void addListener(NodeListener listener) {
        Objects.requireNonNull(listener, "listener");
        lock.lock();
        try {
            listeners.add(listener);
            running.values().forEach(node -> node.addListener(listener));
        } finally {
            lock.unlock();
        }
    }

    /** Every node id, running or not, in order. */
    public List<NodeId> ids() {
        return ids;
    }

    /** The id of the {@code index}-th node (from 0). */
    public NodeId id(int index) {
        return ids.get(index);
    }

    /** The running node at {@code index} (from 0). */
    public Node node(int index) {
        return node(ids.get(index));
    }

    /**
     * The running node with this id.
     *
     * @throws IllegalStateException if it is not running
     */
    public Node node(NodeId id) {
        lock.lock();
        try {
            Node node = running.get(id);
            if (node == null) {
                throw new IllegalStateException("node " + id + " is not running");
            }
            return node;
        } finally {
            lock.unlock();
        }
    }

    /** The running nodes, in id order. */
    public List<Node> nodes() {
        lock.lock();
        try {
            return List.copyOf(running.values());
        } finally {
            lock.unlock();
        }
    }

    /** The network, for fault injection. */
    public InMemoryNetwork network() {
        return network;
    }

    /** The log of a node (kept across kill and restart). */
    public InMemoryLog log(NodeId id) {
        return logs.get(id);
    }

    /** Stops a node abruptly (its log stays, as a disk would). Its pending requests fail. */
    public void kill(NodeId id) {
        Node node;
        lock.lock();
        try {
            node = running.remove(id);
        } finally {
            lock.unlock();
        }
        if (node == null) {
            throw new IllegalStateException("node " + id + " is not running");
        }
        node.close();
        signal();
    }

    /** Starts a killed node again on its log. Returns the new node. */
    public Node restart(NodeId id) {
        lock.lock();
        try {
            if (running.containsKey(id)) {
                throw new IllegalStateException("node " + id + " is running; kill it first");
            }
            if (!logs.containsKey(id)) {
                throw new IllegalArgumentException("no node " + id + " in this cluster");
            }
            startNode(id);
            return running.get(id);
        } finally {
            lock.unlock();
        }
    }

    /** Splits the network into groups that cannot reach each other; see {@link InMemoryNetwork#partition}. */
    @SafeVarargs
    public final void partition(Collection<NodeId>... groups) {
        network.partition(groups);
    }

    /** Cuts one node off from all others. */
    public void isolate(NodeId id) {
        network.isolate(id);
    }

    /** Restores a perfect network. */
    public void heal() {
        network.heal();
    }

    /**
     * Waits until the running nodes agree on a leader: one running node leads in the highest term any running node
     * has seen, and a majority of the whole cluster (running nodes) names it. Returns the leader.
     *
     * @throws TimeoutException if that does not happen in time, with every node's status in the message
     */
    public Node awaitLeader(Duration timeout) throws TimeoutException, InterruptedException {
        return awaitCondition(timeout, "a leader", cluster -> cluster.currentLeader().isPresent())
                .currentLeader().orElseThrow();
    }

    /** Waits until a node other than {@code previous} leads, as {@link #awaitLeader} sees it. */
    public Node awaitNewLeader(NodeId previous, Duration timeout) throws TimeoutException, InterruptedException {
        return awaitCondition(timeout, "a leader other than " + previous,
                cluster -> cluster.currentLeader().filter(leader -> !leader.id().equals(previous)).isPresent())
                .currentLeader().orElseThrow();
    }

    /** The agreed leader as {@link #awaitLeader} defines it, if there is one right now. */
    public Optional<Node> currentLeader() {
        List<Node> nodes = nodes();
        long maxTerm = nodes.stream().mapToLong(node -> node.status().term()).max().orElse(0);
        int majority = ids.size() / 2 + 1;
        for (Node candidate : nodes) {
            NodeStatus status = candidate.status();
            if (status.role() != Role.LEADER || status.term() != maxTerm) {
                continue;
            }
            long followers = nodes.stream()
                    .filter(node -> candidate.id().equals(node.status().leader())
                            && node.status().term() == maxTerm)
                    .count();
            if (followers >= majority) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Waits until {@code condition} holds for this cluster, re-checking whenever a node reports a leader or peer
     * change, and at least every tick.
     */
    public LocalCluster awaitCondition(Duration timeout, String description, Predicate<LocalCluster> condition)
            throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long recheck = timing.tick().toNanos();
        // The condition runs without the lock: it may block on a node (a read), whose callback thread may need the
        // lock to signal a listener event.
        while (!condition.test(this)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("no " + description + " within " + timeout + "; nodes: " + describe());
            }
            lock.lock();
            try {
                // Status snapshots change every turn, not only on listener events, so re-check at tick pace too.
                changed.await(Math.min(left, recheck), TimeUnit.NANOSECONDS);
            } finally {
                lock.unlock();
            }
        }
        return this;
    }

    private String describe() {
        StringBuilder text = new StringBuilder();
        for (Node node : nodes()) {
            text.append("\n  ").append(node.status().toLine());
        }
        return text.toString();
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Stops every node and the network; returns when all their threads have ended. Idempotent. */
    @Override
    public void close() {
        List<Node> toClose;
        lock.lock();
        try {
            closed = true;
            toClose = new ArrayList<>(running.values());
            running.clear();
        } finally {
            lock.unlock();
        }
        RuntimeException failure = null;
        for (Node node : toClose) {
            try {
                node.close();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        network.close();
        if (failure != null) {
            throw failure;
        }
    }
}
