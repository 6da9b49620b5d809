package io.nodesync;

/**
 * The node was closed (or its loop stopped) before the request completed. A write that had been handed to the
 * replication log before that may still take effect elsewhere in the cluster. Immutable once thrown.
 */
public class NodeClosedException extends NodeSyncException {
    private static final long serialVersionUID = 1L;

    public NodeClosedException(String message) {
        super(message);
    }

    public NodeClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
