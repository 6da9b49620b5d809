package io.nodesync.store;

/**
 * A hybrid logical clock (Kulkarni et al., 2014): timestamps that follow physical time where clocks agree and never
 * go backwards or repeat, even when a node's physical clock is behind a timestamp it has seen.
 *
 * <p>A timestamp packs milliseconds in the high 48 bits and a logical counter in the low 16. Pure: physical time is
 * passed in, never read. Not thread-safe (one node loop owns it).
 */
public final class HybridClock {

    /** Bits of the logical counter. */
    public static final int LOGICAL_BITS = 16;

    private long last;

    /** A new timestamp, later than every one issued or observed before. */
    public long next(long physicalMillis) {
        long physical = physicalMillis << LOGICAL_BITS;
        last = Math.max(last + 1, physical);
        return last;
    }

    /** Makes later timestamps exceed {@code timestamp} (a write from elsewhere was seen). */
    public void observe(long timestamp) {
        if (timestamp > last) {
            last = timestamp;
        }
    }

    /** The latest timestamp issued or observed. */
    public long last() {
        return last;
    }

    /** The milliseconds part of a timestamp. */
    public static long millisOf(long timestamp) {
        return timestamp >>> LOGICAL_BITS;
    }
}
