package io.nodesync;

import io.nodesync.consensus.RaftCore;
import io.nodesync.log.FileLog;
import io.nodesync.log.FsyncPolicy;
import io.nodesync.log.InMemoryLog;
import io.nodesync.log.Log;
import io.nodesync.runtime.Clock;
import io.nodesync.runtime.DefaultNode;
import io.nodesync.runtime.NodeSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Builds a {@link Node}. Required: {@link #id}, {@link #transport}; {@link #peers} may be empty for a cluster of
 * one. Every setter checks its argument at once, and {@link #build()} checks the whole, so a mistake fails at the
 * line that made it. Not thread-safe; build on one thread.
 *
 * <p>Defaults: {@link Election#raft()}, {@link ConsistencyPolicy#STRONG}, {@link Timing#DEFAULT},
 * {@link Limits#DEFAULT}, a fresh {@link InMemoryLog} (nothing survives the JVM; give a {@link #dataDirectory} for
 * that), the system clock, a snapshot every 64 MiB of log.
 */
public final class NodeBuilder {

    private NodeId id;
    private final List<NodeId> peers = new ArrayList<>();
    private Transport transport;
    private Log log;
    private Path dataDirectory;
    private FsyncPolicy fsyncPolicy = FsyncPolicy.ALWAYS;
    private long snapshotThresholdBytes = RaftCore.Options.DEFAULT_SNAPSHOT_THRESHOLD_BYTES;
    private Election election = Election.raft();
    private ConsistencyPolicy consistency = ConsistencyPolicy.STRONG;
    private Timing timing = Timing.DEFAULT;
    private Limits limits = Limits.DEFAULT;
    private Clock clock = Clock.system();
    private Long randomSeed;
    private Duration blockingCallSpin = Runtime.getRuntime().availableProcessors() > 1
            ? Duration.ofNanos(100_000) : Duration.ZERO;
    private boolean built;

    NodeBuilder() {
    }

    /** This node's id. */
    public NodeBuilder id(NodeId nodeId) {
        this.id = Objects.requireNonNull(nodeId, "id");
        return this;
    }

    /** This node's id, e.g. its port {@code "5000"}. */
    public NodeBuilder id(String nodeId) {
        return id(NodeId.of(nodeId));
    }

    /** The other members (replacing any set before). Must not contain this node's id or duplicates. */
    public NodeBuilder peers(List<NodeId> peerIds) {
        Objects.requireNonNull(peerIds, "peers");
        if (new HashSet<>(peerIds).size() != peerIds.size()) {
            throw new IllegalArgumentException("duplicate peer in " + peerIds);
        }
        peerIds.forEach(peer -> Objects.requireNonNull(peer, "peer"));
        this.peers.clear();
        this.peers.addAll(peerIds);
        return this;
    }

    /** The other members by id text. */
    public NodeBuilder peers(String... peerIds) {
        return peers(Arrays.stream(peerIds).map(NodeId::of).toList());
    }

    /** How this node reaches its peers. */
    public NodeBuilder transport(Transport nodeTransport) {
        this.transport = Objects.requireNonNull(nodeTransport, "transport");
        return this;
    }

    /** Where the node keeps its log, term and vote; hand the same log to a new node to model a restart. */
    public NodeBuilder log(Log nodeLog) {
        this.log = Objects.requireNonNull(nodeLog, "log");
        return this;
    }

    /**
     * Keeps the node's log, term, vote, snapshots and pending writes in files under {@code directory} (a
     * {@link FileLog}), so that the node survives its process: restarted on the same directory it rejoins with its
     * identity, term, vote and log. The directory is created if missing (its parent must exist); it must not be in
     * use by another node. A node given an empty directory does not vote until its peers have told it their terms
     * and it has caught up, since it cannot tell a new cluster from a disk it lost (see the README). The node closes
     * the files when it closes. Not together with {@link #log}.
     */
    public NodeBuilder dataDirectory(Path directory) {
        this.dataDirectory = Objects.requireNonNull(directory, "dataDirectory");
        return this;
    }

    /**
     * When the data directory's writes reach the disk: {@link FsyncPolicy#ALWAYS} (default: before any message or
     * acknowledgement that depends on them), {@link FsyncPolicy#BATCH} or {@link FsyncPolicy#NEVER}.
     */
    public NodeBuilder fsync(FsyncPolicy policy) {
        this.fsyncPolicy = Objects.requireNonNull(policy, "fsync");
        return this;
    }

    /** The size of log entries past which the node snapshots its state and drops the entries the snapshot covers. */
    public NodeBuilder snapshotThreshold(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("snapshot threshold must be positive, was " + bytes);
        }
        this.snapshotThresholdBytes = bytes;
        return this;
    }

    /** Who leads: {@link Election#raft()} (default) or {@link Election#priority()}. */
    public NodeBuilder election(Election nodeElection) {
        this.election = Objects.requireNonNull(nodeElection, "election");
        return this;
    }

    /** The cluster mode until someone switches it (every node should be built with the same). */
    public NodeBuilder consistency(ConsistencyPolicy policy) {
        this.consistency = Objects.requireNonNull(policy, "consistency");
        return this;
    }

    /** Tick length and the tick counts of heartbeats, elections, failure detection and request timeouts. */
    public NodeBuilder timing(Timing nodeTiming) {
        this.timing = Objects.requireNonNull(nodeTiming, "timing");
        return this;
    }

    /** Bounds on keys, values and queues. */
    public NodeBuilder limits(Limits nodeLimits) {
        this.limits = Objects.requireNonNull(nodeLimits, "limits");
        return this;
    }

    /** The source of time (the system clock unless a test or simulator supplies its own). */
    public NodeBuilder clock(Clock nodeClock) {
        this.clock = Objects.requireNonNull(nodeClock, "clock");
        return this;
    }

    /**
     * How long a blocking {@link Store} call busy-waits for its answer before it parks its thread; zero never spins.
     * Waking a parked thread costs tens of microseconds on a virtual machine whose idle CPU has halted, about as much
     * as a whole eventual write, so a short spin halves the latency of sequential blocking calls. Only one blocking
     * call in the JVM spins at a time, and only when no other blocking call is waiting, so that many blocked threads
     * never burn CPU the nodes need. Default: 100 us where there is more than one CPU, zero otherwise.
     */
    public NodeBuilder blockingCallSpin(Duration spin) {
        Objects.requireNonNull(spin, "blocking call spin");
        if (spin.isNegative() || spin.compareTo(Duration.ofMillis(10)) > 0) {
            throw new IllegalArgumentException("blocking call spin must be between 0 and 10 ms, was " + spin);
        }
        this.blockingCallSpin = spin;
        return this;
    }

    /** Seeds the node's random source (election timeouts, session number), for reproducible runs. */
    public NodeBuilder randomSeed(long seed) {
        this.randomSeed = seed;
        return this;
    }

    /**
     * Checks the configuration and creates the node, not yet started.
     *
     * @throws IllegalStateException naming what is missing or inconsistent
     */
    public Node build() {
        requireState(!built, "this builder already built a node; use a new builder for another");
        requireState(id != null, "id is required");
        requireState(transport != null, "transport is required");
        requireState(!peers.contains(id), "peers must not contain the node's own id " + id);
        requireState(log == null || dataDirectory == null, "give either a log or a data directory, not both");
        built = true;
        long seed = randomSeed != null ? randomSeed : ThreadLocalRandom.current().nextLong();
        Log nodeLog = log;
        if (dataDirectory != null) {
            nodeLog = FileLog.open(dataDirectory, id, FileLog.Options.defaults().withFsyncPolicy(fsyncPolicy));
        } else if (nodeLog == null) {
            nodeLog = InMemoryLog.withBackgroundSnapshots(); // a large map's snapshot must not stall the node
        }
        NodeSettings settings = new NodeSettings(id, peers, transport, nodeLog, election, consistency, timing, limits,
                clock, seed, RaftCore.Options.DEFAULT.withSnapshotThreshold(snapshotThresholdBytes),
                dataDirectory != null, blockingCallSpin);
        try {
            return new DefaultNode(settings);
        } catch (RuntimeException e) {
            if (dataDirectory != null) {
                nodeLog.close(); // e.g. a snapshot that cannot be restored: release the directory for the next try
            }
            throw e;
        }
    }

    private static void requireState(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
