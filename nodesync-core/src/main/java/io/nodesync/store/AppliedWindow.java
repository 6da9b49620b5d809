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

    /** An independent copy, for a snapshot image. */
    AppliedWindow copy() {
        AppliedWindow copy = new AppliedWindow();
        copy.floor = floor;
        System.arraycopy(bits, 0, copy.bits, 0, bits.length);
        return copy;
    }

    /** Everything at or below this counts as applied. */
    long floor() {
        return floor;
    }

    /** The sequence numbers above the floor that were applied, ascending. */
    long[] appliedAboveFloor() {
        long[] found = new long[16];
        int count = 0;
        for (long seq = floor + 1; seq <= floor + WIDTH; seq++) {
            int slot = slot(seq);
            long word = bits[slot >>> 6];
            if (word == 0 && (slot & 63) == 0) {
                seq += 63; // skip an empty word at once
                continue;
            }
            if ((word & (1L << slot)) != 0) {
                if (count == found.length) {
                    found = java.util.Arrays.copyOf(found, count * 2);
                }
                found[count++] = seq;
            }
        }
        return java.util.Arrays.copyOf(found, count);
    }

    /** A window restored from its {@link #floor()} and {@link #appliedAboveFloor()}. */
    static AppliedWindow restore(long floor, long[] appliedAboveFloor) {
        AppliedWindow window = new AppliedWindow();
        window.floor = floor;
        for (long seq : appliedAboveFloor) {
            if (seq <= floor || seq > floor + WIDTH) {
                throw new IllegalArgumentException("applied seq " + seq + " outside the window above " + floor);
            }
            int slot = slot(seq);
            window.bits[slot >>> 6] |= 1L << slot;
        }
        return window;
    }

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
