package io.nodesync.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.testing.Operation.Kind;
import io.nodesync.testing.Operation.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The search prunes hard (memoization, forced reads, interchangeable and overwritten unknown operations), and every
 * pruning must keep it exact. This compares it with a naive enumeration on thousands of small random histories,
 * both made-up ones (mostly not linearizable) and ones produced by a real register with their results perturbed
 * (mostly linearizable, some not), with few values so that many histories are ambiguous. Fixed seeds.
 */
class CheckerAgainstBruteForceTest {

    private static final int HISTORIES = 3_000;

    @Test
    void agreesWithTheNaiveEnumerationOnRandomHistories() {
        List<String> disagreements = new ArrayList<>();
        int linearizable = 0;
        for (int seed = 0; seed < HISTORIES; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            List<Operation> history = seed % 2 == 0 ? madeUp(random) : fromARegister(random);
            boolean expected = BruteForceLinearizability.isLinearizable(history);
            boolean actual = LinearizabilityChecker.check(history).linearizable();
            if (expected) {
                linearizable++;
            }
            if (expected != actual) {
                disagreements.add("seed " + seed + ": expected " + expected + " for " + history);
            }
        }
        assertThat(disagreements).isEmpty();
        // Both verdicts must be well represented, or the comparison proves little.
        assertThat(linearizable).isBetween(HISTORIES / 5, HISTORIES * 4 / 5);
    }

    @Test
    void everyFailureWindowIsNotLinearizableAndHoldsItsCulprits() {
        int failures = 0;
        for (int seed = 0; seed < HISTORIES; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            List<Operation> history = seed % 2 == 0 ? madeUp(random) : fromARegister(random);
            CheckResult result = LinearizabilityChecker.check(history);
            if (result.linearizable()) {
                continue;
            }
            failures++;
            assertThat(result.culprits()).as("seed %d", seed).isNotEmpty();
            assertThat(result.window()).as("seed %d", seed).containsAll(result.culprits());
            assertThat(history).as("seed %d", seed).containsAll(result.window());
            assertThat(BruteForceLinearizability.isLinearizable(result.window())).as("seed %d", seed).isFalse();
        }
        assertThat(failures).isGreaterThan(HISTORIES / 5);
    }

    @Test
    void agreesWithTheNaiveEnumerationWhenManyOutcomesAreUnknown() {
        // Unknown operations are where the pruning is subtlest (interchangeable twins, overwrites, subsumption).
        List<String> disagreements = new ArrayList<>();
        int linearizable = 0;
        for (int seed = 0; seed < HISTORIES; seed++) {
            SplittableRandom random = new SplittableRandom(1_000_000 + seed);
            List<Operation> history = new ArrayList<>(madeUp(random, 6));
            int unknowns = 1 + random.nextInt(4);
            for (int i = 0; i < unknowns; i++) {
                Kind kind = random.nextBoolean() ? Kind.WRITE : Kind.CAS;
                history.add(new Operation(100 + i, 100 + i, "x", kind, value(random),
                        kind == Kind.CAS ? value(random) : null, false, random.nextInt(20), Long.MAX_VALUE,
                        Outcome.UNKNOWN));
            }
            boolean expected = BruteForceLinearizability.isLinearizable(history);
            if (expected) {
                linearizable++;
            }
            if (expected != LinearizabilityChecker.check(history).linearizable()) {
                disagreements.add("seed " + seed + ": expected " + expected + " for " + history);
            }
        }
        assertThat(disagreements).isEmpty();
        assertThat(linearizable).isBetween(HISTORIES / 5, HISTORIES * 4 / 5);
    }

    private static List<Operation> madeUp(SplittableRandom random) {
        return madeUp(random, 7);
    }

    /** Random operations with random results and overlapping intervals. */
    private static List<Operation> madeUp(SplittableRandom random, int maxCount) {
        int count = 1 + random.nextInt(maxCount);
        List<Operation> ops = new ArrayList<>();
        for (int id = 0; id < count; id++) {
            long invokedAt = random.nextInt(20);
            long completedAt = invokedAt + random.nextInt(10);
            ops.add(randomOperation(random, id, invokedAt, completedAt, value(random), random.nextBoolean()));
        }
        return ops;
    }

    /** Operations run against a real register at a random instant of their interval, then some results changed. */
    private static List<Operation> fromARegister(SplittableRandom random) {
        int count = 1 + random.nextInt(8);
        long[] invoked = new long[count];
        long[] effective = new long[count];
        long[] completed = new long[count];
        for (int i = 0; i < count; i++) {
            invoked[i] = random.nextInt(20);
            completed[i] = invoked[i] + random.nextInt(10);
            effective[i] = invoked[i] + random.nextInt((int) (completed[i] - invoked[i]) + 1);
        }
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingLong(i -> effective[i]));
        Operation[] ops = new Operation[count];
        String register = null;
        for (int i : order) {
            Operation planned = randomOperation(random, i, invoked[i], completed[i], null, false);
            boolean happened = planned.outcome() != Outcome.FAIL
                    && (planned.outcome() == Outcome.OK || random.nextBoolean());
            String read = planned.kind() == Kind.READ && planned.outcome() == Outcome.OK ? register : null;
            boolean swapped = false;
            if (happened && planned.kind() == Kind.WRITE) {
                register = planned.value();
            } else if (happened && planned.kind() == Kind.CAS) {
                swapped = java.util.Objects.equals(planned.expected(), register);
                if (swapped) {
                    register = planned.value();
                }
            }
            String value = planned.kind() == Kind.READ ? read : planned.value();
            boolean reportedSwap = swapped && planned.outcome() == Outcome.OK;
            ops[i] = new Operation(i, i, "x", planned.kind(), value, planned.expected(), reportedSwap,
                    planned.invokedAt(), planned.completedAt(), planned.outcome());
        }
        List<Operation> history = new ArrayList<>(List.of(ops));
        if (random.nextInt(3) == 0) {
            int victim = random.nextInt(count);
            Operation op = history.get(victim);
            if (op.outcome() == Outcome.OK) {
                String value = op.kind() == Kind.READ ? value(random) : op.value();
                boolean swapped = op.kind() == Kind.CAS && !op.swapped();
                history.set(victim, new Operation(op.id(), op.client(), op.key(), op.kind(), value, op.expected(),
                        swapped, op.invokedAt(), op.completedAt(), op.outcome()));
            }
        }
        return history;
    }

    private static Operation randomOperation(SplittableRandom random, int id, long invokedAt, long completedAt,
            String readValue, boolean swapped) {
        Kind kind = Kind.values()[random.nextInt(3)];
        int fate = random.nextInt(10);
        Outcome outcome = fate < 7 ? Outcome.OK : fate < 9 ? Outcome.UNKNOWN : Outcome.FAIL;
        String value = kind == Kind.READ ? (outcome == Outcome.OK ? readValue : null) : value(random);
        String expected = kind == Kind.CAS ? value(random) : null;
        return new Operation(id, id, "x", kind, value, expected, kind == Kind.CAS && outcome == Outcome.OK && swapped,
                invokedAt, outcome == Outcome.UNKNOWN ? Long.MAX_VALUE : completedAt, outcome);
    }

    /** Few values, absent included, so that results are often ambiguous. */
    private static String value(SplittableRandom random) {
        int v = random.nextInt(4);
        return v == 0 ? null : Integer.toString(v);
    }
}
