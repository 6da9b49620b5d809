package io.nodesync.testing;

/** Placeholder until the checker lands: one client operation on one key of a register. */
public record Operation(long id, int client, String key, Kind kind, String value, String expected, boolean swapped,
        long invokedAt, long completedAt, Outcome outcome) {

    /** The operation kinds of a register. */
    public enum Kind {
        READ, WRITE, CAS
    }

    /** How an operation ended. */
    public enum Outcome {
        OK, FAIL, UNKNOWN
    }
}
