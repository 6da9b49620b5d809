package io.nodesync.consensus;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Limits;
import io.nodesync.NodeId;
import io.nodesync.Timing;
import io.nodesync.Election;
import java.util.List;
import java.util.Objects;

/**
 * Everything a {@link Replica} needs to know about its place in the cluster. Immutable.
 *
 * @param self this node
 * @param peers the other members
 * @param election the election strategy
 * @param timing tick counts (the tick length itself matters only to the node loop)
 * @param limits bounds on pending work
 * @param initialConsistency the cluster mode until a switch is seen
 * @param raftOptions tuning of the Raft core
 */
public record ReplicaConfig(NodeId self, List<NodeId> peers, Election election, Timing timing, Limits limits,
        ConsistencyPolicy initialConsistency, RaftCore.Options raftOptions) {

    /** Copies the peers and checks for nulls. */
    public ReplicaConfig {
        Objects.requireNonNull(self, "self");
        peers = List.copyOf(peers);
        Objects.requireNonNull(election, "election");
        Objects.requireNonNull(timing, "timing");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(initialConsistency, "initialConsistency");
        Objects.requireNonNull(raftOptions, "raftOptions");
    }
}
