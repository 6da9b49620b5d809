package io.nodesync.testing;

import io.nodesync.testing.Operation.Kind;
import io.nodesync.testing.Operation.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A reference for tiny single-key histories, as naive as possible so it can be trusted: try every order of every
 * subset of operations straight from the definition, with no pruning and no memo. An order is valid when each
 * operation comes after every operation that completed before it was invoked, every OK operation's result matches
 * the register, every OK operation is included, FAIL operations are left out, and operations of unknown outcome are
 * included or not (a CAS of unknown outcome swaps if it matches; a read of unknown outcome shows nothing).
 */
final class BruteForceLinearizability {

    private BruteForceLinearizability() {
    }

    static boolean isLinearizable(List<Operation> history) {
        List<Operation> candidates = new ArrayList<>();
        for (Operation op : history) {
            if (op.outcome() != Outcome.FAIL) {
                candidates.add(op);
            }
        }
        return extend(candidates, new boolean[candidates.size()], null, new ArrayList<>());
    }

    private static boolean extend(List<Operation> ops, boolean[] placed, String state, List<Operation> order) {
        boolean allOkPlaced = true;
        for (int i = 0; i < ops.size(); i++) {
            if (!placed[i] && ops.get(i).outcome() == Outcome.OK) {
                allOkPlaced = false;
            }
        }
        if (allOkPlaced) {
            return true; // the unknown operations left are the ones that never happened
        }
        for (int i = 0; i < ops.size(); i++) {
            if (placed[i] || !mayGoNext(ops, placed, i)) {
                continue;
            }
            Operation op = ops.get(i);
            String after = apply(op, state);
            if (after == INVALID) {
                continue;
            }
            placed[i] = true;
            order.add(op);
            boolean found = extend(ops, placed, after, order);
            placed[i] = false;
            order.remove(order.size() - 1);
            if (found) {
                return true;
            }
        }
        return false;
    }

    /** No unplaced operation (other than {@code i}) completed before {@code i} was invoked. */
    private static boolean mayGoNext(List<Operation> ops, boolean[] placed, int i) {
        for (int j = 0; j < ops.size(); j++) {
            if (j != i && !placed[j] && ops.get(j).outcome() == Outcome.OK
                    && ops.get(j).completedAt() < ops.get(i).invokedAt()) {
                return false;
            }
        }
        return true;
    }

    private static final String INVALID = new String("invalid");

    private static String apply(Operation op, String state) {
        boolean known = op.outcome() == Outcome.OK;
        if (op.kind() == Kind.READ) {
            return !known || Objects.equals(op.value(), state) ? state : INVALID;
        }
        if (op.kind() == Kind.WRITE) {
            return op.value();
        }
        boolean matches = Objects.equals(op.expected(), state);
        if (!known) {
            return matches ? op.value() : state;
        }
        if (op.swapped()) {
            return matches ? op.value() : INVALID;
        }
        return matches ? INVALID : state;
    }
}
