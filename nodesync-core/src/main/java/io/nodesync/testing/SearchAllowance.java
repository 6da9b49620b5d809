package io.nodesync.testing;

/**
 * What is left of one key's {@link LinearizabilityChecker.Budget}: search steps and a deadline (plus a memory cap
 * derived from the heap), shared by every
 * search run for that key (the verdict, then the failure analysis). Checking linearizability is NP-complete, so a
 * pathological history must end as "unknown" rather than hang the test that produced it.
 *
 * <p>Confined to the one thread checking the key. The clock is read once every {@value #CLOCK_PERIOD} steps only.
 */
final class SearchAllowance {

    private static final int CLOCK_PERIOD = 1024;

    /**
     * The memo of one search may hold this many 64-bit words: a quarter of the heap shared among the keys checked
     * at once (one per processor), so that a search too big to finish reports its budget exceeded, not an
     * OutOfMemoryError.
     */
    private static final long MEMORY_WORDS =
            Runtime.getRuntime().maxMemory() / Long.BYTES / 4 / Runtime.getRuntime().availableProcessors();

    private long stepsLeft;
    private final long deadlineNanos;
    private boolean exceeded;

    SearchAllowance(LinearizabilityChecker.Budget budget) {
        this.stepsLeft = budget.stepsPerKey();
        long nanos = budget.timePerKey().toNanos();
        this.deadlineNanos = System.nanoTime() + Math.min(nanos, Long.MAX_VALUE / 4);
    }

    /** Spends one step; false once the steps or the time are used up (and from then on). */
    boolean step() {
        if (exceeded) {
            return false;
        }
        if (--stepsLeft < 0 || ((stepsLeft % CLOCK_PERIOD) == 0 && System.nanoTime() - deadlineNanos > 0)) {
            exceeded = true;
        }
        return !exceeded;
    }

    /** Records that the search now holds {@code words}; false (and exceeded from then on) when that is too many. */
    boolean holdMemory(long words) {
        if (words > MEMORY_WORDS) {
            exceeded = true;
        }
        return !exceeded;
    }

    boolean exceeded() {
        return exceeded;
    }
}
