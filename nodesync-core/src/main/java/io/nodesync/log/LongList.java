package io.nodesync.log;

import java.util.Arrays;

/** A growable array of {@code long}s without boxing, kept alongside the in-memory entries (one value per entry). */
final class LongList {

    private long[] values = new long[64];
    private int size;

    int size() {
        return size;
    }

    long get(int position) {
        if (position < 0 || position >= size) {
            throw new IndexOutOfBoundsException("position " + position + " of " + size);
        }
        return values[position];
    }

    long last() {
        return get(size - 1);
    }

    void add(long value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, values.length * 2);
        }
        values[size++] = value;
    }

    /** Keeps the first {@code newSize} values. */
    void truncate(int newSize) {
        if (newSize < 0 || newSize > size) {
            throw new IndexOutOfBoundsException("truncate to " + newSize + " of " + size);
        }
        size = newSize;
    }

    /** Drops the first {@code count} values. */
    void removeFirst(int count) {
        if (count < 0 || count > size) {
            throw new IndexOutOfBoundsException("remove " + count + " of " + size);
        }
        System.arraycopy(values, count, values, 0, size - count);
        size -= count;
    }

    void clear() {
        size = 0;
    }
}
