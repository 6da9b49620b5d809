package io.nodesync.testing;

import io.nodesync.testing.CheckResult.Verdict;
import io.nodesync.testing.Operation.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;

/**
 * Checks that a history of strong-mode operations ({@link Operation}, recorded by {@link History}) is linearizable:
 * that every operation can be given a point inside its real-time interval at which it took effect atomically, so
 * that the results agree with one register per key. Every key starts absent.
 *
 * <p>Linearizability is compositional (Herlihy &amp; Wing's locality; porcupine's "P-compositionality"): a history is
 * linearizable iff each key's sub-history is. So keys are checked independently, in parallel, each with the
 * Wing &amp; Gong search and Lowe's memoization ({@code RegisterSearch}). The register model:
 * <ul>
 *   <li>a read returns the current value ({@code null} = absent);
 *   <li>a write sets it;
 *   <li>a CAS that reports {@code swapped} set the value from {@code expected} to {@code value}; one that reports
 *       not swapped found a value different from {@code expected} and changed nothing;
 *   <li>an operation of {@link Outcome#UNKNOWN} outcome took effect at some point after its invocation, or never
 *       (a CAS of unknown outcome swapped if the value matched at that point);
 *   <li>operations of {@link Outcome#FAIL} outcome had no effect and are ignored.
 * </ul>
 *
 * <p>Deciding linearizability is NP-complete, so each key has a {@link Budget} (steps and time); a key that exceeds
 * it makes the verdict {@link Verdict#UNKNOWN} instead of hanging, unless another key is found failing. On a
 * failure, the failing key's history is analysed further to report a small window ({@link CheckResult#window()}).
 *
 * <p>Stateless and thread-safe. Each call uses its own pool of {@code parallelism} threads (default: the number of
 * available processors) and returns when every key is decided.
 */
public final class LinearizabilityChecker {

    /**
     * The most one key may cost: search {@code stepsPerKey} steps (one step = one candidate tried or one backtrack)
     * and {@code timePerKey} of wall-clock time, whichever runs out first. The failure analysis of a failing key gets
     * a second budget of the same size. Steps make a verdict reproducible; time is a safety net.
     */
    public record Budget(Duration timePerKey, long stepsPerKey) {

        /** Generous: real histories take far less; a pathological key gives up after a minute. */
        public static final Budget DEFAULT = new Budget(Duration.ofMinutes(1), 2_000_000_000L);

        public Budget {
            Objects.requireNonNull(timePerKey, "timePerKey");
            if (timePerKey.isNegative() || timePerKey.isZero() || stepsPerKey <= 0) {
                throw new IllegalArgumentException("a budget must be positive: " + timePerKey + ", " + stepsPerKey);
            }
        }

        /** Only a step limit (and a very long time limit): deterministic, for tests. */
        public static Budget steps(long stepsPerKey) {
            return new Budget(Duration.ofDays(1), stepsPerKey);
        }
    }

    private LinearizabilityChecker() {
    }

    /** Checks with {@link Budget#DEFAULT}, one thread per available processor. */
    public static CheckResult check(Collection<Operation> operations) {
        return check(operations, Budget.DEFAULT);
    }

    /** Checks with the given budget, one thread per available processor. */
    public static CheckResult check(Collection<Operation> operations, Budget budget) {
        return check(operations, budget, Runtime.getRuntime().availableProcessors());
    }

    /** Checks with the given budget on {@code parallelism} threads (1: on the calling thread only). */
    public static CheckResult check(Collection<Operation> operations, Budget budget, int parallelism) {
        Objects.requireNonNull(budget, "budget");
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
        }
        Map<String, List<Operation>> byKey = new HashMap<>();
        for (Operation op : operations) {
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        List<String> keys = new ArrayList<>(byKey.keySet());
        keys.sort(null); // deterministic report when several keys fail
        List<RegisterSearch.Verdict> verdicts = parallelism == 1 || keys.size() < 2
                ? keys.stream().map(key -> checkKey(key, byKey.get(key), budget)).toList()
                : inPool(parallelism, () -> keys.parallelStream()
                        .map(key -> checkKey(key, byKey.get(key), budget))
                        .toList());

        String undecided = null;
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            if (verdicts.get(i) == RegisterSearch.Verdict.NOT_LINEARIZABLE) {
                FailureWindow.Explanation why =
                        FailureWindow.explain(key, byKey.get(key), new SearchAllowance(budget));
                return new CheckResult(Verdict.NOT_LINEARIZABLE, key, why.window(), why.culprits(), keys.size(),
                        operations.size());
            }
            if (verdicts.get(i) == RegisterSearch.Verdict.BUDGET_EXCEEDED && undecided == null) {
                undecided = key;
            }
        }
        Verdict verdict = undecided == null ? Verdict.LINEARIZABLE : Verdict.UNKNOWN;
        return new CheckResult(verdict, undecided, List.of(), List.of(), keys.size(), operations.size());
    }

    private static RegisterSearch.Verdict checkKey(String key, List<Operation> ops, Budget budget) {
        return RegisterSearch.check(KeyHistory.of(key, ops), new SearchAllowance(budget));
    }

    private static <T> T inPool(int parallelism, java.util.concurrent.Callable<T> task) {
        ForkJoinPool pool = new ForkJoinPool(parallelism);
        try {
            return pool.submit(task).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
