package io.nodesync.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.testing.Operation.Kind;
import io.nodesync.testing.Operation.Outcome;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HistoryTest {

    private final AtomicLong clock = new AtomicLong();
    private final History history = new History(clock::incrementAndGet);

    @Test
    void recordsEachOutcomeWithTheClockReadAtInvocationAndCompletion() {
        long write = history.invoke(1, "x", Kind.WRITE, "a", null);
        long read = history.invoke(2, "x", Kind.READ, null, null);
        long cas = history.invoke(3, "x", Kind.CAS, "b", "a");
        long failed = history.invoke(4, "x", Kind.WRITE, "c", null);
        long timedOut = history.invoke(5, "x", Kind.WRITE, "d", null);
        long neverCompleted = history.invoke(6, "y", Kind.CAS, "e", null);
        history.ok(write);
        history.okRead(read, "a");
        history.okCas(cas, true);
        history.fail(failed);
        history.unknown(timedOut);

        List<Operation> ops = history.operations();

        assertThat(ops).extracting(Operation::id).containsExactly(write, read, cas, failed, timedOut, neverCompleted);
        assertThat(ops.get(0)).isEqualTo(
                new Operation(write, 1, "x", Kind.WRITE, "a", null, false, 1, 7, Outcome.OK));
        assertThat(ops.get(1)).isEqualTo(new Operation(read, 2, "x", Kind.READ, "a", null, false, 2, 8, Outcome.OK));
        assertThat(ops.get(2)).isEqualTo(new Operation(cas, 3, "x", Kind.CAS, "b", "a", true, 3, 9, Outcome.OK));
        assertThat(ops.get(3).outcome()).isEqualTo(Outcome.FAIL);
        assertThat(ops.get(3).completedAt()).isEqualTo(10);
        assertThat(ops.get(4).outcome()).isEqualTo(Outcome.UNKNOWN);
        assertThat(ops.get(4).completedAt()).isEqualTo(Long.MAX_VALUE);
        assertThat(ops.get(5).outcome()).isEqualTo(Outcome.UNKNOWN);
        assertThat(ops.get(5).expected()).isNull();
        assertThat(history.size()).isEqualTo(6);
    }

    @Test
    void aSnapshotDoesNotChangeWhenLaterOperationsComplete() {
        long write = history.invoke(1, "x", Kind.WRITE, "a", null);
        List<Operation> before = history.operations();
        history.ok(write);
        assertThat(before.get(0).outcome()).isEqualTo(Outcome.UNKNOWN);
        assertThat(history.operations().get(0).outcome()).isEqualTo(Outcome.OK);
    }

    @Test
    void refusesMisuse() {
        long read = history.invoke(1, "x", Kind.READ, null, null);
        assertThatThrownBy(() -> history.ok(read)).hasMessageContaining("is a READ");
        assertThatThrownBy(() -> history.okCas(read, true)).hasMessageContaining("is a READ");
        history.okRead(read, null);
        assertThatThrownBy(() -> history.fail(read)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already completed");
        assertThatThrownBy(() -> history.ok(42)).hasMessageContaining("no operation with handle 42");
        assertThatThrownBy(() -> history.invoke(1, "x", Kind.READ, "v", null))
                .hasMessageContaining("okRead");
        assertThatThrownBy(() -> history.invoke(1, "x", Kind.WRITE, "v", "w"))
                .hasMessageContaining("only a CAS");
    }

    @Test
    void keepsEveryOperationAcrossStorageChunks() {
        int count = 10_000; // more than two chunks
        for (int i = 0; i < count; i++) {
            long handle = history.invoke(i % 7, "k" + (i % 3), Kind.WRITE, Integer.toString(i), null);
            if (i % 2 == 0) {
                history.ok(handle);
            }
        }
        List<Operation> ops = history.operations();
        assertThat(ops).hasSize(count);
        for (int i = 0; i < count; i++) {
            assertThat(ops.get(i).id()).isEqualTo(i);
            assertThat(ops.get(i).value()).isEqualTo(Integer.toString(i));
            assertThat(ops.get(i).outcome()).isEqualTo(i % 2 == 0 ? Outcome.OK : Outcome.UNKNOWN);
        }
    }

    @Test
    void threadsRecordingAgainstALinearizableMapProduceALinearizableHistory() throws InterruptedException {
        // ConcurrentHashMap's single-key operations are linearizable, so whatever the interleaving, the recorded
        // history must check as linearizable, and no operation may be lost or duplicated.
        ConcurrentHashMap<String, String> map = new ConcurrentHashMap<>();
        int threads = 4;
        int perThread = 5_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int client = t;
            Thread worker = new Thread(() -> {
                SplittableRandom random = new SplittableRandom(client);
                awaitQuietly(start);
                for (int i = 0; i < perThread; i++) {
                    runOne(client, random, map);
                }
            });
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }

        List<Operation> ops = history.operations();
        assertThat(ops).hasSize(threads * perThread);
        Set<Long> ids = new HashSet<>();
        ops.forEach(op -> ids.add(op.id()));
        assertThat(ids).hasSize(threads * perThread);
        assertThat(ops).allMatch(op -> op.outcome() == Outcome.OK);
        assertThat(LinearizabilityChecker.check(ops).verdict()).isEqualTo(CheckResult.Verdict.LINEARIZABLE);
    }

    private void runOne(int client, SplittableRandom random, ConcurrentHashMap<String, String> map) {
        String key = "k" + random.nextInt(4);
        String value = Integer.toString(random.nextInt(5));
        switch (random.nextInt(3)) {
            case 0 -> {
                long h = history.invoke(client, key, Kind.READ, null, null);
                history.okRead(h, map.get(key));
            }
            case 1 -> {
                long h = history.invoke(client, key, Kind.WRITE, value, null);
                map.put(key, value);
                history.ok(h);
            }
            default -> {
                String expected = Integer.toString(random.nextInt(5));
                long h = history.invoke(client, key, Kind.CAS, value, expected);
                history.okCas(h, map.replace(key, expected, value));
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
