package io.nodesync.store;

/**
 * Remembers which sequence numbers of one client session were applied, so that a strong command that reached the
 * log twice (a retry, or a duplicated message) takes effect once.
 *
 * <p>Exact for the last {@link #WIDTH} sequence numbers; everything at or below the floor counts as done (applied,
 * or abandoned by an origin that never retries that far back). The origin node never re-sends a command more than
 * {@code WIDTH / 2} numbers behind its newest, so the approximation never matters.
 */
final class AppliedWindow {

    /** How many sequence numbers above the floor are tracked exactly. */
    static final int WIDTH = 1 << 16;

    private long floor;
    private final long[] bits = new long[WIDTH / 64];

    /** Whether {@code seq} was applied (or is too old to tell, which counts as applied). */
    boolean contains(long seq) {
        if (seq <= floor) {
            return true;
        }
        if (seq > floor + WIDTH) {
            return false;
        }
        int slot = slot(seq);
        return (bits[slot >>> 6] & (1L << slot)) != 0;
    }

    /** Records {@code seq} as applied; it must not be {@linkplain #contains contained} yet. */
    void add(long seq) {
        if (seq > floor + WIDTH) {
            long newFloor = seq - WIDTH;
            // Slide: numbers leaving the window count as done; clear their bits for reuse.
            for (long s = floor + 1; s <= Math.min(newFloor, floor + WIDTH); s++) {
                clear(s);
            }
            floor = newFloor;
        }
        int slot = slot(seq);
        bits[slot >>> 6] |= 1L << slot;
        // Keep the floor as high as the contiguous run allows, so the window rarely needs to slide.
        while (contains(floor + 1)) {
            clear(floor + 1);
            floor++;
        }
    }

    private void clear(long seq) {
        int slot = slot(seq);
        bits[slot >>> 6] &= ~(1L << slot);
    }

    private static int slot(long seq) {
        return (int) (seq & (WIDTH - 1));
    }
}
