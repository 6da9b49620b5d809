package io.nodesync;

/**
 * A write was handed to the replication log but no majority confirmed it in time: it may or may not take effect
 * later. A {@link QuorumNotReachedException} whose {@link #outcomeUnknown()} is always {@code true}, so callers that
 * only care about "no quorum" catch the superclass, and callers that must reconcile catch this one. Immutable once
 * thrown.
 */
public class OutcomeUnknownException extends QuorumNotReachedException {
    private static final long serialVersionUID = 1L;

    /** @param detail what happened, appended to "quorum not reached" */
    public OutcomeUnknownException(String detail) {
        super(detail, true);
    }
}
