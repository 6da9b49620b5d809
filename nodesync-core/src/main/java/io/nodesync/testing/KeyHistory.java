package io.nodesync.testing;

import io.nodesync.testing.Operation.Kind;
import io.nodesync.testing.Operation.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One key's sub-history compiled into flat arrays for {@link RegisterSearch}: the operations that constrain the
 * register, sorted by invocation, with every value interned to a small int ({@link #ABSENT} = 0) so that a register
 * state is an int and a model step is an int comparison.
 *
 * <p>Operations that cannot constrain anything are left out: {@link Outcome#FAIL} ones (no effect) and reads of
 * unknown outcome (no effect, and no result to explain). Immutable after construction; confined to one thread.
 */
final class KeyHistory {

    static final int ABSENT = 0;

    static final byte READ = 0;
    static final byte WRITE = 1;
    static final byte CAS = 2;

    static final Comparator<Operation> BY_INVOCATION =
            Comparator.comparingLong(Operation::invokedAt).thenComparingLong(Operation::id);

    final String key;
    /** The operations kept, by invocation time then id; index = position in every array below. */
    final Operation[] ops;
    final int size;
    final byte[] kind;
    /** Interned: the value read (READ), written (WRITE) or swapped in (CAS). */
    final int[] value;
    /** Interned: the value a CAS compares against. */
    final int[] expected;
    final boolean[] swapped;
    final boolean[] unknown;
    final long[] invokedAt;
    final long[] completedAt;
    /** Interned values are {@code 0 .. valueCount - 1}; {@code valueCount} itself is a value no operation mentions. */
    final int valueCount;
    final int definiteCount;

    private KeyHistory(String key, List<Operation> kept) {
        this.key = key;
        this.ops = kept.toArray(new Operation[0]);
        this.size = ops.length;
        this.kind = new byte[size];
        this.value = new int[size];
        this.expected = new int[size];
        this.swapped = new boolean[size];
        this.unknown = new boolean[size];
        this.invokedAt = new long[size];
        this.completedAt = new long[size];
        Map<String, Integer> interned = new HashMap<>();
        int definite = 0;
        for (int i = 0; i < size; i++) {
            Operation op = ops[i];
            kind[i] = switch (op.kind()) {
                case READ -> READ;
                case WRITE -> WRITE;
                case CAS -> CAS;
            };
            value[i] = intern(interned, op.value());
            expected[i] = op.kind() == Kind.CAS ? intern(interned, op.expected()) : ABSENT;
            swapped[i] = op.swapped();
            unknown[i] = op.outcome() == Outcome.UNKNOWN;
            invokedAt[i] = op.invokedAt();
            // An unknown operation may take effect at any time after its invocation: it never "returns".
            completedAt[i] = unknown[i] ? Long.MAX_VALUE : op.completedAt();
            if (!unknown[i]) {
                definite++;
            }
        }
        this.valueCount = interned.size() + 1;
        this.definiteCount = definite;
    }

    /** Compiles the operations of one key (all must have that key); FAIL ops and unknown reads are dropped. */
    static KeyHistory of(String key, List<Operation> operations) {
        List<Operation> kept = new ArrayList<>(operations.size());
        for (Operation op : operations) {
            if (!op.key().equals(key)) {
                throw new IllegalArgumentException("operation " + op + " is not on key " + key);
            }
            if (constrains(op)) {
                kept.add(op);
            }
        }
        kept.sort(BY_INVOCATION);
        return new KeyHistory(key, kept);
    }

    /** Whether the operation can make a history non-linearizable (FAIL ops and unknown reads cannot). */
    static boolean constrains(Operation op) {
        return op.outcome() == Outcome.OK || (op.outcome() == Outcome.UNKNOWN && op.kind() != Kind.READ);
    }

    private static int intern(Map<String, Integer> interned, String value) {
        if (value == null) {
            return ABSENT;
        }
        Integer id = interned.get(value);
        if (id == null) {
            id = interned.size() + 1;
            interned.put(value, id);
        }
        return id;
    }

    /** Every state worth trying as an unknown initial value: absent, each value mentioned, and one never mentioned. */
    int[] candidateInitialStates() {
        int[] states = new int[valueCount + 1];
        for (int i = 0; i <= valueCount; i++) {
            states[i] = i;
        }
        return states;
    }
}
