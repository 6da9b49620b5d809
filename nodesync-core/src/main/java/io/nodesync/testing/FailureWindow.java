package io.nodesync.testing;

import io.nodesync.testing.Operation.Outcome;
import io.nodesync.testing.RegisterSearch.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Explains why one key's history is not linearizable with a small window of operations, in two steps.
 *
 * <p><b>1. The shortest failing prefix.</b> The history cut at time {@code t} keeps the operations invoked at or
 * before {@code t}; those that completed by {@code t} keep their result, those still running at {@code t} become of
 * unknown outcome (a read still running is dropped: it has no effect). Cutting later can only add constraints, so
 * whether the cut is linearizable flips at most once as {@code t} grows, and a binary search over the completion
 * times finds the earliest {@code t*} at which it is not. The operation(s) completing at {@code t*} are the
 * <em>culprits</em>: with them the history can no longer be explained, without them it can.
 *
 * <p><b>2. The window.</b> From that prefix, the window at start point {@code s} holds every operation that had not
 * completed before {@code s} (completed at or after {@code s}, still running at {@code t*}, or of unknown outcome).
 * Starting with {@code s} = the culprits' earliest invocation and stepping back one completion time at a time (at
 * most {@value #MAX_STEPS_BACK} times), the window reported is the first one that cannot be linearized from
 * <em>any</em> initial value of the register: it holds the whole contradiction on its own. If none is found, the
 * window is the whole prefix (which is not linearizable from the absent initial value). Either way it contains the
 * culprits.
 *
 * <p>Every search here shares the key's {@link SearchAllowance}; when it runs out, the best answer found so far is
 * reported (at worst the whole history of the key). Confined to one thread.
 */
final class FailureWindow {

    static final int MAX_STEPS_BACK = 64;

    /** The operations reported, as given to the checker (not as truncated), by invocation; and the culprits. */
    record Explanation(List<Operation> window, List<Operation> culprits, long failsAt) {
    }

    private FailureWindow() {
    }

    /** Explains a history already known not to be linearizable. */
    static Explanation explain(String key, List<Operation> keyOps, SearchAllowance allowance) {
        List<Operation> ops = new ArrayList<>();
        for (Operation op : keyOps) {
            if (KeyHistory.constrains(op)) {
                ops.add(op);
            }
        }
        ops.sort(KeyHistory.BY_INVOCATION);
        long[] cuts = ops.stream()
                .filter(op -> op.outcome() == Outcome.OK)
                .mapToLong(Operation::completedAt)
                .distinct()
                .sorted()
                .toArray();
        if (cuts.length == 0) {
            return new Explanation(ops, List.of(), Long.MAX_VALUE); // nothing completed: cannot fail; be defensive
        }

        // Invariant: cutting at cuts[high] fails (true of the last cut, which keeps the whole history).
        int low = 0;
        int high = cuts.length - 1;
        while (low < high && !allowance.exceeded()) {
            int middle = (low + high) >>> 1;
            Verdict verdict = RegisterSearch.check(KeyHistory.of(key, cut(ops, cuts[middle])), allowance);
            if (verdict == Verdict.NOT_LINEARIZABLE) {
                high = middle;
            } else if (verdict == Verdict.LINEARIZABLE) {
                low = middle + 1;
            }
        }
        long failsAt = cuts[high];
        List<Operation> prefix = new ArrayList<>();
        List<Operation> culprits = new ArrayList<>();
        for (Operation op : ops) {
            if (op.invokedAt() <= failsAt) {
                prefix.add(op);
                if (op.outcome() == Outcome.OK && op.completedAt() == failsAt) {
                    culprits.add(op);
                }
            }
        }
        return new Explanation(selfContainedWindow(key, prefix, culprits, failsAt, allowance), culprits, failsAt);
    }

    private static List<Operation> selfContainedWindow(
            String key, List<Operation> prefix, List<Operation> culprits, long failsAt, SearchAllowance allowance) {
        long start = culprits.stream().mapToLong(Operation::invokedAt).min().orElse(failsAt);
        TreeSet<Long> earlierCompletions = new TreeSet<>();
        for (Operation op : prefix) {
            if (op.outcome() == Outcome.OK && op.completedAt() < start) {
                earlierCompletions.add(op.completedAt());
            }
        }
        Long candidate = start;
        for (int step = 0; step <= MAX_STEPS_BACK && candidate != null && !allowance.exceeded(); step++) {
            long from = candidate;
            List<Operation> window = new ArrayList<>();
            for (Operation op : prefix) {
                if (op.outcome() != Outcome.OK || op.completedAt() >= from) {
                    window.add(op);
                }
            }
            if (failsFromEveryInitialValue(key, cut(window, failsAt), allowance)) {
                return window;
            }
            candidate = earlierCompletions.lower(from);
        }
        return prefix;
    }

    private static boolean failsFromEveryInitialValue(String key, List<Operation> ops, SearchAllowance allowance) {
        KeyHistory history = KeyHistory.of(key, ops);
        for (int initial : history.candidateInitialStates()) {
            if (RegisterSearch.check(history, initial, allowance) != Verdict.NOT_LINEARIZABLE) {
                return false;
            }
        }
        return true;
    }

    /** The history as known at time {@code at}: see the class comment. */
    static List<Operation> cut(List<Operation> ops, long at) {
        List<Operation> cut = new ArrayList<>(ops.size());
        for (Operation op : ops) {
            if (op.invokedAt() > at) {
                continue;
            }
            if (op.outcome() == Outcome.OK && op.completedAt() <= at) {
                cut.add(op);
            } else if (op.kind() != Operation.Kind.READ) {
                cut.add(new Operation(op.id(), op.client(), op.key(), op.kind(), op.value(), op.expected(), false,
                        op.invokedAt(), Long.MAX_VALUE, Outcome.UNKNOWN));
            }
        }
        return cut;
    }
}
