package io.nodesync;

import java.time.Duration;
import java.util.Objects;

/**
 * How a node measures time: everything is counted in ticks, and one tick lasts {@link #tick()} of real (or, under
 * simulation, virtual) time. Immutable.
 *
 * @param tick the length of one tick
 * @param heartbeatTicks how often a leader sends heartbeats and every node pings its peers
 * @param electionTimeoutTicks the shortest election timeout; each node draws its own in
 *     {@code [electionTimeoutTicks, 2 * electionTimeoutTicks)} (the priority election shifts it by rank). A leader
 *     that hears from no majority for this long steps down (check-quorum).
 * @param failureTimeoutTicks how long without hearing from a peer before it is reported DOWN
 * @param requestTimeoutTicks how long a strong request may wait for a majority before it fails
 */
public record Timing(Duration tick, int heartbeatTicks, int electionTimeoutTicks, int failureTimeoutTicks,
        int requestTimeoutTicks) {

    /**
     * 10 ms ticks; heartbeats every 50 ms; elections after 300-600 ms of silence; peers DOWN after 300 ms; requests
     * time out after 5 s.
     */
    public static final Timing DEFAULT = new Timing(Duration.ofMillis(10), 5, 30, 30, 500);

    /** Checks the values make sense together. */
    public Timing {
        Objects.requireNonNull(tick, "tick");
        if (tick.isNegative() || tick.isZero()) {
            throw new IllegalArgumentException("tick must be positive, was " + tick);
        }
        if (heartbeatTicks <= 0) {
            throw new IllegalArgumentException("heartbeatTicks must be positive, was " + heartbeatTicks);
        }
        if (electionTimeoutTicks <= heartbeatTicks) {
            throw new IllegalArgumentException("electionTimeoutTicks (" + electionTimeoutTicks
                    + ") must exceed heartbeatTicks (" + heartbeatTicks + ") or leaders could never hold office");
        }
        if (failureTimeoutTicks <= heartbeatTicks) {
            throw new IllegalArgumentException("failureTimeoutTicks (" + failureTimeoutTicks
                    + ") must exceed heartbeatTicks (" + heartbeatTicks + ") or live peers would flap DOWN");
        }
        if (requestTimeoutTicks <= 0) {
            throw new IllegalArgumentException("requestTimeoutTicks must be positive, was " + requestTimeoutTicks);
        }
    }

    /** A copy with another tick length. */
    public Timing withTick(Duration newTick) {
        return new Timing(newTick, heartbeatTicks, electionTimeoutTicks, failureTimeoutTicks, requestTimeoutTicks);
    }

    /** A copy with another heartbeat interval. */
    public Timing withHeartbeatTicks(int ticks) {
        return new Timing(tick, ticks, electionTimeoutTicks, failureTimeoutTicks, requestTimeoutTicks);
    }

    /** A copy with another election timeout. */
    public Timing withElectionTimeoutTicks(int ticks) {
        return new Timing(tick, heartbeatTicks, ticks, failureTimeoutTicks, requestTimeoutTicks);
    }

    /** A copy with another failure-detection timeout. */
    public Timing withFailureTimeoutTicks(int ticks) {
        return new Timing(tick, heartbeatTicks, electionTimeoutTicks, ticks, requestTimeoutTicks);
    }

    /** A copy with another request timeout. */
    public Timing withRequestTimeoutTicks(int ticks) {
        return new Timing(tick, heartbeatTicks, electionTimeoutTicks, failureTimeoutTicks, ticks);
    }

    /** A copy whose request timeout is the given duration, rounded up to whole ticks. */
    public Timing withRequestTimeout(Duration timeout) {
        long ticks = (timeout.toNanos() + tick.toNanos() - 1) / tick.toNanos();
        return withRequestTimeoutTicks((int) Math.max(1, Math.min(Integer.MAX_VALUE, ticks)));
    }

    /** The request timeout as a duration. */
    public Duration requestTimeout() {
        return tick.multipliedBy(requestTimeoutTicks);
    }
}
