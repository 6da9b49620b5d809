package io.nodesync.testing;

import java.util.Objects;

/**
 * One client operation on one key of a register, as a linearizability checker sees it: what was asked, what came
 * back, and the real-time interval in which it happened. Immutable; safe to share between threads.
 *
 * <p>Values are strings; {@code null} means "absent" (the initial value of every key, and what a delete leaves).
 * Times are in any monotonic unit, the same for every operation of a history. The interval is closed: an operation
 * invoked at the very instant another completes counts as concurrent with it.
 *
 * @param id          unique within a history (the recorder's handle); used to report and to break ties
 * @param client      who issued it; a client has at most one operation outstanding (not checked)
 * @param key         the register the operation touched
 * @param kind        read, write or compare-and-set
 * @param value       {@code WRITE}: the value written ({@code null} = delete); {@code CAS}: the new value;
 *                    {@code READ}: the value read ({@code null} = absent, or not known yet / never)
 * @param expected    {@code CAS} only: the value compared against ({@code null} = absent); {@code null} otherwise
 * @param swapped     {@code CAS} with outcome {@code OK} only: whether it swapped; {@code false} otherwise
 * @param invokedAt   when the client issued it
 * @param completedAt when the client learnt the outcome; {@link Long#MAX_VALUE} when the outcome is {@code UNKNOWN}
 * @param outcome     see {@link Outcome}
 */
public record Operation(
        long id,
        int client,
        String key,
        Kind kind,
        String value,
        String expected,
        boolean swapped,
        long invokedAt,
        long completedAt,
        Outcome outcome) {

    /** What an operation does to its register. */
    public enum Kind {
        /** Returns the current value; no effect. */
        READ,
        /** Sets the value unconditionally. */
        WRITE,
        /** Sets the value to {@code value} if it currently equals {@code expected}; reports whether it did. */
        CAS
    }

    /** What the client knows about the operation's effect. */
    public enum Outcome {
        /** Completed at {@code completedAt} with the result given ({@code value} of a read, {@code swapped}). */
        OK,
        /**
         * Definitely had no effect (for instance rejected before it was sent because no quorum was reachable).
         * The checker ignores such operations.
         */
        FAIL,
        /**
         * May have taken effect at any point after its invocation, or never (a timeout, a crash, a lost reply).
         * Its result is not known, so an unknown read says nothing and the checker ignores it.
         */
        UNKNOWN
    }

    /** Checks that the fields are consistent with each other; a history with a malformed operation is a bug. */
    public Operation {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(outcome, "outcome");
        if (expected != null && kind != Kind.CAS) {
            throw new IllegalArgumentException("only a CAS has an expected value: " + kind + " #" + id);
        }
        if (swapped && (kind != Kind.CAS || outcome != Outcome.OK)) {
            throw new IllegalArgumentException("only a completed CAS can have swapped: #" + id);
        }
        if (outcome == Outcome.UNKNOWN && completedAt != Long.MAX_VALUE) {
            throw new IllegalArgumentException("an operation of unknown outcome never completes: #" + id);
        }
        if (completedAt < invokedAt) {
            throw new IllegalArgumentException(
                    "#" + id + " completed at " + completedAt + " before its invocation at " + invokedAt);
        }
    }

    /** A compact one-line form, e.g. {@code #7 c2 x cas(1->2)=swapped [10, 14] OK}. */
    @Override
    public String toString() {
        String end = completedAt == Long.MAX_VALUE ? "inf" : Long.toString(completedAt);
        return "#" + id + " c" + client + " " + key + " " + describeCall() + " [" + invokedAt + ", " + end + "] "
                + outcome;
    }

    private String describeCall() {
        return switch (kind) {
            case READ -> outcome == Outcome.OK ? "read()=" + show(value) : "read()";
            case WRITE -> "write(" + show(value) + ")";
            case CAS -> "cas(" + show(expected) + "->" + show(value) + ")"
                    + (outcome == Outcome.OK ? (swapped ? "=swapped" : "=unchanged") : "");
        };
    }

    private static String show(String value) {
        return value == null ? "nil" : value;
    }
}
