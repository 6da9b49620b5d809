package io.nodesync;

/**
 * One member of a NodeSync cluster: it takes part in leader election and log replication, keeps a full copy of the
 * replicated map, and serves it to the application through {@link #store()}.
 *
 * <p>Build one with {@link #builder()}, {@link #start()} it, and {@link #close()} it when done. A closed node does
 * not restart; build a new one on the same {@link io.nodesync.log.Log} to model a restart.
 *
 * <pre>{@code
 * Node node = Node.builder()
 *         .id("5000")
 *         .peers("5001", "5002")
 *         .transport(transport)
 *         .build()
 *         .start();
 * node.store().put("greeting", "hello");
 * }</pre>
 *
 * <p><b>Threading.</b> All methods are thread-safe. Each node runs one loop thread that owns all of its state (its
 * own, or its transport's event loop when the transport offers one, see {@link Transport#loopExecutor()}) and one
 * callback thread that completes futures (but those of requests made on the loop's own thread, see {@link Store})
 * and calls listeners; {@link #status()} reads a snapshot published by
 * the loop after every turn and never waits.
 */
public interface Node extends AutoCloseable {

    /** A builder with defaults for everything but id, peers and transport. */
    static NodeBuilder builder() {
        return new NodeBuilder();
    }

    /** This node's id. */
    NodeId id();

    /**
     * Starts the node loop and the transport. Returns this node.
     *
     * @throws IllegalStateException if already started or closed
     */
    Node start();

    /** The replicated map as this node serves it. */
    Store store();

    /** A snapshot of this node's state at the end of its latest loop turn. */
    NodeStatus status();

    /** Whether the node loop is running (started, not closed, not stopped by an internal error). */
    boolean isRunning();

    /** Registers a listener for leader and peer changes. */
    void addListener(NodeListener listener);

    /** Removes a listener added before. */
    void removeListener(NodeListener listener);

    /**
     * Stops the node: its loop, its transport and its callback thread. Every request not yet completed fails with
     * {@link NodeClosedException}; a write already handed to the log may still take effect in the cluster. Returns
     * once every thread of the node has ended. Idempotent.
     */
    @Override
    void close();
}
