package io.nodesync.protocol;

import io.nodesync.NodeId;
import java.util.Objects;

/**
 * A change a client asked for, as it travels to the leader and through the log. Immutable.
 *
 * <p>{@code (origin, session, seq)} names the request uniquely across restarts of its origin node: the origin
 * completes its caller when it applies the command, and the state machine applies a strong command at most once
 * even if the network or a retry put it in the log twice. Eventual commands need no such guard: last-writer-wins
 * makes applying them twice harmless.
 *
 * <p>{@code (timestamp, stamper)} orders writes last-writer-wins. Eventual writes are stamped by their origin when
 * accepted; strong writes and compare-and-set by the leader when it appends them, so that log order and timestamp
 * order agree for them.
 *
 * @param kind what to do
 * @param eventual whether the write was accepted under eventual consistency
 * @param origin the node the client called
 * @param session a number the origin drew at start-up, so seqs stay unique across its restarts
 * @param seq the origin's sequence number for this request within its session
 * @param key the key ({@code null} for a mode switch)
 * @param value the new value, or the mode's wire name for {@link Kind#SET_MODE}; {@code null} for a delete
 * @param expected for compare-and-set, the value expected ({@code null}: absent)
 * @param timestamp hybrid logical clock timestamp, 0 until stamped
 * @param stamper the node whose clock produced {@code timestamp}
 */
public record ClientCommand(Kind kind, boolean eventual, NodeId origin, long session, long seq, String key,
        String value, String expected, long timestamp, NodeId stamper) implements Command {

    /** The kinds of change. */
    public enum Kind {
        PUT, DELETE, CAS, SET_MODE
    }

    /** Checks the fields a kind needs. */
    public ClientCommand {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(origin, "origin");
        if (kind != Kind.SET_MODE) {
            Objects.requireNonNull(key, "key");
        }
        if ((kind == Kind.PUT || kind == Kind.SET_MODE || kind == Kind.CAS) && value == null) {
            throw new IllegalArgumentException(kind + " needs a value");
        }
        if (kind == Kind.CAS && eventual) {
            throw new IllegalArgumentException("compare-and-set is always strong");
        }
    }

    /** This command with a new timestamp and stamper. */
    public ClientCommand stamped(long newTimestamp, NodeId newStamper) {
        return new ClientCommand(kind, eventual, origin, session, seq, key, value, expected, newTimestamp, newStamper);
    }

    /** Whether this command wins last-writer-wins over a write stamped {@code (otherTimestamp, otherStamper)}. */
    public boolean newerThan(long otherTimestamp, NodeId otherStamper) {
        return Stamps.compare(timestamp, stamper, otherTimestamp, otherStamper) > 0;
    }
}
