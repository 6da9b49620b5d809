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
import io.nodesync.consensus.RaftCore;
import io.nodesync.log.FileLog;
import io.nodesync.log.FsyncPolicy;
import io.nodesync.log.InMemoryLog;
import io.nodesync.log.Log;
import io.nodesync.log.LogCorruptedException;
import io.nodesync.log.Snapshot;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Entry;
import io.nodesync.transport.InMemoryNetwork;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A cluster of NodeSync nodes inside one JVM, connected by an {@link InMemoryNetwork}: what a test (yours or ours)
 * starts to exercise replication, elections and consistency for real, with real node threads.
 *
 * <p>Each node keeps its log across {@link #kill} and {@link #restart}, as a disk would, so a restarted node rejoins
 * with its term, vote, log, snapshot and unforwarded eventual writes. By default the log is an {@link InMemoryLog}
 * ({@link #log(NodeId)}); with {@link Builder#dataDirectory(Path)} every node keeps a {@link FileLog} in a directory of
 * its own ({@link #dataDirectory(NodeId)}), which {@link #kill} closes and {@link #restart} opens again, so a test
 * exercises recovery from real files. {@link #wipe} models a lost disk. The network can be partitioned, a node
 * isolated, and messages dropped, delayed or duplicated ({@link #network()}). {@link #close()} stops every node and
 * thread and releases every file.
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
 * {@link #kill}, {@link #restart}, {@link #wipe} and {@link #close} run one at a time; call them from a test's
 * thread, not from a {@link NodeListener} (a node's close waits for its listener thread).
 */
public final class LocalCluster implements AutoCloseable {

    /** 10 ms ticks, heartbeat 50 ms, election timeout 200-400 ms, peers DOWN after 200 ms, requests 3 s. */
    public static final Timing DEFAULT_TIMING = new Timing(Duration.ofMillis(10), 5, 20, 20, 300);

    private final List<NodeId> ids;
    private final Election election;
    private final ConsistencyPolicy consistency;
    private final Timing timing;
    private final Limits limits;
    private final long snapshotThresholdBytes;
    /** The root of the nodes' data directories, or {@code null} when they keep in-memory logs. */
    private final Path dataRoot;
    private final FsyncPolicy fsyncPolicy;
    private final InMemoryNetwork network = new InMemoryNetwork();
    /** In-memory clusters only: each node's log, kept across kill and restart (and replaced by a wipe). */
    private final Map<NodeId, InMemoryLog> logs = new LinkedHashMap<>();
    /** The log each node runs (or last ran) on, as the node sees it; guarded by {@link #lock}. */
    private final Map<NodeId, ObservedLog> nodeLogs = new LinkedHashMap<>();
    private final Map<NodeId, Node> running = new LinkedHashMap<>();
    private final List<NodeListener> listeners = new CopyOnWriteArrayList<>();
    /** Guards the maps and signals changes; held only briefly, since node callback threads take it. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /**
     * Serialises starting and stopping nodes, which take long (threads joined, files opened): a node must be closed
     * and its files released before the same node starts again. Taken before {@link #lock}, never by a node thread.
     */
    private final ReentrantLock lifecycle = new ReentrantLock();
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
        this.snapshotThresholdBytes = builder.snapshotThresholdBytes;
        this.dataRoot = builder.dataRoot;
        this.fsyncPolicy = builder.fsyncPolicy;
        if (dataRoot == null) {
            for (NodeId id : ids) {
                logs.put(id, new InMemoryLog());
            }
        }
    }

    /** A builder: 3 nodes, Raft election, strong consistency, {@link #DEFAULT_TIMING}, in-memory logs. */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link LocalCluster}. Not thread-safe; build on one thread. */
    public static final class Builder {
        private List<NodeId> ids = ids(3);
        private Election election = Election.raft();
        private ConsistencyPolicy consistency = ConsistencyPolicy.STRONG;
        private Timing timing = DEFAULT_TIMING;
        private Limits limits = Limits.DEFAULT;
        private long snapshotThresholdBytes = RaftCore.Options.DEFAULT_SNAPSHOT_THRESHOLD_BYTES;
        private Path dataRoot;
        private FsyncPolicy fsyncPolicy = FsyncPolicy.ALWAYS;
        private boolean fsyncSet;

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

        /**
         * The size of log entries past which every node snapshots its state and drops the entries the snapshot
         * covers (default 64 MiB, as {@link io.nodesync.NodeBuilder#snapshotThreshold}). A few KiB make a test
         * exercise compaction and InstallSnapshot with a few dozen writes. Applies to in-memory and file logs alike.
         */
        public Builder snapshotThreshold(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("snapshot threshold must be positive, was " + bytes);
            }
            this.snapshotThresholdBytes = bytes;
            return this;
        }

        /**
         * Keeps every node's log in a {@link FileLog} in {@code root/<node id>} instead of memory. The root is created
         * (with its parents) when a node first starts if it is missing; it belongs to the caller, who deletes it: the
         * cluster deletes a node's directory only in {@link LocalCluster#wipe}. Each node id must be usable as a file
         * name. Directories left by an earlier cluster of the same ids are recovered, as a restarted process would.
         */
        public Builder dataDirectory(Path root) {
            this.dataRoot = Objects.requireNonNull(root, "dataDirectory").toAbsolutePath().normalize();
            return this;
        }

        /**
         * When the nodes' file logs force their writes to the disk (default {@link FsyncPolicy#ALWAYS}, as a node
         * built alone); requires {@link #dataDirectory}. A {@link LocalCluster#kill} closes the log, which hands
         * everything to the operating system, so within one JVM no policy loses a write: {@link FsyncPolicy#NEVER}
         * makes tests faster without making kill and restart less faithful.
         */
        public Builder fsync(FsyncPolicy policy) {
            this.fsyncPolicy = Objects.requireNonNull(policy, "fsync");
            this.fsyncSet = true;
            return this;
        }

        /**
         * The cluster, not yet started.
         *
         * @throws IllegalStateException if {@link #fsync} was set without {@link #dataDirectory}, or a node id cannot
         *     name a directory under the data directory
         */
        public LocalCluster build() {
            if (fsyncSet && dataRoot == null) {
                throw new IllegalStateException("fsync applies to file logs only; set dataDirectory(root) too");
            }
            if (dataRoot != null) {
                ids.forEach(id -> nodeDirectory(dataRoot, id));
            }
            return new LocalCluster(this);
        }
    }

    /** {@code root/<id>}, refusing ids that are not a plain file name (they would escape the root or collide). */
    private static Path nodeDirectory(Path root, NodeId id) {
        String name = id.value();
        try {
            Path directory = root.resolve(name).normalize();
            if (name.equals(".") || name.equals("..") || !root.equals(directory.getParent())) {
                throw new IllegalStateException("node id '" + name + "' cannot name a directory under " + root);
            }
            return directory;
        } catch (InvalidPathException e) {
            throw new IllegalStateException("node id '" + name + "' cannot name a directory under " + root + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Starts every node that is not running. Returns this cluster.
     *
     * @throws LogCorruptedException if a node's data directory is damaged (the nodes before it keep running)
     */
    public LocalCluster start() {
        lifecycle.lock();
        try {
            for (NodeId id : ids) {
                if (!isRunning(id)) {
                    startNode(id);
                }
            }
        } finally {
            lifecycle.unlock();
        }
        return this;
    }

    private boolean isRunning(NodeId id) {
        lock.lock();
        try {
            return running.containsKey(id);
        } finally {
            lock.unlock();
        }
    }

    /** Opens the node's log and starts it; with {@link #lifecycle} held and the node not running. */
    private void startNode(NodeId id) {
        if (closed) {
            throw new IllegalStateException("cluster is closed");
        }
        ObservedLog log = new ObservedLog(openLog(id));
        List<NodeId> peers = ids.stream().filter(other -> !other.equals(id)).toList();
        Node node;
        try {
            node = Node.builder()
                    .id(id)
                    .peers(peers)
                    .transport(network.transport(id))
                    .log(log)
                    .snapshotThreshold(snapshotThresholdBytes)
                    .election(election)
                    .consistency(consistency)
                    .timing(timing)
                    .limits(limits)
                    .build();
            node.addListener(signaller);
            listeners.forEach(node::addListener);
        } catch (RuntimeException e) {
            log.close(); // e.g. a snapshot the state machine cannot restore: release the directory
            throw e;
        }
        lock.lock();
        try {
            nodeLogs.put(id, log);
            running.put(id, node);
        } finally {
            lock.unlock();
        }
        node.start();
    }

    private Log openLog(NodeId id) {
        if (dataRoot == null) {
            return logs.get(id);
        }
        try {
            Files.createDirectories(dataRoot);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + dataRoot + ": " + e, e);
        }
        return FileLog.open(nodeDirectory(dataRoot, id), id, FileLog.Options.defaults().withFsyncPolicy(fsyncPolicy));
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

    /**
     * The in-memory log of a node (kept across kill and restart; a new one after {@link #wipe}), or {@code null} for
     * an id not in this cluster. Only touch it while the node is not running: the node's loop thread owns it.
     *
     * @throws IllegalStateException if the nodes keep their logs in files ({@link Builder#dataDirectory})
     */
    public InMemoryLog log(NodeId id) {
        if (dataRoot != null) {
            throw new IllegalStateException("the nodes keep their logs in files, node " + id + " in "
                    + (ids.contains(id) ? nodeDirectory(dataRoot, id) : dataRoot) + "; see dataDirectory(NodeId)");
        }
        lock.lock();
        try {
            return logs.get(id);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The directory holding this node's {@link FileLog}: {@code root/<id>}.
     *
     * @throws IllegalStateException if the cluster keeps in-memory logs
     * @throws IllegalArgumentException if the id is not in this cluster
     */
    public Path dataDirectory(NodeId id) {
        if (dataRoot == null) {
            throw new IllegalStateException("the nodes keep in-memory logs; build the cluster with dataDirectory(root)"
                    + " for files");
        }
        requireMember(id);
        return nodeDirectory(dataRoot, id);
    }

    private void requireMember(NodeId id) {
        if (!ids.contains(id)) {
            throw new IllegalArgumentException("no node " + id + " in this cluster");
        }
    }

    /**
     * What a node's log held at the end of the node's latest loop turn (its latest log sync), readable from any
     * thread while the node runs, and after it stopped (then as it stopped). A node's {@link NodeStatus} tells its
     * role and commit index; this tells what the status does not: where compaction starts the log, the vote cast,
     * and whether the node is still rejoining after a lost disk.
     *
     * @param firstIndex the first entry the log holds; the entries before it are covered by a snapshot
     * @param lastIndex the last entry (or the snapshot's index when no entry follows it)
     * @param term the term saved in the log
     * @param votedFor the node this one voted for in {@code term}, or {@code null}
     * @param rejoining whether the node lost its state and does not vote or campaign until it has caught up (see
     *     {@link RaftCore})
     */
    public record LogState(long firstIndex, long lastIndex, long term, NodeId votedFor, boolean rejoining) {
    }

    /**
     * The {@link LogState} of a node's current or latest run.
     *
     * @throws IllegalArgumentException if the id is not in this cluster
     * @throws IllegalStateException if the node never started
     */
    public LogState logState(NodeId id) {
        requireMember(id);
        lock.lock();
        try {
            ObservedLog log = nodeLogs.get(id);
            if (log == null) {
                throw new IllegalStateException("node " + id + " never started");
            }
            return log.state();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops a node abruptly: its pending requests fail, and its log stays, as a disk would. A file log is closed, so
     * its directory is released and can be inspected, changed or reopened.
     *
     * @throws IllegalStateException if the node is not running
     */
    public void kill(NodeId id) {
        lifecycle.lock();
        try {
            if (!isRunning(id)) {
                throw new IllegalStateException("node " + id + " is not running");
            }
            stopNode(id);
        } finally {
            lifecycle.unlock();
        }
        signal();
    }

    /** Closes a running node, then its log (after the node's loop ended: nothing writes to it any more). */
    private void stopNode(NodeId id) {
        Node node;
        ObservedLog log;
        lock.lock();
        try {
            node = running.remove(id);
            log = nodeLogs.get(id);
        } finally {
            lock.unlock();
        }
        try {
            node.close();
        } finally {
            log.close();
        }
    }

    /**
     * Starts a killed node again on its log: the same in-memory log, or its data directory opened again. Returns the
     * new node.
     *
     * @throws IllegalStateException if the node is running
     * @throws IllegalArgumentException if the id is not in this cluster
     * @throws LogCorruptedException if its data directory is damaged; the node stays down (see {@link #wipe})
     */
    public Node restart(NodeId id) {
        lifecycle.lock();
        try {
            if (isRunning(id)) {
                throw new IllegalStateException("node " + id + " is running; kill it first");
            }
            requireMember(id);
            startNode(id);
            return node(id);
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * Models a lost disk: kills the node if it runs, deletes its data (its data directory, or for in-memory logs
     * replaces its log with {@link InMemoryLog#afterDiskLoss()}), and starts it again on nothing. The node then
     * rejoins: it votes and campaigns for nobody until every peer has told it its term and it has caught up with a
     * leader of a later term (see {@link RaftCore}): it stays out of elections while any peer is down, and the others
     * must be able to elect a leader for it to finish. Also the remedy for a node whose directory is damaged. Returns
     * the new node.
     *
     * @throws IllegalArgumentException if the id is not in this cluster
     * @throws UncheckedIOException if the data directory cannot be deleted
     */
    public Node wipe(NodeId id) {
        requireMember(id);
        lifecycle.lock();
        try {
            if (closed) {
                throw new IllegalStateException("cluster is closed");
            }
            if (isRunning(id)) {
                stopNode(id);
            }
            if (dataRoot == null) {
                lock.lock();
                try {
                    logs.put(id, InMemoryLog.afterDiskLoss());
                } finally {
                    lock.unlock();
                }
            } else {
                deleteRecursively(nodeDirectory(dataRoot, id));
            }
            startNode(id);
            return node(id);
        } finally {
            lifecycle.unlock();
            signal();
        }
    }

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            // Deepest first, so that each directory is empty when its turn comes.
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the data directory " + directory + ": " + e, e);
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

    /**
     * Stops every node and the network, and closes every node's log (releasing the data directories, which stay on
     * disk); returns when all their threads have ended. Idempotent.
     */
    @Override
    public void close() {
        lifecycle.lock();
        try {
            List<NodeId> toStop;
            lock.lock();
            try {
                closed = true;
                toStop = new ArrayList<>(running.keySet());
            } finally {
                lock.unlock();
            }
            RuntimeException failure = null;
            for (NodeId id : toStop) {
                try {
                    stopNode(id);
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            network.close();
            if (failure != null) {
                throw failure;
            }
        } finally {
            lifecycle.unlock();
            signal();
        }
    }

    /**
     * The log a node runs on: passes every call to the real log, and after each {@link #sync()} (once per loop turn)
     * publishes a {@link LogState} that other threads may read. The node never closes a log it was handed; the
     * cluster closes it through {@link #close()} once the node has stopped.
     */
    private static final class ObservedLog implements Log {
        private final Log delegate;
        private volatile LogState state;

        ObservedLog(Log delegate) {
            this.delegate = delegate;
            publish();
        }

        LogState state() {
            return state;
        }

        private void publish() {
            TermAndVote termAndVote = delegate.termAndVote();
            state = new LogState(delegate.firstIndex(), delegate.lastIndex(), termAndVote.term(),
                    termAndVote.votedFor(), delegate.rejoinTerm() != Log.NOT_REJOINING);
        }

        @Override
        public long firstIndex() {
            return delegate.firstIndex();
        }

        @Override
        public long lastIndex() {
            return delegate.lastIndex();
        }

        @Override
        public long term(long index) {
            return delegate.term(index);
        }

        @Override
        public long lastTerm() {
            return delegate.lastTerm();
        }

        @Override
        public Entry entry(long index) {
            return delegate.entry(index);
        }

        @Override
        public List<Entry> entries(long fromIndex, int maxCount, long maxBytes) {
            return delegate.entries(fromIndex, maxCount, maxBytes);
        }

        @Override
        public void append(List<Entry> entries) {
            delegate.append(entries);
        }

        @Override
        public void truncateFrom(long index) {
            delegate.truncateFrom(index);
        }

        @Override
        public long entryBytes() {
            return delegate.entryBytes();
        }

        @Override
        public TermAndVote termAndVote() {
            return delegate.termAndVote();
        }

        @Override
        public void saveTermAndVote(long term, NodeId votedFor) {
            delegate.saveTermAndVote(term, votedFor);
        }

        @Override
        public long rejoinTerm() {
            return delegate.rejoinTerm();
        }

        @Override
        public void saveRejoinTerm(long rejoinTerm) {
            delegate.saveRejoinTerm(rejoinTerm);
        }

        @Override
        public Snapshot snapshot() {
            return delegate.snapshot();
        }

        @Override
        public boolean takeSnapshot(long index, long term, Snapshot.Writer writer) {
            return delegate.takeSnapshot(index, term, writer);
        }

        @Override
        public void stageSnapshotChunk(long index, long term, long offset, byte[] data) {
            delegate.stageSnapshotChunk(index, term, offset, data);
        }

        @Override
        public long stagedSnapshotBytes(long index, long term) {
            return delegate.stagedSnapshotBytes(index, term);
        }

        @Override
        public Snapshot installStagedSnapshot(long index, long term) {
            return delegate.installStagedSnapshot(index, term);
        }

        @Override
        public void savePendingWrite(ClientCommand command) {
            delegate.savePendingWrite(command);
        }

        @Override
        public void settlePendingWrite(ClientCommand command) {
            delegate.settlePendingWrite(command);
        }

        @Override
        public List<ClientCommand> pendingWrites() {
            return delegate.pendingWrites();
        }

        @Override
        public void sync() {
            delegate.sync();
            publish();
        }

        @Override
        public void close() {
            delegate.close();
        }

        @Override
        public String toString() {
            return delegate.toString();
        }
    }
}
