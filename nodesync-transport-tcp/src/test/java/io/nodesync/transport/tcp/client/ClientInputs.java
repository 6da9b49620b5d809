package io.nodesync.transport.tcp.client;

import io.nodesync.transport.tcp.Mutator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Valid client inputs for the fuzzers, in both dialects of {@code CLIENT-PROTOCOL.md}: every command of the
 * contract with names in any case, keys and values with spaces, tabs and any script, values up to and past the
 * line limit, both line endings and empty lines; RESP arrays of bulk strings (binary-safe, so with line breaks),
 * inline commands, empty requests, and the Redis tools' chatter. Plus each dialect's tokens for soups.
 */
public final class ClientInputs {

    private static final String[] KEYS = {"k", "key", "user:42", "\u043a\u043b\u044e\u0447", "\u65e5\u672c",
        "\uD83D\uDE80", "a\tb", "k\u0000", "K", "e\u0301"};
    private static final String[] VALUES = {"v", "hello world", "  spaced  out  ", "", "1",
        "gr\u00fc\u00dfe \u65e5\u672c \uD83D\uDE80", "tab\tvalue", "a=b;c", "\u00e9\u0301"};
    /** Values only RESP can carry: the line dialect would end the line at their line break. */
    private static final String[] BINARY_VALUES = {"two\r\nlines", "\n", "\r", "$3\r\nabc\r\n", "*1\r\n"};
    /** CAS arguments of the line dialect hold no spaces. */
    private static final String[] WORDS = {"1", "2", "old", "new", "\u00e9", "x", "0"};
    private static final String[] MODES = {"strong", "eventual", "STRONG", "Eventual", "weak", "strong ", ""};
    /** Glob pieces for {@code CONFIG GET}: wildcards, letters of the settings' names, and the names themselves. */
    private static final String[] GLOB_PIECES = {"*", "*", "?", "a", "e", "s", "p", "d", "x", "save", "appendonly",
        "databases", "SAVE", "\\"};
    private static final String[] WILDCARD_HEAVY_GLOB_PIECES = {"*", "*", "*", "*", "*", "?", "x"};

    /** Pieces of line-dialect input, for soups. */
    public static final List<byte[]> LINE_TOKENS = utf8("PING", "SET", "GET", "DEL", "CAS", "CONSISTENCY", "STATUS",
            "ping", "strong", "eventual", " ", " ", "\n", "\n", "\r\n", "\r", "k", "v", "value with spaces",
            "\u00e9", "\uD83D\uDE80", "\u0000", "\t", "*", "\u00ff");

    /** Pieces of RESP input, for soups. */
    public static final List<byte[]> RESP_TOKENS = utf8("*", "*", "$", "$", "\r\n", "\r\n", "\n", "0", "1", "2", "3",
            "-1", "99999999999", "*1\r\n", "*2\r\n", "*3\r\n", "$3\r\n", "$4\r\n", "$-1\r\n", "GET", "SET", "PING",
            "CONFIG", "HELLO", "QUIT", "CLIENT", "k", "v", " ", "***", "?", ":", "+", "-", "$4\r\nPING\r\n");

    private ClientInputs() {
    }

    private static List<byte[]> utf8(String... tokens) {
        return Stream.of(tokens).map(token -> token.getBytes(StandardCharsets.UTF_8)).toList();
    }

    // ------------------------------------------------------------------------------------------ line dialect

    /** 1 to 12 line-dialect commands, each ended by LF or CRLF (the last one sometimes by nothing). */
    public static Mutator.Valid lineCommands(SplittableRandom random, int maxLineBytes) {
        StringBuilder text = new StringBuilder();
        int count = 1 + random.nextInt(12);
        for (int i = 0; i < count; i++) {
            text.append(lineCommand(random, maxLineBytes));
            if (i < count - 1 || random.nextInt(8) != 0) {
                text.append(random.nextInt(3) == 0 ? "\r\n" : "\n");
            }
        }
        return new Mutator.Valid(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String lineCommand(SplittableRandom random, int maxLineBytes) {
        switch (random.nextInt(12)) {
            case 0:
                return name("PING", random);
            case 1:
                return name("SET", random) + " " + pick(KEYS, random) + " " + pick(VALUES, random);
            case 2:
                return name("GET", random) + " " + pick(KEYS, random);
            case 3:
                return name("DEL", random) + " " + pick(KEYS, random);
            case 4:
                return name("CAS", random) + " " + pick(KEYS, random) + " " + pick(WORDS, random) + " "
                        + pick(WORDS, random);
            case 5:
                return name("CONSISTENCY", random);
            case 6:
                return name("CONSISTENCY", random) + " " + pick(MODES, random);
            case 7:
                return name("STATUS", random);
            case 8:
                return "";
            case 9: {
                // A value that makes the line just shorter than the limit, exactly as long, or just longer.
                String start = name("SET", random) + " " + pick(KEYS, random) + " ";
                int valueBytes = maxLineBytes - start.getBytes(StandardCharsets.UTF_8).length + random.nextInt(-2, 3);
                return start + "x".repeat(Math.max(0, valueBytes));
            }
            case 10:
                return name("SET", random) + " " + pick(KEYS, random) + " " + anyText(random, 1 + random.nextInt(40));
            default:
                return name("GET", random) + " " + anyText(random, 1 + random.nextInt(8)).replace(' ', '_');
        }
    }

    /** A command name as a person might type it: upper case, lower case or mixed. */
    private static String name(String name, SplittableRandom random) {
        switch (random.nextInt(4)) {
            case 0:
                return name.toLowerCase(Locale.ROOT);
            case 1: {
                StringBuilder mixed = new StringBuilder();
                for (char c : name.toCharArray()) {
                    mixed.append(random.nextBoolean() ? Character.toLowerCase(c) : c);
                }
                return mixed.toString();
            }
            default:
                return name;
        }
    }

    /** Text of {@code length} code points from several scripts, spaces included, no line breaks. */
    private static String anyText(SplittableRandom random, int length) {
        int[][] ranges = {{0x20, 0x7E}, {0xA0, 0xFF}, {0x400, 0x4FF}, {0x4E00, 0x4E80}, {0x1F600, 0x1F64F},
            {0x300, 0x36F}};
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int[] range = ranges[random.nextInt(ranges.length)];
            text.appendCodePoint(random.nextInt(range[0], range[1] + 1));
        }
        return text.toString();
    }

    private static String pick(String[] choices, SplittableRandom random) {
        return choices[random.nextInt(choices.length)];
    }

    // ------------------------------------------------------------------------------------------ RESP

    /** 1 to 8 RESP requests: mostly arrays of bulk strings, some inline commands and empty requests. */
    public static Mutator.Valid respCommands(SplittableRandom random) {
        StringBuilder wire = new StringBuilder();
        int count = 1 + random.nextInt(8);
        for (int i = 0; i < count; i++) {
            int form = random.nextInt(20);
            if (form == 0) {
                wire.append(pick(new String[] {"*0\r\n", "*-1\r\n", "\r\n", "   \n"}, random));
                continue;
            }
            List<String> arguments = respCommand(random);
            boolean inlineable = arguments.stream().noneMatch(a -> a.isEmpty() || a.matches("(?s).*[ \t\r\n].*"));
            if (form <= 3 && inlineable) {
                wire.append(String.join(random.nextBoolean() ? " " : "  ", arguments))
                        .append(random.nextBoolean() ? "\r\n" : "\n");
            } else {
                wire.append('*').append(arguments.size()).append("\r\n");
                for (String argument : arguments) {
                    wire.append('$').append(argument.getBytes(StandardCharsets.UTF_8).length).append("\r\n")
                            .append(argument).append("\r\n");
                }
            }
        }
        return new Mutator.Valid(wire.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> respCommand(SplittableRandom random) {
        List<String> arguments = new ArrayList<>();
        switch (random.nextInt(20)) {
            case 0 -> arguments.addAll(List.of(name("GET", random), pick(KEYS, random)));
            case 1 -> arguments.addAll(List.of(name("SET", random), pick(KEYS, random), respValue(random)));
            case 2 -> {
                arguments.add(name("DEL", random));
                int keys = 1 + random.nextInt(5);
                for (int i = 0; i < keys; i++) {
                    arguments.add(pick(KEYS, random));
                }
            }
            case 3 -> arguments.addAll(List.of(name("CAS", random), pick(KEYS, random), respValue(random),
                    respValue(random)));
            case 4 -> arguments.add(name("PING", random));
            case 5 -> arguments.addAll(List.of(name("PING", random), respValue(random)));
            case 6 -> arguments.addAll(List.of(name("ECHO", random), respValue(random)));
            case 7 -> {
                arguments.add(name("CONSISTENCY", random));
                if (random.nextBoolean()) {
                    arguments.add(pick(MODES, random));
                }
            }
            case 8 -> arguments.add(name("STATUS", random));
            case 9 -> arguments.addAll(List.of(name("SELECT", random), pick(new String[] {"0", "1", "-0", "x"},
                    random)));
            case 10 -> {
                arguments.add(name("COMMAND", random));
                switch (random.nextInt(5)) {
                    case 0 -> arguments.add("COUNT");
                    case 1 -> arguments.add("DOCS");
                    case 2 -> arguments.addAll(List.of("INFO", "get", "nope"));
                    case 3 -> arguments.add("BOGUS");
                    default -> {
                    }
                }
            }
            case 11 -> {
                arguments.addAll(List.of(name("CONFIG", random), name("GET", random)));
                int patterns = 1 + random.nextInt(3);
                for (int i = 0; i < patterns; i++) {
                    arguments.add(glob(random));
                }
            }
            case 12 -> arguments.addAll(random.nextBoolean() ? List.of(name("CONFIG", random), "RESETSTAT")
                    : List.of(name("CONFIG", random), "SET", "save", ""));
            case 13 -> {
                arguments.add(name("CLIENT", random));
                switch (random.nextInt(7)) {
                    case 0 -> arguments.addAll(List.of("SETNAME", pick(KEYS, random)));
                    case 1 -> arguments.add("GETNAME");
                    case 2 -> arguments.add("ID");
                    case 3 -> arguments.addAll(List.of("SETINFO", "lib-name", "jedis"));
                    case 4 -> arguments.add("INFO");
                    case 5 -> arguments.addAll(List.of("NO-EVICT", "on"));
                    default -> arguments.add("KILL");
                }
            }
            case 14 -> {
                arguments.add(name("HELLO", random));
                switch (random.nextInt(5)) {
                    case 0 -> arguments.add("2");
                    case 1 -> arguments.addAll(List.of("2", "SETNAME", pick(KEYS, random)));
                    case 2 -> arguments.add("3");
                    case 3 -> arguments.addAll(List.of("2", "AUTH", "user", "secret"));
                    default -> {
                    }
                }
            }
            case 15 -> arguments.add(name("INFO", random));
            case 16 -> arguments.add(random.nextInt(4) == 0 ? name("QUIT", random) : "PING");
            case 17 -> arguments.addAll(List.of("FLUSHALL", pick(KEYS, random)));
            case 18 -> arguments.addAll(List.of(name("SET", random), pick(KEYS, random), respValue(random), "EX",
                    "10"));
            default -> arguments.addAll(List.of(name("GET", random), anyText(random, 1 + random.nextInt(30))));
        }
        return arguments;
    }

    private static String respValue(SplittableRandom random) {
        return random.nextInt(4) == 0 ? pick(BINARY_VALUES, random) : pick(VALUES, random);
    }

    /**
     * A {@code CONFIG GET} pattern: one of the settings, a random mix of wildcards and letters, or a pattern dense
     * with wildcards (what stresses a glob matcher most).
     */
    private static String glob(SplittableRandom random) {
        StringBuilder pattern = new StringBuilder();
        int kind = random.nextInt(4);
        int pieces = kind == 0 ? 1 : random.nextInt(40);
        for (int i = 0; i < pieces; i++) {
            pattern.append(kind == 1 ? pick(WILDCARD_HEAVY_GLOB_PIECES, random) : pick(GLOB_PIECES, random));
        }
        return pattern.toString();
    }
}
