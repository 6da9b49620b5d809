package io.nodesync.transport.tcp;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs one fuzz target on generated inputs for a time budget, reproducibly.
 *
 * <p>Every input is made from its own seed, so a failure names one number that replays exactly that input:
 * {@code -Dnodesync.fuzz.seed=S} makes S the seed of the run's first input (and derives the following ones from
 * it). {@code -Dnodesync.fuzz.seconds=N} sets the budget per target (the {@code fuzz} Maven profile raises it).
 *
 * <p>Hangs: an input that takes longer than {@link #INPUT_LIMIT} fails the run once it ends; one that never ends
 * is stopped by the test's {@code @Timeout}, and {@link #assertNoInputLeftRunning} then names its seed. A fuzzer
 * is used by one test at a time.
 */
public final class Fuzzer {

    public static final String SEED_PROPERTY = "nodesync.fuzz.seed";
    public static final String SECONDS_PROPERTY = "nodesync.fuzz.seconds";
    /** The budget per target unless {@link #SECONDS_PROPERTY} says otherwise: enough to smoke-test every build. */
    static final double DEFAULT_SECONDS = 2;
    /**
     * The longest budget accepted: the fuzz tests' {@code @Timeout} (5 minutes, the backstop against a hang) must
     * leave room for the last input and the checks after it.
     */
    static final double MAX_SECONDS = 240;
    /**
     * The most processor time one input may take on the fuzzing thread. Inputs are at most a few hundred KiB and a
     * decoder answers them in microseconds to milliseconds, so anything near this is a decoder looping or
     * backtracking. Processor time, not elapsed time, so that other processes on a busy machine cannot make an
     * input look slow.
     */
    public static final Duration INPUT_LIMIT = Duration.ofSeconds(2);

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** One kind of input for one decoder. */
    public interface Target {
        /** A new input, made from {@code random} only. */
        byte[] generate(SplittableRandom random);

        /**
         * Feeds {@code input} to the decoder under test (its own choices, such as chunk sizes, from {@code random})
         * and checks every property, throwing on the first broken one; counts what happened in {@code tally}.
         */
        void check(byte[] input, SplittableRandom random, Tally tally) throws Exception;
    }

    /** What a run did, for its figures. Used on the fuzzing thread only. */
    public static final class Tally {
        private long inputs;
        private long bytes;
        private long errorReplies;
        private long closes;
        private long slowestNanos;
        private long slowestSeed;
        private long slowestIndex;

        /** Error replies sent (or inputs refused, for a decoder that has no replies). */
        public void errorReplies(long count) {
            errorReplies += count;
        }

        /** The connection was closed by the side under test. */
        public void closed() {
            closes++;
        }
    }

    private final String targetName;
    private volatile long inputInProgress;
    private volatile byte[] inputBytesInProgress;
    private volatile long inputStartedNanos;
    private volatile boolean running;

    /** A fuzzer for the target named {@code targetName} in its figures and failures. */
    public Fuzzer(String targetName) {
        this.targetName = targetName;
    }

    /** The budget per target, from {@link #SECONDS_PROPERTY}. */
    static Duration budget() {
        String text = System.getProperty(SECONDS_PROPERTY);
        double seconds = text == null || text.isBlank() ? DEFAULT_SECONDS : Double.parseDouble(text.trim());
        if (seconds <= 0 || seconds > MAX_SECONDS) {
            throw new IllegalArgumentException(SECONDS_PROPERTY + "=" + text + " must be above 0 and at most "
                    + MAX_SECONDS + " (raise the fuzz tests' @Timeout to go further)");
        }
        return Duration.ofNanos((long) (seconds * 1e9));
    }

    /** The seed of the run's first input: {@link #SEED_PROPERTY} if set, else a fresh one. */
    static long firstSeed() {
        String text = System.getProperty(SEED_PROPERTY);
        return text == null || text.isBlank() ? new SplittableRandom().nextLong() : Long.parseLong(text.trim());
    }

    /**
     * Runs {@code target} on input after input until the budget is spent (at least one input), failing on the first
     * input that breaks a property or takes longer than {@link #INPUT_LIMIT}. Prints the run's figures.
     */
    public void run(Target target) {
        long firstSeed = firstSeed();
        Duration budget = budget();
        System.out.printf(Locale.ROOT, "fuzz %s: first input seed %d (replay: -D%s=%d), %.1f s%n", targetName,
                firstSeed, SEED_PROPERTY, firstSeed, budget.toNanos() / 1e9);
        SplittableRandom seeds = new SplittableRandom(firstSeed);
        Tally tally = new Tally();
        long start = System.nanoTime();
        long end = start + budget.toNanos();
        long inputSeed = firstSeed;
        running = true;
        try {
            do {
                runOne(target, inputSeed, tally);
                inputSeed = seeds.nextLong();
            } while (System.nanoTime() - end < 0);
        } finally {
            running = false; // unless the input never returns: then the test's @Timeout ends the test, not this
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "fuzz %s: %d inputs (%.0f/s), %d bytes (%.1f MB/s), %d error replies or "
                + "refusals, %d closes, slowest input %.1f ms of processor time (#%d, seed %d), %.1f s%n", targetName,
                tally.inputs, tally.inputs / seconds, tally.bytes, tally.bytes / seconds / 1e6, tally.errorReplies,
                tally.closes, tally.slowestNanos / 1e6, tally.slowestIndex, tally.slowestSeed, seconds);
    }

    private void runOne(Target target, long inputSeed, Tally tally) {
        SplittableRandom random = new SplittableRandom(inputSeed);
        inputInProgress = inputSeed;
        inputStartedNanos = System.nanoTime();
        long started = processorTime();
        byte[] input = null;
        inputBytesInProgress = null;
        try {
            input = target.generate(random);
            inputBytesInProgress = input;
            target.check(input, random, tally);
        } catch (Throwable failure) {
            // Errors too: a StackOverflowError or OutOfMemoryError from a decoder is a finding like any other.
            throw new AssertionError(describe(inputSeed, input) + ": " + failure, failure);
        }
        long took = processorTime() - started;
        if (took > INPUT_LIMIT.toNanos()) {
            throw new AssertionError(describe(inputSeed, input) + ": took " + TimeUnit.NANOSECONDS.toMillis(took)
                    + " ms of processor time, over the limit of " + INPUT_LIMIT.toMillis() + " ms per input");
        }
        if (took > tally.slowestNanos) {
            tally.slowestNanos = took;
            tally.slowestSeed = inputSeed;
            tally.slowestIndex = tally.inputs;
        }
        tally.inputs++;
        tally.bytes += input.length;
    }

    /** This thread's processor time, where the JVM can tell it (HotSpot on Linux can), else elapsed time. */
    private static long processorTime() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    private String describe(long inputSeed, byte[] input) {
        return "fuzz " + targetName + " failed on the input of seed " + inputSeed + " (replay it with -D"
                + SEED_PROPERTY + "=" + inputSeed + ")" + (input == null ? "" : ", input " + escape(input, 2000));
    }

    /**
     * Fails if an input was still running when the test ended: the test's {@code @Timeout} stopped a hang, and this
     * says which input to replay. Call it after each fuzz test.
     */
    public void assertNoInputLeftRunning() {
        if (running) {
            running = false;
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - inputStartedNanos);
            byte[] input = inputBytesInProgress;
            throw new AssertionError("fuzz " + targetName + ": the input of seed " + inputInProgress
                    + " was still running after " + seconds + " s (a hang?); replay it with -D" + SEED_PROPERTY + "="
                    + inputInProgress
                    + (input == null ? "" : "; input " + escape(input, 2000)));
        }
    }

    /**
     * The bytes as a Java string literal to paste into a regression test (printable ASCII as is, every other byte as
     * the unicode escape of its value, so {@code literal.getBytes(ISO_8859_1)} gives the bytes back), cut at
     * {@code max}.
     */
    public static String escape(byte[] bytes, int max) {
        StringBuilder text = new StringBuilder("\"");
        int shown = Math.min(bytes.length, max);
        for (int i = 0; i < shown; i++) {
            int b = bytes[i] & 0xFF;
            switch (b) {
                case '\n' -> text.append("\\n");
                case '\r' -> text.append("\\r");
                case '\t' -> text.append("\\t");
                case '"' -> text.append("\\\"");
                case '\\' -> text.append("\\\\");
                default -> {
                    if (b >= 0x20 && b < 0x7F) {
                        text.append((char) b);
                    } else {
                        text.append(String.format("\\u%04x", b));
                    }
                }
            }
        }
        text.append('"');
        if (shown < bytes.length) {
            text.append(" ... (").append(bytes.length).append(" bytes)");
        }
        return text.toString();
    }
}
