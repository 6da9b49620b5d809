package io.nodesync.runtime;

/**
 * The only source of time a node uses: the system clock in production, a virtual clock under simulation.
 * Implementations must be thread-safe.
 */
public interface Clock {

    /** A monotonic reading in nanoseconds, for ticks and timeouts. Only differences are meaningful. */
    long nanoTime();

    /** Wall-clock milliseconds since the epoch, for hybrid logical clock timestamps. */
    long currentTimeMillis();

    /** The system clock. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
