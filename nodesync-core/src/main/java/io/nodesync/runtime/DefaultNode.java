package io.nodesync.runtime;

import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.NodeListener;
import io.nodesync.NodeStatus;
import io.nodesync.Store;
import io.nodesync.consensus.Replica;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** The {@link Node} implementation: a {@link NodeLoop} plus the {@link Store} facade. Build it with the builder.
 * Thread-safe, as {@link Node} requires. */
public final class DefaultNode implements Node {

    private static final int NEW = 0;
    private static final int STARTED = 1;
    private static final int CLOSED = 2;

    private final NodeSettings settings;
    private final CopyOnWriteArrayList<NodeListener> listeners = new CopyOnWriteArrayList<>();
    private final NodeLoop loop;
    private final DefaultStore store;
    private final AtomicInteger state = new AtomicInteger(NEW);

    /** Creates a node from checked settings; use {@link Node#builder()} instead. */
    public DefaultNode(NodeSettings settings) {
        this.settings = settings;
        this.loop = new NodeLoop(settings, listeners);
        this.store = new DefaultStore(loop, settings.limits(), settings.blockingCallSpin());
    }

    @Override
    public NodeId id() {
        return settings.id();
    }

    @Override
    public Node start() {
        if (!state.compareAndSet(NEW, STARTED)) {
            throw new IllegalStateException("node " + id() + " was already started" + (state.get() == CLOSED
                    ? " and closed; build a new node to restart it" : ""));
        }
        loop.start();
        return this;
    }

    @Override
    public Store store() {
        return store;
    }

    @Override
    public NodeStatus status() {
        return loop.status();
    }

    @Override
    public boolean isRunning() {
        return loop.isRunning();
    }

    @Override
    public void addListener(NodeListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void removeListener(NodeListener listener) {
        listeners.remove(listener);
    }

    @Override
    public void close() {
        state.set(CLOSED);
        loop.close();
    }

    /** Peer messages dropped because the inbox was full. */
    public long droppedMessages() {
        return loop.droppedMessages();
    }

    /**
     * The node's pure core, for inspection by tests in the same JVM. Only safe to read once the node is closed (or
     * from code that otherwise knows the loop is idle).
     */
    public Replica replica() {
        return loop.replicaForInspection();
    }

    @Override
    public String toString() {
        return "Node[" + id() + "]";
    }
}
