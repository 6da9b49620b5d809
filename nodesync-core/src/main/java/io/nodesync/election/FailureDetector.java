package io.nodesync.election;

import io.nodesync.NodeId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Heartbeat failure detection: a peer is DOWN once nothing has been heard from it for {@code timeoutTicks}, and UP
 * again as soon as anything arrives from it. Every message counts as a heartbeat, so a busy link costs no extra
 * traffic. Peers start UP (a node just started has no evidence against them). Pure and tick-driven; not
 * thread-safe (one node loop owns it).
 */
public final class FailureDetector {

    /** A change of a peer's state. */
    public record Transition(NodeId peer, boolean up) {
    }

    private final int timeoutTicks;
    private final Map<NodeId, PeerClock> peers = new LinkedHashMap<>();
    private final List<Transition> transitions = new ArrayList<>();

    private static final class PeerClock {
        long silentTicks;
        boolean up = true;
    }

    /**
     * @param peers the peers to watch (not the node itself)
     * @param timeoutTicks ticks of silence before a peer is DOWN
     */
    public FailureDetector(List<NodeId> peers, int timeoutTicks) {
        if (timeoutTicks <= 0) {
            throw new IllegalArgumentException("timeoutTicks must be positive");
        }
        this.timeoutTicks = timeoutTicks;
        for (NodeId peer : peers) {
            this.peers.put(peer, new PeerClock());
        }
    }

    /** Something arrived from {@code peer}. */
    public void heard(NodeId peer) {
        PeerClock clock = peers.get(peer);
        if (clock == null) {
            return;
        }
        clock.silentTicks = 0;
        if (!clock.up) {
            clock.up = true;
            transitions.add(new Transition(peer, true));
        }
    }

    /** One tick passed. */
    public void tick() {
        for (Map.Entry<NodeId, PeerClock> entry : peers.entrySet()) {
            PeerClock clock = entry.getValue();
            clock.silentTicks++;
            if (clock.up && clock.silentTicks >= timeoutTicks) {
                clock.up = false;
                transitions.add(new Transition(entry.getKey(), false));
            }
        }
    }

    /** Whether {@code peer} is currently considered up. */
    public boolean isUp(NodeId peer) {
        PeerClock clock = peers.get(peer);
        return clock != null && clock.up;
    }

    /** How many peers are currently up. */
    public int upCount() {
        int count = 0;
        for (PeerClock clock : peers.values()) {
            if (clock.up) {
                count++;
            }
        }
        return count;
    }

    /** The state changes since the last call, oldest first. */
    public List<Transition> drainTransitions() {
        if (transitions.isEmpty()) {
            return List.of();
        }
        List<Transition> drained = List.copyOf(transitions);
        transitions.clear();
        return drained;
    }
}
