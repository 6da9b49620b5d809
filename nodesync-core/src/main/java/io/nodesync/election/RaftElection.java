package io.nodesync.election;

import io.nodesync.Election;
import io.nodesync.NodeId;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Raft's election (section 5.2 of the paper): each node draws its timeout uniformly from
 * {@code [base, 2 * base)}, so that one usually times out first and wins before the others start. No node is
 * preferred; a leader keeps office while it holds a majority.
 *
 * <p>Stateless and thread-safe.
 */
public final class RaftElection implements Election {

    private static final RaftElection INSTANCE = new RaftElection();

    /** The one instance: the strategy has no state. */
    public static RaftElection instance() {
        return INSTANCE;
    }

    private RaftElection() {
    }

    @Override
    public int electionTimeoutTicks(NodeId self, List<NodeId> members, int baseTicks, RandomGenerator random) {
        return baseTicks + random.nextInt(baseTicks);
    }

    @Override
    public NodeId transferTarget(NodeId self, List<NodeId> eligiblePeers) {
        return null;
    }

    @Override
    public String toString() {
        return "raft";
    }
}
