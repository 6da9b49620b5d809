package io.nodesync.testing;

import io.nodesync.testing.Operation.Kind;
import io.nodesync.testing.Operation.Outcome;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds hand-made histories for tests, one operation per call, ids in call order. Times are explicit so that each
 * test states exactly which operations overlap. Not thread-safe.
 */
final class Ops {

    private final List<Operation> operations = new ArrayList<>();
    private String key = "x";

    /** The key the following operations use (default {@code "x"}). */
    Ops on(String key) {
        this.key = key;
        return this;
    }

    Operation write(String value, long invokedAt, long completedAt) {
        return add(Kind.WRITE, value, null, false, invokedAt, completedAt, Outcome.OK);
    }

    Operation read(String valueRead, long invokedAt, long completedAt) {
        return add(Kind.READ, valueRead, null, false, invokedAt, completedAt, Outcome.OK);
    }

    Operation cas(String expected, String value, boolean swapped, long invokedAt, long completedAt) {
        return add(Kind.CAS, value, expected, swapped, invokedAt, completedAt, Outcome.OK);
    }

    Operation unknownWrite(String value, long invokedAt) {
        return add(Kind.WRITE, value, null, false, invokedAt, Long.MAX_VALUE, Outcome.UNKNOWN);
    }

    Operation unknownCas(String expected, String value, long invokedAt) {
        return add(Kind.CAS, value, expected, false, invokedAt, Long.MAX_VALUE, Outcome.UNKNOWN);
    }

    Operation failedWrite(String value, long invokedAt, long completedAt) {
        return add(Kind.WRITE, value, null, false, invokedAt, completedAt, Outcome.FAIL);
    }

    List<Operation> all() {
        return List.copyOf(operations);
    }

    private Operation add(Kind kind, String value, String expected, boolean swapped, long invokedAt,
            long completedAt, Outcome outcome) {
        int id = operations.size();
        Operation op = new Operation(id, id, key, kind, value, expected, swapped, invokedAt, completedAt, outcome);
        operations.add(op);
        return op;
    }
}
