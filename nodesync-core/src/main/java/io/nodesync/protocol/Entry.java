package io.nodesync.protocol;

import java.util.Objects;

/**
 * One entry of the replicated log. Immutable.
 *
 * @param index its position, from 1
 * @param term the term of the leader that created it
 * @param command what it asks the state machine to do
 */
public record Entry(long index, long term, Command command) {
    /** Checks index and term are positive. */
    public Entry {
        if (index <= 0 || term <= 0) {
            throw new IllegalArgumentException("entry index and term must be positive: " + index + "/" + term);
        }
        Objects.requireNonNull(command, "command");
    }
}
