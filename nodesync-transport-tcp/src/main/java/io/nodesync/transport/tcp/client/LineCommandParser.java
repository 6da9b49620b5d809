package io.nodesync.transport.tcp.client;

import io.nodesync.ConsistencyPolicy;
import java.util.List;
import java.util.Locale;

/**
 * Parses one line of the line dialect into a {@link Request}: command names in any case, tokens separated by single
 * spaces, and the value of {@code SET} the whole rest of the line (spaces included). A line that is not a valid
 * command becomes an {@link Request.Answered} error, so it gets its one reply line and changes nothing. Stateless.
 */
final class LineCommandParser {

    /** How much of an unknown command name an error reply echoes: enough to recognise it, not a whole line. */
    private static final int ECHOED_NAME_CHARS = 32;

    private LineCommandParser() {
    }

    /** The request a line (without its line ending) asks for. */
    static Request parse(String line) {
        if (line.isEmpty()) {
            return error("empty command");
        }
        if (line.indexOf('\r') >= 0) {
            // A reader such as .NET's ReadLine takes a lone CR for a line end: refusing it here keeps every value
            // stored through this dialect printable as one line.
            return error("a carriage return is only allowed at the end of a line");
        }
        int space = line.indexOf(' ');
        String name = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
        String rest = space < 0 ? null : line.substring(space + 1);
        switch (name) {
            case "PING":
                return rest == null ? new Request.Ping(null) : usage("PING");
            case "GET":
                return oneKey(rest, "GET <key>", Request.Get::new);
            case "DEL":
                return oneKey(rest, "DEL <key>", key -> new Request.Delete(List.of(key)));
            case "SET":
                return set(rest);
            case "CAS":
                return cas(rest);
            case "CONSISTENCY":
                return consistency(rest);
            case "STATUS":
                return rest == null ? new Request.Status() : usage("STATUS");
            default:
                return error("unknown command '" + echo(name) + "'");
        }
    }

    private static Request oneKey(String rest, String usage, java.util.function.Function<String, Request> request) {
        if (rest == null || rest.indexOf(' ') >= 0) {
            return usage(usage);
        }
        return rest.isEmpty() ? emptyKey() : request.apply(rest);
    }

    /** {@code SET <key> <value>}: the value is everything after the key's space, and may be empty. */
    private static Request set(String rest) {
        int space = rest == null ? -1 : rest.indexOf(' ');
        if (space < 0) {
            return usage("SET <key> <value>");
        }
        String key = rest.substring(0, space);
        return key.isEmpty() ? emptyKey() : new Request.Set(key, rest.substring(space + 1));
    }

    private static Request cas(String rest) {
        String[] tokens = rest == null ? new String[0] : rest.split(" ", -1);
        if (tokens.length != 3) {
            return usage("CAS <key> <expected> <new>");
        }
        return tokens[0].isEmpty() ? emptyKey() : new Request.CompareAndSet(tokens[0], tokens[1], tokens[2]);
    }

    private static Request consistency(String mode) {
        if (mode == null) {
            return new Request.GetConsistency();
        }
        ConsistencyPolicy policy = policyNamed(mode);
        return policy == null ? error("unknown consistency '" + mode + "'") : new Request.SetConsistency(policy);
    }

    /** The policy with this wire name in any case, or {@code null}. */
    static ConsistencyPolicy policyNamed(String mode) {
        for (ConsistencyPolicy policy : ConsistencyPolicy.values()) {
            if (policy.wireName().equalsIgnoreCase(mode)) {
                return policy;
            }
        }
        return null;
    }

    private static Request usage(String usage) {
        return error("wrong number of arguments, usage: " + usage);
    }

    private static Request emptyKey() {
        return error("empty key");
    }

    private static Request error(String reason) {
        return new Request.Answered(Reply.error(reason));
    }

    private static String echo(String name) {
        return name.length() <= ECHOED_NAME_CHARS ? name : name.substring(0, ECHOED_NAME_CHARS) + "...";
    }
}
