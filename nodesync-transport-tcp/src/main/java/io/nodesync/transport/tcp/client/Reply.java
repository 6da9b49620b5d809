package io.nodesync.transport.tcp.client;

import io.netty.buffer.ByteBuf;
import io.nodesync.ConsistencyPolicy;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The answer to one client command, by meaning (OK, a value, not found, a quorum failure, ...), rendered by each
 * dialect as {@code CLIENT-PROTOCOL.md} spells it: {@link #line()} for the line dialect, {@link #writeResp} for RESP2.
 * Keeping both renderings next to each other makes every reply exist in both dialects by construction. Immutable.
 */
sealed interface Reply {

    /** The line dialect's reply, without its {@code \n}. Never contains a line break. */
    String line();

    /** Appends the RESP2 reply. */
    void writeResp(ByteBuf out);

    /** The one quorum failure, whatever the cause (refused at once, timed out, outcome unknown). */
    Reply QUORUM_NOT_REACHED = new QuorumNotReached();
    Reply OK = new Ok();
    Reply NOT_FOUND = new NotFound();

    /** An error reply with the generic {@code ERR} code; line breaks in the reason become spaces. */
    static Reply error(String reason) {
        return new Error("ERR", reason);
    }

    /** A write, delete of one key that existed, or switch went through. */
    record Ok() implements Reply {
        @Override
        public String line() {
            return "OK";
        }

        @Override
        public void writeResp(ByteBuf out) {
            RespWriter.simple(out, "OK");
        }
    }

    /** {@code PING}'s answer; with a message, RESP echoes it as Redis does. */
    record Pong(String message) implements Reply {
        @Override
        public String line() {
            return "PONG";
        }

        @Override
        public void writeResp(ByteBuf out) {
            if (message == null) {
                RespWriter.simple(out, "PONG");
            } else {
                RespWriter.bulk(out, message);
            }
        }
    }

    /** A key's value. */
    record Value(String value) implements Reply {
        public Value {
            Objects.requireNonNull(value, "value");
        }

        /**
         * A value holding a line break cannot travel as one line (a reader would take its tail for the next reply),
         * so the line dialect refuses to print it rather than desynchronise the connection.
         */
        @Override
        public String line() {
            if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
                return "ERROR the value contains a line break; read it over RESP";
            }
            return "VALUE " + value;
        }

        @Override
        public void writeResp(ByteBuf out) {
            RespWriter.bulk(out, value);
        }
    }

    /** The key is absent. */
    record NotFound() implements Reply {
        @Override
        public String line() {
            return "NOT_FOUND";
        }

        @Override
        public void writeResp(ByteBuf out) {
            RespWriter.bulk(out, null);
        }
    }

    /** How many of the keys of a {@code DEL} existed. The line dialect deletes one key: {@code OK} or not found. */
    record Deleted(long count) implements Reply {
        @Override
        public String line() {
            return count > 0 ? "OK" : "NOT_FOUND";
        }

        @Override
        public void writeResp(ByteBuf out) {
            RespWriter.integer(out, count);
        }
    }

    /** Whether a compare-and-set swapped. */
    record Swapped(boolean swapped) implements Reply {
        @Override
        public String line() {
            return swapped ? "OK" : "FAIL: mismatch";
        }

        @Override
        public void writeResp(ByteBuf out) {
            RespWriter.integer(out, swapped ? 1 : 0);
        }
    }

    /** A strong request (or CAS) found no majority. */
    record QuorumNotReached() implements Reply {
        @Override
        public String line() {
            return "FAIL: quorum not reached";
        }

        @Override
        public void writeResp(ByteBuf out) {
            RespWriter.error(out, "FAIL", "quorum not reached");
        }
    }

    /**
     * The request was refused: bad input, a limit, a closed node. Nothing changed.
     *
     * @param code the RESP error code ({@code ERR}, {@code NOPROTO}, ...); the line dialect always says ERROR
     * @param reason what was wrong, one line
     */
    record Error(String code, String reason) implements Reply {
        public Error {
            Objects.requireNonNull(code, "code");
            reason = oneLine(Objects.requireNonNull(reason, "reason"));
        }

        @Override
        public String line() {
            return "ERROR " + reason;
        }

        @Override
        public void writeResp(ByteBuf out) {
            RespWriter.error(out, code, reason);
        }
    }

    /** The cluster's current consistency mode. */
    record Consistency(ConsistencyPolicy policy) implements Reply {
        @Override
        public String line() {
            return "CONSISTENCY " + policy.wireName();
        }

        @Override
        public void writeResp(ByteBuf out) {
            RespWriter.simple(out, policy.wireName());
        }
    }

    /** The node's status line ({@code id=... role=... ...}). */
    record Status(String statusLine) implements Reply {
        public Status {
            statusLine = oneLine(statusLine);
        }

        @Override
        public String line() {
            return statusLine;
        }

        @Override
        public void writeResp(ByteBuf out) {
            RespWriter.bulk(out, statusLine);
        }
    }

    // RESP's plain data types, for the chatter of Redis tools (INFO, HELLO, COMMAND, CONFIG GET). The line dialect
    // never produces them; their line forms only keep every reply printable.

    /** A RESP simple string. */
    record Simple(String text) implements Reply {
        public Simple {
            text = oneLine(text);
        }

        @Override
        public String line() {
            return text;
        }

        @Override
        public void writeResp(ByteBuf out) {
            RespWriter.simple(out, text);
        }
    }

    /** A RESP bulk string, or the null bulk string for {@code null}. */
    record Bulk(String text) implements Reply {
        @Override
        public String line() {
            return text == null ? "NOT_FOUND" : oneLine(text);
        }

        @Override
        public void writeResp(ByteBuf out) {
            RespWriter.bulk(out, text);
        }
    }

    /** A RESP integer. */
    record Int(long value) implements Reply {
        @Override
        public String line() {
            return Long.toString(value);
        }

        @Override
        public void writeResp(ByteBuf out) {
            RespWriter.integer(out, value);
        }
    }

    /** A RESP array (in RESP2 also what stands for a map: keys and values alternating). */
    record Array(List<Reply> elements) implements Reply {
        public Array {
            elements = List.copyOf(elements);
        }

        @Override
        public String line() {
            return elements.stream().map(Reply::line).collect(Collectors.joining(" "));
        }

        @Override
        public void writeResp(ByteBuf out) {
            RespWriter.arrayHeader(out, elements.size());
            for (Reply element : elements) {
                element.writeResp(out);
            }
        }
    }

    /** Replaces line breaks so a text can be sent as one line (or one RESP simple string or error). */
    private static String oneLine(String text) {
        if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            return text;
        }
        return text.replace('\r', ' ').replace('\n', ' ');
    }
}
