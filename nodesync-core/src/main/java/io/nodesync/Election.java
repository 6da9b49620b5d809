package io.nodesync;

import io.nodesync.election.PriorityElection;
import io.nodesync.election.RaftElection;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Decides the timing side of leader election; Raft's voting rules (one vote per term, the log up-to-date check,
 * pre-vote, check-quorum) are fixed in the consensus core and no election can weaken them, so every implementation
 * is safe by construction. An election only chooses how long a follower waits before campaigning and whether a
 * leader hands its office to a better-suited peer.
 *
 * <p><b>Threading.</b> Called only from the node loop; implementations must be pure functions of their arguments
 * (the {@code random} source included), so that a seeded simulation replays exactly.
 */
public interface Election {

    /**
     * How many ticks of silence from a leader make {@code self} campaign. Drawn anew each time a node resets its
     * timer.
     *
     * @param self this node
     * @param members all voting members, {@code self} included
     * @param baseTicks the configured minimum election timeout
     * @param random the node's seeded random source
     * @return a number of ticks, at least {@code baseTicks}
     */
    int electionTimeoutTicks(NodeId self, List<NodeId> members, int baseTicks, RandomGenerator random);

    /**
     * Called on a leader once per heartbeat: the peer it should hand leadership to, or {@code null} to keep it.
     *
     * @param self the leader
     * @param eligiblePeers the peers that are up and whose logs hold everything the leader has
     */
    NodeId transferTarget(NodeId self, List<NodeId> eligiblePeers);

    /** Raft's own election: randomised timeouts, no preference among nodes. */
    static Election raft() {
        return RaftElection.instance();
    }

    /** The seed's behaviour made safe: the highest id among live, caught-up nodes ends up leader. */
    static Election priority() {
        return PriorityElection.instance();
    }
}
