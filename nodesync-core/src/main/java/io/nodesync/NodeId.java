package io.nodesync;

import java.util.Objects;

/**
 * The identity of one cluster member, for example {@code "5000"} or {@code "eu-1"}.
 *
 * <p>Ids order numerically when both are whole numbers (the seed used ports as ids, so {@code "5002"} outranks
 * {@code "999"}), otherwise by their text; this order is what the priority election uses. Immutable and
 * thread-safe.
 *
 * @param value the id text: non-empty, at most 255 characters, no whitespace
 */
public record NodeId(String value) implements Comparable<NodeId> {

    /** Validates the id text. */
    public NodeId {
        Objects.requireNonNull(value, "node id");
        if (value.isEmpty() || value.length() > 255) {
            throw new IllegalArgumentException("node id must have 1 to 255 characters: '" + value + "'");
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isWhitespace(value.charAt(i))) {
                throw new IllegalArgumentException("node id must not contain whitespace: '" + value + "'");
            }
        }
    }

    /** Shorthand for {@code new NodeId(value)}. */
    public static NodeId of(String value) {
        return new NodeId(value);
    }

    /** Shorthand for an id that is a number, such as a port. */
    public static NodeId of(long number) {
        return new NodeId(Long.toString(number));
    }

    @Override
    public int compareTo(NodeId other) {
        Long mine = asNumber(value);
        Long theirs = asNumber(other.value);
        if (mine != null && theirs != null) {
            return Long.compare(mine, theirs);
        }
        return value.compareTo(other.value);
    }

    private static Long asNumber(String text) {
        if (text.length() > 18) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        return Long.parseLong(text);
    }

    @Override
    public String toString() {
        return value;
    }
}
