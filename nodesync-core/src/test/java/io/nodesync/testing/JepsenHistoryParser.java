package io.nodesync.testing;

import io.nodesync.testing.Operation.Kind;
import io.nodesync.testing.Operation.Outcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a Jepsen etcd register log (see {@code src/test/resources/jepsen-etcd/README.md}) into {@link Operation}s on
 * a single key. One event per line: {@code INFO  jepsen.util - <process> <type> <f> <value>}, fields separated by
 * tabs or spaces. Time is the line number. Each completion is paired with its process's outstanding invocation:
 * {@code :ok} completes it with the result, {@code :fail} means it had no effect ({@link Outcome#FAIL}),
 * {@code :info} (and no completion at all) means its outcome is unknown. Values are kept as strings; {@code nil}
 * is absent; a CAS value is {@code [expected new]}, and {@code :ok} on a CAS means it swapped.
 *
 * <p>Strict: an unrecognised line, a completion with no invocation, or a second invocation while one is outstanding
 * throws, naming the line, so a format surprise cannot silently change a verdict.
 */
final class JepsenHistoryParser {

    static final String KEY = "register";

    private static final Pattern LINE = Pattern.compile(
            "^INFO\\s+jepsen\\.util\\s+-\\s+(\\d+)\\s+:(invoke|ok|fail|info)\\s+:(read|write|cas)\\s+(.+?)\\s*$");
    private static final Pattern CAS_VALUE = Pattern.compile("^\\[(nil|-?\\d+)\\s+(nil|-?\\d+)]$");
    private static final Pattern SCALAR = Pattern.compile("^(nil|-?\\d+)$");

    private JepsenHistoryParser() {
    }

    static List<Operation> parse(String log) {
        List<Operation> operations = new ArrayList<>();
        Map<Integer, Invocation> outstanding = new HashMap<>();
        String[] lines = log.split("\\R");
        long nextId = 0;
        for (int index = 0; index < lines.length; index++) {
            String line = lines[index];
            if (line.isBlank()) {
                continue;
            }
            long time = index + 1L;
            Matcher matcher = LINE.matcher(line);
            if (!matcher.matches()) {
                throw malformed(index, line, "not a Jepsen event");
            }
            int process = Integer.parseInt(matcher.group(1));
            String type = matcher.group(2);
            Kind kind = Kind.valueOf(matcher.group(3).toUpperCase(java.util.Locale.ROOT));
            String value = matcher.group(4);
            if (type.equals("invoke")) {
                if (outstanding.containsKey(process)) {
                    throw malformed(index, line, "process " + process + " already has an operation outstanding");
                }
                outstanding.put(process, invocation(nextId++, process, kind, value, time, index, line));
                continue;
            }
            Invocation invoked = outstanding.remove(process);
            if (invoked == null || invoked.kind != kind) {
                throw malformed(index, line, "no matching invocation for process " + process);
            }
            operations.add(switch (type) {
                case "ok" -> invoked.complete(Outcome.OK, readResult(kind, value, index, line), time);
                case "fail" -> invoked.complete(Outcome.FAIL, null, time);
                default -> invoked.complete(Outcome.UNKNOWN, null, Long.MAX_VALUE);
            });
        }
        for (Invocation never : outstanding.values()) {
            operations.add(never.complete(Outcome.UNKNOWN, null, Long.MAX_VALUE));
        }
        return operations;
    }

    private static Invocation invocation(long id, int process, Kind kind, String value, long time, int index,
            String line) {
        return switch (kind) {
            case READ -> new Invocation(id, process, kind, null, null, time);
            case WRITE -> new Invocation(id, process, kind, scalar(value, index, line), null, time);
            case CAS -> {
                Matcher cas = CAS_VALUE.matcher(value);
                if (!cas.matches()) {
                    throw malformed(index, line, "a cas value is [expected new]");
                }
                yield new Invocation(id, process, kind, nilToNull(cas.group(2)), nilToNull(cas.group(1)), time);
            }
        };
    }

    private static String readResult(Kind kind, String value, int index, String line) {
        return kind == Kind.READ ? scalar(value, index, line) : null;
    }

    private static String scalar(String value, int index, String line) {
        if (!SCALAR.matcher(value).matches()) {
            throw malformed(index, line, "expected nil or an integer, got '" + value + "'");
        }
        return nilToNull(value);
    }

    private static String nilToNull(String value) {
        return value.equals("nil") ? null : value;
    }

    private static IllegalArgumentException malformed(int index, String line, String why) {
        return new IllegalArgumentException("line " + (index + 1) + ": " + why + ": " + line);
    }

    private record Invocation(long id, int process, Kind kind, String argument, String expected, long invokedAt) {

        Operation complete(Outcome outcome, String readValue, long completedAt) {
            String value = kind == Kind.READ ? readValue : argument;
            boolean swapped = kind == Kind.CAS && outcome == Outcome.OK;
            return new Operation(id, process, KEY, kind, value, expected, swapped, invokedAt, completedAt, outcome);
        }
    }
}
