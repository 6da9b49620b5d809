package io.nodesync;

/**
 * A request was refused before anything was replicated because it broke a configured bound: a key or value too
 * large, or a queue (the node's inbox, its pending requests, its pending eventual writes) full. Retrying later may
 * succeed for a full queue; never for an oversized key or value. Immutable once thrown.
 */
public class LimitExceededException extends NodeSyncException {
    private static final long serialVersionUID = 1L;

    public LimitExceededException(String message) {
        super(message);
    }
}
