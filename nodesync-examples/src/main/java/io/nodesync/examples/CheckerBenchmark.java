package io.nodesync.examples;

import io.nodesync.testing.CheckResult;
import io.nodesync.testing.History;
import io.nodesync.testing.LinearizabilityChecker;
import io.nodesync.testing.Operation;
import io.nodesync.testing.Operation.Kind;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How fast {@link LinearizabilityChecker} decides a large, realistic, linearizable history: by default 1,000,000
 * operations over 1,000 keys from 200 clients, generated with a fixed seed, recorded through a {@link History}
 * and checked. Prints the operation and key counts, the time of each phase and the verdict.
 *
 * <p>The history comes from a simulated register per key: each client runs one operation at a time (50% reads,
 * 30% writes, 20% compare-and-sets, values 0-9), taking 1-100 time units, then thinks for 0-10 units; each
 * operation takes effect at a random instant inside its interval, so concurrent operations on a key overlap in
 * every order. Keys are skewed (key {@code floor(keys * u^2)} for uniform {@code u}): the hottest keys see
 * thousands of operations and a dozen concurrent clients. 3% of operations end with an unknown outcome (half of
 * them took effect, half never did) and 1% fail with no effect. Usage:
 * {@code CheckerBenchmark [operations [keys [seed [corrupt]]]]}; with {@code corrupt}, one read of the hottest key
 * is made to return a value never written, to show the cost and the report of a failure. Single-threaded apart
 * from the checker's own pool.
 */
public final class CheckerBenchmark {

    private static final int CLIENTS = 200;
    private static final int VALUES = 10;
    private static final double UNKNOWN_RATE = 0.03;
    private static final double FAIL_RATE = 0.01;

    private CheckerBenchmark() {
    }

    /**
     * Generates, records and checks one history.
     *
     * @param args optional: operation count (default 1,000,000), key count (1,000), seed (42), {@code corrupt}
     */
    public static void main(String[] args) {
        int operations = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int keys = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 42L;
        boolean corrupt = args.length > 3 && args[3].equals("corrupt");

        long started = System.nanoTime();
        Planned[] plan = plan(operations, keys, new SplittableRandom(seed));
        long planned = System.nanoTime();
        List<Operation> history = record(plan, keys);
        plan = null; // only the recorded history stays reachable while checking, as in a real test
        if (corrupt) {
            corruptOneRead(history);
        }
        long recorded = System.nanoTime();
        CheckResult result = LinearizabilityChecker.check(history);
        long checked = System.nanoTime();

        System.out.printf(Locale.ROOT, "operations: %,d%nkeys:       %,d (touched: %,d)%n", history.size(), keys,
                result.keysChecked());
        System.out.printf(Locale.ROOT, "generate:   %,d ms%nrecord:     %,d ms%ncheck:      %,d ms (%d threads)%n",
                millis(started, planned), millis(planned, recorded), millis(recorded, checked),
                Runtime.getRuntime().availableProcessors());
        System.out.println("verdict:    " + result.describe());
    }

    /** One operation as the simulation decides it, before it is recorded. */
    private static final class Planned {
        int client;
        int key;
        Kind kind;
        int value;
        int expected;
        long invokedAt;
        long effectiveAt;
        long completedAt;
        boolean unknown;
        boolean failed;
        boolean takesEffect;
        // Filled when the register runs the operation:
        int readValue;
        boolean swapped;
    }

    private static Planned[] plan(int operations, int keys, SplittableRandom random) {
        Planned[] plan = new Planned[operations];
        long[] clientFreeAt = new long[CLIENTS];
        for (int i = 0; i < operations; i++) {
            Planned op = new Planned();
            op.client = i % CLIENTS;
            double u = random.nextDouble();
            op.key = (int) (keys * u * u);
            int roll = random.nextInt(10);
            op.kind = roll < 5 ? Kind.READ : roll < 8 ? Kind.WRITE : Kind.CAS;
            op.value = random.nextInt(VALUES);
            op.expected = random.nextInt(VALUES);
            op.invokedAt = clientFreeAt[op.client] + random.nextInt(11);
            op.completedAt = op.invokedAt + 1 + random.nextInt(100);
            op.effectiveAt = op.invokedAt + (long) (random.nextDouble() * (op.completedAt - op.invokedAt));
            double fate = random.nextDouble();
            op.unknown = fate < UNKNOWN_RATE;
            op.failed = !op.unknown && fate < UNKNOWN_RATE + FAIL_RATE;
            op.takesEffect = !op.failed && (!op.unknown || random.nextBoolean());
            clientFreeAt[op.client] = op.completedAt; // a client that timed out moves on too
            plan[i] = op;
        }
        // Run every key's register in the order the operations took effect: that is what makes it linearizable.
        Planned[] byEffect = plan.clone();
        Arrays.sort(byEffect, Comparator.comparingLong(p -> p.effectiveAt));
        int[] registers = new int[keys];
        Arrays.fill(registers, -1); // absent
        for (Planned op : byEffect) {
            if (!op.takesEffect) {
                continue;
            }
            int current = registers[op.key];
            switch (op.kind) {
                case READ -> op.readValue = current;
                case WRITE -> registers[op.key] = op.value;
                case CAS -> {
                    op.swapped = current == op.expected;
                    if (op.swapped) {
                        registers[op.key] = op.value;
                    }
                }
            }
        }
        return plan;
    }

    /** Replays the invocations and completions in time order through a {@link History} on a virtual clock. */
    private static List<Operation> record(Planned[] plan, int keys) {
        int count = plan.length;
        // Event = time << 32 | completion bit << 31 | operation index: sorting the longs orders by time, with
        // invocations before completions at the same instant.
        long[] events = new long[2 * count];
        for (int i = 0; i < count; i++) {
            if (plan[i].completedAt >= 1L << 31) {
                throw new IllegalArgumentException("the simulated time exceeds the event encoding");
            }
            events[2 * i] = plan[i].invokedAt << 32 | i;
            events[2 * i + 1] = plan[i].completedAt << 32 | 1L << 31 | i;
        }
        Arrays.sort(events);
        String[] keyNames = new String[keys];
        for (int k = 0; k < keys; k++) {
            keyNames[k] = "key-" + k;
        }
        String[] valueNames = new String[VALUES];
        for (int v = 0; v < VALUES; v++) {
            valueNames[v] = Integer.toString(v);
        }
        long[] now = new long[1];
        History history = new History(() -> now[0]);
        long[] handles = new long[count];
        for (long event : events) {
            int index = (int) (event & Integer.MAX_VALUE);
            Planned op = plan[index];
            now[0] = event >>> 32;
            if ((event & 1L << 31) == 0) {
                String value = op.kind == Kind.READ ? null : valueNames[op.value];
                String expected = op.kind == Kind.CAS ? valueNames[op.expected] : null;
                handles[index] = history.invoke(op.client, keyNames[op.key], op.kind, value, expected);
            } else {
                complete(history, handles[index], op, valueNames);
            }
        }
        return new java.util.ArrayList<>(history.operations());
    }

    private static void complete(History history, long handle, Planned op, String[] valueNames) {
        if (op.unknown) {
            history.unknown(handle);
        } else if (op.failed) {
            history.fail(handle);
        } else {
            switch (op.kind) {
                case READ -> history.okRead(handle, op.readValue < 0 ? null : valueNames[op.readValue]);
                case WRITE -> history.ok(handle);
                case CAS -> history.okCas(handle, op.swapped);
            }
        }
    }

    /**
     * Makes the completed read of the hottest key nearest the middle of the history return "-1", a value never
     * written: the history is then not linearizable, and the report shows what the checker says about it.
     */
    private static void corruptOneRead(List<Operation> history) {
        for (int i = history.size() / 2; i < history.size(); i++) {
            Operation op = history.get(i);
            if (op.key().equals("key-0") && op.kind() == Kind.READ && op.outcome() == Operation.Outcome.OK) {
                history.set(i, new Operation(op.id(), op.client(), op.key(), op.kind(), "-1", null, false,
                        op.invokedAt(), op.completedAt(), op.outcome()));
                System.out.println("corrupted:  " + history.get(i));
                return;
            }
        }
    }

    private static long millis(long from, long to) {
        return (to - from) / 1_000_000;
    }
}
