package io.nodesync.election;

import io.nodesync.Election;
import io.nodesync.NodeId;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The seed's "highest id wins", made safe: among nodes that are up and whose logs are up to date, the one with the
 * highest {@link NodeId} (numeric ids compare as numbers) ends up leader.
 *
 * <p>Two mechanisms, neither of which touches Raft's voting rules:
 * <ol>
 *   <li>Priority-scaled timeouts: the node ranked {@code r} (0 = highest id) waits
 *       {@code base + r * base / 2 + random(base / 2)} ticks, so the highest live node usually campaigns first.
 *       A node whose log is behind still loses the vote (election restriction), so a stale high id cannot win.</li>
 *   <li>Leadership transfer: a leader that sees a higher-ranked peer up and fully caught up asks it to campaign at
 *       once ({@code TimeoutNow}); the peer then wins an ordinary Raft election in the next term.</li>
 * </ol>
 *
 * <p>Stateless and thread-safe.
 */
public final class PriorityElection implements Election {

    private static final PriorityElection INSTANCE = new PriorityElection();

    /** The one instance: the strategy has no state. */
    public static PriorityElection instance() {
        return INSTANCE;
    }

    private PriorityElection() {
    }

    @Override
    public int electionTimeoutTicks(NodeId self, List<NodeId> members, int baseTicks, RandomGenerator random) {
        int rank = 0;
        for (NodeId member : members) {
            if (member.compareTo(self) > 0) {
                rank++;
            }
        }
        int slot = Math.max(1, baseTicks / 2);
        return baseTicks + rank * slot + random.nextInt(slot);
    }

    @Override
    public NodeId transferTarget(NodeId self, List<NodeId> eligiblePeers) {
        NodeId best = null;
        for (NodeId peer : eligiblePeers) {
            if (peer.compareTo(self) > 0 && (best == null || peer.compareTo(best) > 0)) {
                best = peer;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return "priority";
    }
}
