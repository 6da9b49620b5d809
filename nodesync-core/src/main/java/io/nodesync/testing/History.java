package io.nodesync.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/** Placeholder until the checker lands: records operations. */
public final class History {
    private final LongSupplier clock;
    private final List<Operation> ops = new ArrayList<>();

    public History(LongSupplier clock) {
        this.clock = clock;
    }

    public synchronized long invoke(int client, String key, Operation.Kind kind, String value, String expected) {
        ops.add(new Operation(ops.size(), client, key, kind, value, expected, false, clock.getAsLong(), Long.MAX_VALUE,
                Operation.Outcome.UNKNOWN));
        return ops.size() - 1;
    }

    private void complete(long handle, String value, boolean swapped, Operation.Outcome outcome) {
        Operation op = ops.get((int) handle);
        ops.set((int) handle, new Operation(op.id(), op.client(), op.key(), op.kind(), value, op.expected(), swapped,
                op.invokedAt(), outcome == Operation.Outcome.UNKNOWN ? Long.MAX_VALUE : clock.getAsLong(), outcome));
    }

    public synchronized void ok(long handle) {
        complete(handle, ops.get((int) handle).value(), false, Operation.Outcome.OK);
    }

    public synchronized void okRead(long handle, String value) {
        complete(handle, value, false, Operation.Outcome.OK);
    }

    public synchronized void okCas(long handle, boolean swapped) {
        complete(handle, ops.get((int) handle).value(), swapped, Operation.Outcome.OK);
    }

    public synchronized void fail(long handle) {
        complete(handle, ops.get((int) handle).value(), false, Operation.Outcome.FAIL);
    }

    public synchronized void unknown(long handle) {
        complete(handle, ops.get((int) handle).value(), false, Operation.Outcome.UNKNOWN);
    }

    public synchronized List<Operation> operations() {
        return List.copyOf(ops);
    }
}
