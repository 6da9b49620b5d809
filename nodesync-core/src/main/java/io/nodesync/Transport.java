package io.nodesync;

import io.nodesync.protocol.Message;

/**
 * Carries {@link Message}s between nodes: message-shaped (one {@link #send}, one inbound handler), not one method
 * per RPC, so new message types need no new transport methods.
 *
 * <p><b>Semantics.</b> Best effort: a message may be dropped, delayed, duplicated or reordered, and the consensus
 * core copes with all of it. A transport must never block the caller of {@link #send} (the node loop): traffic to an
 * unreachable or slow peer is dropped, not queued without bound.
 *
 * <p><b>Threading.</b> {@link #send} is called from the node loop thread only. The inbound handler may be called
 * from any thread, concurrently; the node's handler only enqueues into its bounded inbox and never blocks.
 */
public interface Transport extends AutoCloseable {

    /** Receives messages addressed to this node. */
    @FunctionalInterface
    interface Inbound {
        /** A message from {@code from} arrived. Must not block. */
        void receive(NodeId from, Message message);
    }

    /** Starts delivering messages addressed to {@code self} to {@code inbound}. Called once, before any send. */
    void start(NodeId self, Inbound inbound);

    /** Sends a message to a peer, best effort, without blocking. */
    void send(NodeId to, Message message);

    /** Stops sending and delivering; releases threads and sockets. Idempotent. */
    @Override
    void close();
}
