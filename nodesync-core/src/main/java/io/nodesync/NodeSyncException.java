package io.nodesync;

/**
 * The base of every operating condition NodeSync reports through a future or a blocking call: a request that could
 * not be served as asked. Broken invariants are not reported this way; they stop the node. Immutable once thrown.
 */
public abstract class NodeSyncException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    protected NodeSyncException(String message) {
        super(message);
    }

    protected NodeSyncException(String message, Throwable cause) {
        super(message, cause);
    }
}
