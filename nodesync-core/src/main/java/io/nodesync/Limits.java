package io.nodesync;

/**
 * Bounds a node enforces so that no client can exhaust it. Sizes count UTF-8 bytes. Immutable.
 *
 * @param maxKeyBytes the largest key accepted
 * @param maxValueBytes the largest value accepted
 * @param inboxCapacity how many events (client requests, peer messages) may wait for the node loop; a request that
 *     finds it full fails at once with {@link LimitExceededException}
 * @param maxPendingRequests how many strong requests and reads this node may have in flight at once
 * @param maxPendingEventualWrites how many accepted eventual writes may wait for replication at once
 */
public record Limits(int maxKeyBytes, int maxValueBytes, int inboxCapacity, int maxPendingRequests,
        int maxPendingEventualWrites) {

    /**
     * 1 KiB keys, 1 MiB values, 65,536 inbox events, 32,768 requests in flight, 1,000,000 pending eventual writes.
     * Requests in flight stay within the window in which a re-sent strong write is still recognised as a duplicate
     * ({@code KvStateMachine.RETRY_WINDOW}); beyond it, writes that had to be re-sent end as "outcome unknown"
     * rather than risk applying twice.
     */
    public static final Limits DEFAULT = new Limits(1024, 1 << 20, 65_536, 32_768, 1_000_000);

    /** Checks every bound is positive. */
    public Limits {
        requirePositive(maxKeyBytes, "maxKeyBytes");
        requirePositive(maxValueBytes, "maxValueBytes");
        requirePositive(inboxCapacity, "inboxCapacity");
        requirePositive(maxPendingRequests, "maxPendingRequests");
        requirePositive(maxPendingEventualWrites, "maxPendingEventualWrites");
    }

    private static void requirePositive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }

    /** A copy with another key bound. */
    public Limits withMaxKeyBytes(int bytes) {
        return new Limits(bytes, maxValueBytes, inboxCapacity, maxPendingRequests, maxPendingEventualWrites);
    }

    /** A copy with another value bound. */
    public Limits withMaxValueBytes(int bytes) {
        return new Limits(maxKeyBytes, bytes, inboxCapacity, maxPendingRequests, maxPendingEventualWrites);
    }

    /** A copy with another inbox capacity. */
    public Limits withInboxCapacity(int events) {
        return new Limits(maxKeyBytes, maxValueBytes, events, maxPendingRequests, maxPendingEventualWrites);
    }

    /** A copy with another bound on requests in flight. */
    public Limits withMaxPendingRequests(int requests) {
        return new Limits(maxKeyBytes, maxValueBytes, inboxCapacity, requests, maxPendingEventualWrites);
    }

    /** A copy with another bound on pending eventual writes. */
    public Limits withMaxPendingEventualWrites(int writes) {
        return new Limits(maxKeyBytes, maxValueBytes, inboxCapacity, maxPendingRequests, writes);
    }
}
