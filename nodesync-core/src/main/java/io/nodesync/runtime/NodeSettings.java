package io.nodesync.runtime;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Election;
import io.nodesync.Limits;
import io.nodesync.NodeId;
import io.nodesync.Timing;
import io.nodesync.Transport;
import io.nodesync.consensus.RaftCore;
import io.nodesync.log.Log;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything needed to run one node, as checked and assembled by {@link io.nodesync.NodeBuilder}. Immutable.
 *
 * @param id this node
 * @param peers the other members
 * @param transport how it reaches them
 * @param log where it keeps its log, term and vote
 * @param election the election strategy
 * @param consistency the cluster mode until a switch is seen
 * @param timing ticks and timeouts
 * @param limits bounds
 * @param clock the source of time
 * @param randomSeed seed of the node's random source
 * @param raftOptions tuning of the Raft core
 * @param ownsLog whether the node opened its log itself (from a data directory) and so closes it when it closes
 * @param blockingCallSpin how long a blocking store call busy-waits for its answer before it parks (zero: never)
 */
public record NodeSettings(NodeId id, List<NodeId> peers, Transport transport, Log log, Election election,
        ConsistencyPolicy consistency, Timing timing, Limits limits, Clock clock, long randomSeed,
        RaftCore.Options raftOptions, boolean ownsLog, Duration blockingCallSpin) {

    /** Checks for nulls and copies the peers. */
    public NodeSettings {
        Objects.requireNonNull(id, "id");
        peers = List.copyOf(peers);
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(election, "election");
        Objects.requireNonNull(consistency, "consistency");
        Objects.requireNonNull(timing, "timing");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(raftOptions, "raftOptions");
        Objects.requireNonNull(blockingCallSpin, "blockingCallSpin");
        if (blockingCallSpin.isNegative()) {
            throw new IllegalArgumentException("blockingCallSpin must not be negative, was " + blockingCallSpin);
        }
    }
}
