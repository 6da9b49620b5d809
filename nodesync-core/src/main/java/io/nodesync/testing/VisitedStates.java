package io.nodesync.testing;

import java.util.Arrays;

/**
 * Lowe's memoization for the Wing &amp; Gong search, strengthened by subsumption: the configurations already explored,
 * each a set of operations placed so far plus the register state. Two search paths that placed the same
 * operations and reached the same state have the same future, so the second is cut at once. Beyond Lowe: placing
 * an operation of unknown outcome only ever removes options (it could also have stayed unplaced), so a
 * configuration is also cut when one with the same known-outcome operations and state, and a <em>subset</em> of its
 * unknown-outcome operations, was seen. Without that, every subset of the unknown operations a history can absorb
 * is a separate configuration, and proving a long history with many timeouts not linearizable runs out of memory.
 *
 * <p>Entries are keyed by (known-outcome set, state) in an open-addressing table on a 64-bit hash the caller
 * maintains incrementally (Zobrist: XOR of one random word per placed operation, mixed with the state); each entry
 * chains the unknown-outcome sets seen with it. Every set lives in one of two flat {@code long[]} slabs, not one
 * array per configuration, so millions of configurations do not keep the garbage collector busy. Confined to one
 * thread.
 */
final class VisitedStates {

    private final int unknownWords;

    private long[] hashes;
    private int[] states;
    /** Where each entry's known-outcome set starts in {@link #knownSlab}, plus one; 0 marks an empty slot. */
    private int[] starts;
    private int[] lengths;
    /** Each entry's first unknown-outcome set in {@link #unknownSlab}, plus one. */
    private int[] unknownChains;
    private int size;
    private int mask;

    private long[] knownSlab;
    private int knownUsed;
    /** Chained nodes: [index of the next node plus one (0 = none), then {@link #unknownWords} words]. */
    private long[] unknownSlab;
    private int unknownUsed;

    VisitedStates(int expected, int unknownWords) {
        this.unknownWords = unknownWords;
        allocateTable(Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1);
        knownSlab = new long[Math.max(64, expected * 4)];
        unknownSlab = new long[Math.max(64, expected * (unknownWords + 1))];
    }

    /**
     * Adds the configuration unless it is subsumed; returns false if it was. The known-outcome set is
     * {@code known[0 .. knownLength)} in a canonical encoding (equal sets, equal words); {@code unknown} is the
     * bitset of unknown-outcome operations placed. Both are copied when added.
     */
    boolean add(long hash, long[] known, int knownLength, long[] unknown, int state) {
        int slot = (int) hash & mask;
        while (starts[slot] != 0) {
            int start = starts[slot] - 1;
            if (hashes[slot] == hash && states[slot] == state && lengths[slot] == knownLength
                    && Arrays.equals(knownSlab, start, start + knownLength, known, 0, knownLength)) {
                if (anySubsetOf(unknownChains[slot], unknown)) {
                    return false;
                }
                unknownChains[slot] = appendUnknown(unknown, unknownChains[slot]);
                return true;
            }
            slot = (slot + 1) & mask;
        }
        knownSlab = ensure(knownSlab, knownUsed + knownLength);
        System.arraycopy(known, 0, knownSlab, knownUsed, knownLength);
        hashes[slot] = hash;
        states[slot] = state;
        starts[slot] = knownUsed + 1;
        lengths[slot] = knownLength;
        unknownChains[slot] = appendUnknown(unknown, 0);
        knownUsed += knownLength;
        if (++size * 2 > hashes.length) {
            grow();
        }
        return true;
    }

    /** Words held, to keep a search within its memory allowance. */
    long wordsUsed() {
        return knownUsed + unknownUsed + 4L * hashes.length;
    }

    private boolean anySubsetOf(int chain, long[] unknown) {
        for (int node = chain; node != 0; node = (int) unknownSlab[node - 1]) {
            int words = node; // the node's words follow its link
            boolean subset = true;
            for (int w = 0; w < unknownWords && subset; w++) {
                subset = (unknownSlab[words + w] & ~unknown[w]) == 0;
            }
            if (subset) {
                return true;
            }
        }
        return false;
    }

    /** Stores the set as a new node in front of {@code chain}; returns the new chain head. */
    private int appendUnknown(long[] unknown, int chain) {
        unknownSlab = ensure(unknownSlab, unknownUsed + 1 + unknownWords);
        int node = unknownUsed;
        unknownSlab[node] = chain;
        System.arraycopy(unknown, 0, unknownSlab, node + 1, unknownWords);
        unknownUsed += 1 + unknownWords;
        return node + 1;
    }

    /** Fresh, empty open-addressing arrays of {@code capacity} slots (a power of two). */
    private void allocateTable(int capacity) {
        hashes = new long[capacity];
        states = new int[capacity];
        starts = new int[capacity];
        lengths = new int[capacity];
        unknownChains = new int[capacity];
        mask = capacity - 1;
    }

    private static long[] ensure(long[] slab, int needed) {
        if (needed <= slab.length) {
            return slab;
        }
        long grown = Math.max((long) slab.length * 2, needed);
        if (grown > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("linearizability search exceeded its memory; lower the budget");
        }
        return Arrays.copyOf(slab, (int) grown);
    }

    private void grow() {
        long[] oldHashes = hashes;
        int[] oldStates = states;
        int[] oldStarts = starts;
        int[] oldLengths = lengths;
        int[] oldChains = unknownChains;
        allocateTable(oldHashes.length * 2);
        for (int i = 0; i < oldStarts.length; i++) {
            if (oldStarts[i] != 0) {
                int slot = (int) oldHashes[i] & mask;
                while (starts[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                hashes[slot] = oldHashes[i];
                states[slot] = oldStates[i];
                starts[slot] = oldStarts[i];
                lengths[slot] = oldLengths[i];
                unknownChains[slot] = oldChains[i];
            }
        }
    }
}
