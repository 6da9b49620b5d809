package io.nodesync.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.testing.CheckResult.Verdict;
import io.nodesync.testing.LinearizabilityChecker.Budget;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Hand-made histories whose verdict can be worked out on paper, one rule of the register model per test. */
class LinearizabilityCheckerTest {

    private final Ops ops = new Ops();

    private CheckResult check() {
        return LinearizabilityChecker.check(ops.all());
    }

    @Test
    void anEmptyHistoryIsLinearizable() {
        assertThat(LinearizabilityChecker.check(List.of()).verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Nested
    class RealTimeOrder {

        @Test
        void sequentialOperationsMustTakeEffectInTheirOrder() {
            ops.write("1", 0, 1);
            ops.write("2", 2, 3);
            ops.read("2", 4, 5);
            assertThat(check().linearizable()).isTrue();
        }

        @Test
        void aReadAfterTwoSequentialWritesCannotSeeTheFirst() {
            ops.write("1", 0, 1);
            ops.write("2", 2, 3);
            Operation stale = ops.read("1", 4, 5);
            CheckResult result = check();
            assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThat(result.culprits()).containsExactly(stale);
        }

        @Test
        void aReadConcurrentWithAWriteMaySeeTheOldOrTheNewValue() {
            ops.write("1", 0, 10);
            ops.read(null, 2, 3);
            ops.read("1", 4, 5);
            assertThat(check().linearizable()).isTrue();
        }

        @Test
        void onceAReaderSawTheNewValueALaterReaderCannotSeeTheOld() {
            ops.write("1", 0, 10);
            ops.read("1", 2, 3);
            Operation old = ops.read(null, 4, 5);
            CheckResult result = check();
            assertThat(result.linearizable()).isFalse();
            assertThat(result.culprits()).containsExactly(old);
        }

        @Test
        void aStaleReadAfterAnAcknowledgedWriteFailsAndTheWindowShowsBoth() {
            ops.write("0", 0, 1);
            Operation acknowledged = ops.write("1", 2, 10);
            Operation stale = ops.read("0", 20, 30);
            CheckResult result = check();
            assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThat(result.key()).isEqualTo("x");
            assertThat(result.culprits()).containsExactly(stale);
            assertThat(result.window()).containsExactly(acknowledged, stale);
            assertThat(result.describe()).contains("key 'x'").contains(stale + "   <--");
        }

        @Test
        void operationsTouchingAtAnInstantCountAsConcurrent() {
            // Closed intervals: the read, invoked the instant the write completed, may still precede it.
            ops.write("1", 0, 5);
            ops.read(null, 5, 6);
            assertThat(check().linearizable()).isTrue();
        }
    }

    @Nested
    class Values {

        @Test
        void everyKeyStartsAbsent() {
            ops.read(null, 0, 1);
            assertThat(check().linearizable()).isTrue();
        }

        @Test
        void aReadOfAValueNeverWrittenFails() {
            ops.write("1", 0, 1);
            Operation invented = ops.read("7", 2, 3);
            ops.write("2", 4, 5);
            CheckResult result = check();
            assertThat(result.linearizable()).isFalse();
            assertThat(result.culprits()).containsExactly(invented);
            assertThat(result.window()).contains(invented).doesNotContain(ops.all().get(2));
        }

        @Test
        void writingNullDeletes() {
            ops.write("1", 0, 1);
            ops.write(null, 2, 3);
            ops.read(null, 4, 5);
            assertThat(check().linearizable()).isTrue();
        }
    }

    @Nested
    class CompareAndSet {

        @Test
        void ofTwoConcurrentSwapsFromTheSameValueOnlyOneCanWin() {
            ops.write("0", 0, 1);
            ops.cas("0", "1", true, 2, 5);
            ops.cas("0", "2", true, 3, 6);
            assertThat(check().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        }

        @Test
        void oneWinsAndTheOtherSeesTheWinnersValue() {
            ops.write("0", 0, 1);
            ops.cas("0", "1", true, 2, 5);
            ops.cas("0", "2", false, 3, 6);
            ops.read("1", 7, 8);
            assertThat(check().linearizable()).isTrue();
        }

        @Test
        void bothMayWinIfAConcurrentWriteRestoresTheExpectedValue() {
            ops.write("0", 0, 1);
            ops.cas("0", "1", true, 2, 5);
            ops.cas("0", "2", true, 3, 6);
            ops.write("0", 2, 6);
            assertThat(check().linearizable()).isTrue();
        }

        @Test
        void aCasThatDidNotSwapAssertsTheValueDiffered() {
            ops.write("1", 0, 1);
            Operation liar = ops.cas("1", "2", false, 2, 3);
            CheckResult result = check();
            assertThat(result.linearizable()).isFalse();
            assertThat(result.culprits()).containsExactly(liar);
        }

        @Test
        void aCasOfAnAbsentKeyComparesAgainstNull() {
            ops.cas(null, "1", true, 0, 1);
            ops.cas(null, "2", false, 2, 3);
            ops.read("1", 4, 5);
            assertThat(check().linearizable()).isTrue();
        }
    }

    @Nested
    class UnknownOutcomes {

        @Test
        void aReadOnlyAnUnknownWriteExplainsMeansThatWriteHappened() {
            ops.unknownWrite("1", 0);
            ops.read("1", 5, 6);
            assertThat(check().linearizable()).isTrue();
        }

        @Test
        void anUnknownWriteCannotTakeEffectBeforeItsInvocation() {
            ops.read("1", 0, 1);
            ops.unknownWrite("1", 2);
            assertThat(check().linearizable()).isFalse();
        }

        @Test
        void anUnknownWriteMayNeverHaveHappened() {
            ops.write("0", 0, 1);
            ops.unknownWrite("1", 2);
            ops.read("0", 5, 6);
            ops.read("0", 1_000, 1_001);
            assertThat(check().linearizable()).isTrue();
        }

        @Test
        void anUnknownWriteThatWasSeenCannotUnhappen() {
            ops.write("0", 0, 1);
            ops.unknownWrite("1", 2);
            ops.read("1", 5, 6);
            Operation undone = ops.read("0", 7, 8);
            CheckResult result = check();
            assertThat(result.linearizable()).isFalse();
            assertThat(result.culprits()).containsExactly(undone);
        }

        @Test
        void anUnknownCasTakesEffectOnlyIfItsComparisonHolds() {
            ops.write("1", 0, 1);
            ops.unknownCas("1", "2", 2);
            ops.read("2", 3, 4);
            assertThat(check().linearizable()).isTrue();

            Ops mismatched = new Ops();
            mismatched.write("1", 0, 1);
            mismatched.unknownCas("5", "2", 2);
            mismatched.read("2", 3, 4);
            assertThat(LinearizabilityChecker.check(mismatched.all()).linearizable()).isFalse();
        }

        @Test
        void unknownWritesMayLandInWhicheverOrderTheReadsNeed() {
            ops.unknownWrite("1", 0);
            ops.unknownWrite("2", 0);
            ops.read("2", 5, 6);
            ops.read("1", 7, 8);
            ops.read("2", 9, 10);
            // 2, then 1, then 2 again needs three effects from two writes of unknown outcome: impossible.
            assertThat(check().linearizable()).isFalse();

            Ops twoEffects = new Ops();
            twoEffects.unknownWrite("1", 0);
            twoEffects.unknownWrite("2", 0);
            twoEffects.read("2", 5, 6);
            twoEffects.read("1", 7, 8);
            assertThat(LinearizabilityChecker.check(twoEffects.all()).linearizable()).isTrue();
        }
    }

    @Nested
    class IgnoredOperations {

        @Test
        void aFailedWriteHadNoEffect() {
            ops.failedWrite("1", 0, 1);
            ops.read(null, 2, 3);
            assertThat(check().linearizable()).isTrue();
        }

        @Test
        void soAReadOfWhatOnlyAFailedWriteWroteFails() {
            ops.failedWrite("1", 0, 1);
            Operation read = ops.read("1", 2, 3);
            CheckResult result = check();
            assertThat(result.linearizable()).isFalse();
            assertThat(result.window()).containsExactly(read);
        }
    }

    @Nested
    class ManyKeys {

        @Test
        void onlyTheBadKeyIsReportedAndItsWindowHoldsOnlyItsOperations() {
            ops.on("a").write("1", 0, 1);
            ops.on("a").read("1", 2, 3);
            ops.on("b").write("1", 0, 1);
            Operation bad = ops.on("b").read("2", 2, 3);
            ops.on("c").write("9", 0, 10);
            ops.on("c").read(null, 1, 2);
            CheckResult result = check();
            assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThat(result.key()).isEqualTo("b");
            assertThat(result.window()).allMatch(op -> op.key().equals("b")).contains(bad);
            assertThat(result.keysChecked()).isEqualTo(3);
        }

        @Test
        void keysAreIndependentRegisters() {
            ops.on("a").write("1", 0, 1);
            ops.on("b").read(null, 2, 3);
            assertThat(check().linearizable()).isTrue();
        }

        @Test
        void theVerdictDoesNotDependOnParallelism() {
            for (int key = 0; key < 50; key++) {
                ops.on("k" + key).write("1", 0, 1);
                ops.on("k" + key).read(key == 17 || key == 33 ? "0" : "1", 2, 3);
            }
            CheckResult alone = LinearizabilityChecker.check(ops.all(), Budget.DEFAULT, 1);
            CheckResult parallel = LinearizabilityChecker.check(ops.all(), Budget.DEFAULT, 4);
            assertThat(alone.key()).isEqualTo("k17");
            assertThat(parallel.key()).isEqualTo("k17");
            assertThat(parallel.window()).isEqualTo(alone.window());
        }
    }

    @Nested
    class Budgets {

        /** Many concurrent writes and a read of a value none wrote: the search must try every order. */
        private List<Operation> pathological(int writers) {
            Ops hard = new Ops();
            for (int i = 0; i < writers; i++) {
                hard.write(Integer.toString(i), 0, 100);
            }
            for (int i = 0; i < writers; i++) {
                hard.read(Integer.toString(i), 1, 99);
            }
            hard.read("never written", 1, 99);
            return hard.all();
        }

        @Test
        void aSearchOverItsBudgetReportsUnknownAndNamesTheKey() {
            CheckResult result = LinearizabilityChecker.check(pathological(12), Budget.steps(1_000));
            assertThat(result.verdict()).isEqualTo(Verdict.UNKNOWN);
            assertThat(result.linearizable()).isFalse();
            assertThat(result.key()).isEqualTo("x");
            assertThat(result.describe()).contains("unknown (budget exceeded)");
        }

        @Test
        void aSmallerOneIsDecidedWithTheDefaultBudget() {
            assertThat(LinearizabilityChecker.check(pathological(5)).verdict())
                    .isEqualTo(Verdict.NOT_LINEARIZABLE);
        }

        @Test
        void aFailingKeyWinsOverAnUndecidedOne() {
            Ops mixed = new Ops();
            mixed.on("bad").read("1", 0, 1);
            List<Operation> all = new java.util.ArrayList<>(mixed.all());
            all.addAll(pathological(12).stream()
                    .map(op -> new Operation(op.id() + 1_000, op.client(), "hard", op.kind(), op.value(),
                            op.expected(), op.swapped(), op.invokedAt(), op.completedAt(), op.outcome()))
                    .toList());
            CheckResult result = LinearizabilityChecker.check(all, Budget.steps(1_000));
            assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThat(result.key()).isEqualTo("bad");
        }
    }
}
