package io.nodesync;

import io.nodesync.protocol.Message;
import java.util.concurrent.ScheduledExecutorService;

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
 *
 * <p><b>Hosting the node.</b> A transport that reads its sockets on one event-loop thread may offer that thread to the
 * node ({@link #loopExecutor()}). The node then runs its turns there, so a message goes from the socket to the
 * replica, and from the replica to the socket, without waking another thread: on a loopback cluster those
 * hand-overs cost more than the network itself.
 */
public interface Transport extends AutoCloseable {

    /** Receives messages addressed to this node. */
    @FunctionalInterface
    interface Inbound {
        /** A message from {@code from} arrived. Must not block. */
        void receive(NodeId from, Message message);

        /**
         * The transport was closed and delivers nothing more. A transport that hosts the node
         * ({@link #loopExecutor()}) calls it as the last task it runs, so that the node can stop rather than wait for
         * turns that will never come; a closed transport that hosts nothing may call it on any thread, or not at all.
         * The default does nothing.
         */
        default void transportClosed() {
        }
    }

    /** Starts delivering messages addressed to {@code self} to {@code inbound}. Called once, before any send. */
    void start(NodeId self, Inbound inbound);

    /** Sends a message to a peer, best effort, without blocking. */
    void send(NodeId to, Message message);

    /**
     * The executor the node should run its loop on, or {@code null} (the default) for a thread of the node's own. It
     * must run its tasks one at a time, in order, on one thread, accept tasks that block on disk writes (the log's
     * sync) and delayed tasks (the node's ticks), and keep running until this transport is closed. Messages this
     * transport delivers on that thread reach the node without a thread hand-over.
     */
    default ScheduledExecutorService loopExecutor() {
        return null;
    }

    /**
     * Starts writing what {@link #send} queued so far, if the transport waits for the caller to finish before it
     * writes. A node calls it before a turn blocks on the log's sync (when it sends appends early), so that its
     * appends reach followers while its own disk write runs. The default does nothing.
     */
    default void flush() {
    }

    /** Stops sending and delivering; releases threads and sockets. Idempotent. */
    @Override
    void close();
}
