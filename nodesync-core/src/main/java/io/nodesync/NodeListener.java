package io.nodesync;

/**
 * Receives a node's leader and peer liveness changes. Called on the node's callback thread, never on its node loop,
 * one event at a time in the order they happened; a slow listener delays later callbacks and future completions of
 * that node, so hand long work elsewhere. Every method has an empty default. A listener added while the node runs
 * may still receive an event of the turn that ended just before it was added.
 */
public interface NodeListener {

    /**
     * The node learned of a new leader, or that it no longer knows one.
     *
     * @param leader the new leader, or {@code null} when none is known
     * @param term the term in which it leads
     */
    default void onLeaderChange(NodeId leader, long term) {
    }

    /** The failure detector stopped hearing from a peer. */
    default void onPeerDown(NodeId peer) {
    }

    /** The failure detector hears from a peer again after it was down. */
    default void onPeerUp(NodeId peer) {
    }
}
