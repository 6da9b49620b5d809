package io.nodesync;

import com.google.common.collect.ImmutableMap;
import java.util.Map;
import java.util.Optional;

/**
 * A consistent snapshot of one node's state, taken at the end of one turn of its node loop. Immutable.
 *
 * @param id this node
 * @param role its Raft role
 * @param term its current term
 * @param leader the leader it currently knows, or {@code null} when none is known
 * @param commitIndex the highest log index it knows to be committed
 * @param appliedIndex the highest log index it has applied to its map
 * @param lastLogIndex the index of the last entry in its log
 * @param pendingEventualWrites this node's accepted eventual writes not yet seen committed
 * @param consistency the cluster-wide consistency policy as this node currently sees it
 * @param peers each peer and whether the failure detector sees it up
 * @param tombstones deleted keys whose delete markers are not yet collected
 * @param snapshotIndex the index of the last entry its latest snapshot covers (0 when it has none); the log holds
 *     the entries after it
 * @param rejoining whether it lost its state (a new or wiped data directory) and does not vote yet
 */
public record NodeStatus(
        NodeId id,
        Role role,
        long term,
        NodeId leader,
        long commitIndex,
        long appliedIndex,
        long lastLogIndex,
        int pendingEventualWrites,
        ConsistencyPolicy consistency,
        Map<NodeId, PeerState> peers,
        int tombstones,
        long snapshotIndex,
        boolean rejoining) {

    /** Whether a peer answers heartbeats. */
    public enum PeerState {
        UP, DOWN
    }

    /** Copies the peer map. */
    public NodeStatus {
        peers = ImmutableMap.copyOf(peers);
    }

    /** The known leader, if any. */
    public Optional<NodeId> leaderId() {
        return Optional.ofNullable(leader);
    }

    /** Whether this node is the leader. */
    public boolean isLeader() {
        return role == Role.LEADER;
    }

    /**
     * The status as one line of {@code name=value} pairs, as the client protocol's {@code STATUS} command prints it.
     */
    public String toLine() {
        StringBuilder peerList = new StringBuilder();
        peers.forEach((peer, state) -> {
            if (peerList.length() > 0) {
                peerList.append(',');
            }
            peerList.append(peer).append(':').append(state);
        });
        return "id=" + id + " role=" + role.name().toLowerCase(java.util.Locale.ROOT) + " term=" + term
                + " leader=" + (leader == null ? "none" : leader) + " commit=" + commitIndex + " applied="
                + appliedIndex + " pending=" + pendingEventualWrites + " consistency=" + consistency.wireName()
                + " peers=" + peerList + " tombstones=" + tombstones + " last=" + lastLogIndex + " snapshot="
                + snapshotIndex + " rejoining=" + rejoining;
    }
}
