package io.nodesync.consensus;

import io.nodesync.Election;
import io.nodesync.NodeId;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A test {@link Election} whose timeout is always {@code ticks}, so a test knows exactly when a node's lease lapses
 * and when it campaigns. Never transfers leadership.
 */
record FixedTimeoutElection(int ticks) implements Election {

    @Override
    public int electionTimeoutTicks(NodeId self, List<NodeId> members, int baseTicks, RandomGenerator random) {
        return ticks;
    }

    @Override
    public NodeId transferTarget(NodeId self, List<NodeId> eligiblePeers) {
        return null;
    }
}
