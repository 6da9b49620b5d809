package io.nodesync;

import io.nodesync.consensus.RaftCore;
import io.nodesync.log.InMemoryLog;
import io.nodesync.log.Log;
import io.nodesync.runtime.Clock;
import io.nodesync.runtime.DefaultNode;
import io.nodesync.runtime.NodeSettings;
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
 * {@link Limits#DEFAULT}, a fresh {@link InMemoryLog}, the system clock.
 */
public final class NodeBuilder {

    private NodeId id;
    private final List<NodeId> peers = new ArrayList<>();
    private Transport transport;
    private Log log;
    private Election election = Election.raft();
    private ConsistencyPolicy consistency = ConsistencyPolicy.STRONG;
    private Timing timing = Timing.DEFAULT;
    private Limits limits = Limits.DEFAULT;
    private Clock clock = Clock.system();
    private Long randomSeed;
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
        built = true;
        long seed = randomSeed != null ? randomSeed : ThreadLocalRandom.current().nextLong();
        NodeSettings settings = new NodeSettings(id, peers, transport, log != null ? log : new InMemoryLog(),
                election, consistency, timing, limits, clock, seed, RaftCore.Options.DEFAULT);
        return new DefaultNode(settings);
    }

    private static void requireState(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
