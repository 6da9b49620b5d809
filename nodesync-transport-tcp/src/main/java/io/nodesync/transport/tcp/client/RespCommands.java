package io.nodesync.transport.tcp.client;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Node;
import io.nodesync.NodeStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Parses RESP commands (arguments, the command name first) into {@link Request}s: the node's own commands as Redis
 * spells them ({@code GET}, {@code SET}, {@code DEL k...}, {@code PING}, plus {@code CAS}, {@code CONSISTENCY},
 * {@code STATUS}), and, answered on the spot, enough of the start-up chatter of redis-cli, redis-benchmark and the
 * client libraries ({@code COMMAND}, {@code CONFIG GET}, {@code CLIENT}, {@code HELLO 2}, {@code INFO},
 * {@code SELECT 0}, {@code ECHO}, {@code QUIT}) that they run without errors. Error texts follow Redis where one
 * exists, so tools print what their users expect. One per connection (it remembers the client's name); used on the
 * connection's event loop only.
 */
final class RespCommands {

    /** What Redis version to claim: tools gate features on it, and 7.0 is one whose RESP2 chatter we answer. */
    static final String CLAIMED_REDIS_VERSION = "7.0.0";

    private static final AtomicLong CONNECTION_IDS = new AtomicLong();

    /** The commands we serve, with Redis's arity convention (negative: at least that many, name included). */
    private static final Map<String, Integer> ARITY = Map.ofEntries(
            Map.entry("get", 2), Map.entry("set", -3), Map.entry("del", -2), Map.entry("cas", 4),
            Map.entry("ping", -1), Map.entry("echo", 2), Map.entry("consistency", -1), Map.entry("status", 1),
            Map.entry("quit", -1), Map.entry("select", 2), Map.entry("command", -1), Map.entry("config", -2),
            Map.entry("client", -2), Map.entry("hello", -1), Map.entry("info", -1));

    /** The settings {@code CONFIG GET} reports: those redis-benchmark asks for, true of a NodeSync node. */
    private static final Map<String, String> CONFIG = Map.of("save", "", "appendonly", "no", "databases", "1");

    private final Node node;
    private final long connectionId = CONNECTION_IDS.incrementAndGet();
    private String clientName;

    RespCommands(Node node) {
        this.node = node;
    }

    /** Whether this command ends the connection once answered. */
    static boolean isQuit(List<String> arguments) {
        return !arguments.isEmpty() && arguments.get(0).equalsIgnoreCase("QUIT");
    }

    /** The request for one command. */
    Request parse(List<String> arguments) {
        String name = arguments.get(0).toLowerCase(Locale.ROOT);
        Integer arity = ARITY.get(name);
        if (arity == null) {
            return error("unknown command '" + echo(arguments.get(0)) + "'");
        }
        int count = arguments.size();
        if (arity >= 0 ? count != arity : count < -arity) {
            return error("wrong number of arguments for '" + name + "' command");
        }
        List<String> args = arguments.subList(1, count);
        switch (name) {
            case "get":
                return args.get(0).isEmpty() ? emptyKey() : new Request.Get(args.get(0));
            case "set":
                if (count > 3) {
                    return error("syntax error (SET options such as EX, PX, NX and XX are not supported)");
                }
                return args.get(0).isEmpty() ? emptyKey() : new Request.Set(args.get(0), args.get(1));
            case "del":
                return args.stream().anyMatch(String::isEmpty) ? emptyKey() : new Request.Delete(args);
            case "cas":
                return args.get(0).isEmpty() ? emptyKey() : new Request.CompareAndSet(args.get(0), args.get(1),
                        args.get(2));
            case "ping":
                return count > 2 ? error("wrong number of arguments for 'ping' command")
                        : new Request.Ping(count == 2 ? args.get(0) : null);
            case "consistency":
                return consistency(args);
            case "status":
                return new Request.Status();
            case "echo":
                return answered(new Reply.Bulk(args.get(0)));
            case "quit":
                return answered(Reply.OK);
            case "select":
                return select(args.get(0));
            case "command":
                return answered(command(args));
            case "config":
                return answered(config(args));
            case "client":
                return answered(client(args));
            case "hello":
                return answered(hello(args));
            case "info":
                return answered(info());
            default:
                throw new IllegalStateException("command without a parser: " + name);
        }
    }

    private static Request consistency(List<String> args) {
        if (args.isEmpty()) {
            return new Request.GetConsistency();
        }
        if (args.size() > 1) {
            return error("wrong number of arguments for 'consistency' command");
        }
        ConsistencyPolicy policy = LineCommandParser.policyNamed(args.get(0));
        return policy == null ? error("unknown consistency '" + args.get(0) + "'")
                : new Request.SetConsistency(policy);
    }

    /** Only database 0 exists: the replicated map is one keyspace. */
    private static Request select(String index) {
        if (!index.matches("-?\\d{1,18}")) {
            return error("value is not an integer or out of range");
        }
        return Long.parseLong(index) == 0 ? answered(Reply.OK) : error("DB index is out of range");
    }

    /**
     * {@code COMMAND}: each command as Redis 2.8 listed it (name, arity, flags, first key, last key, step), which
     * every client understands; {@code COMMAND DOCS} is an empty map, which makes redis-cli fall back to its own
     * built-in help.
     */
    private static Reply command(List<String> args) {
        if (args.isEmpty()) {
            List<Reply> all = new ArrayList<>();
            ARITY.keySet().stream().sorted().forEach(name -> all.add(commandInfo(name)));
            return new Reply.Array(all);
        }
        String sub = args.get(0).toUpperCase(Locale.ROOT);
        switch (sub) {
            case "COUNT":
                return new Reply.Int(ARITY.size());
            case "DOCS":
                return new Reply.Array(List.of());
            case "INFO": {
                List<Reply> infos = new ArrayList<>();
                for (String name : args.subList(1, args.size())) {
                    String lower = name.toLowerCase(Locale.ROOT);
                    infos.add(ARITY.containsKey(lower) ? commandInfo(lower) : new Reply.Bulk(null));
                }
                return new Reply.Array(infos);
            }
            default:
                return new Reply.Error("ERR", "unknown subcommand '" + echo(args.get(0)) + "' for 'command'");
        }
    }

    private static Reply commandInfo(String name) {
        boolean write = name.equals("set") || name.equals("del") || name.equals("cas");
        boolean keyed = write || name.equals("get");
        int lastKey = name.equals("del") ? -1 : keyed ? 1 : 0;
        return new Reply.Array(List.of(new Reply.Bulk(name), new Reply.Int(ARITY.get(name)),
                new Reply.Array(List.of(new Reply.Simple(write ? "write" : keyed ? "readonly" : "fast"))),
                new Reply.Int(keyed ? 1 : 0), new Reply.Int(lastKey), new Reply.Int(keyed ? 1 : 0)));
    }

    /** {@code CONFIG GET pattern...}: name and value pairs of the settings that match (glob patterns as Redis). */
    private static Reply config(List<String> args) {
        String sub = args.get(0).toUpperCase(Locale.ROOT);
        if (sub.equals("RESETSTAT")) {
            return Reply.OK;
        }
        if (!sub.equals("GET")) {
            return new Reply.Error("ERR", "CONFIG " + echo(args.get(0)) + " is not supported");
        }
        if (args.size() < 2) {
            return new Reply.Error("ERR", "wrong number of arguments for 'config|get' command");
        }
        List<Reply> pairs = new ArrayList<>();
        CONFIG.keySet().stream().sorted().forEach(setting -> {
            for (String pattern : args.subList(1, args.size())) {
                if (globMatches(pattern, setting)) {
                    pairs.add(new Reply.Bulk(setting));
                    pairs.add(new Reply.Bulk(CONFIG.get(setting)));
                    break;
                }
            }
        });
        return new Reply.Array(pairs);
    }

    /**
     * Whether {@code text} matches a Redis glob ({@code *}, {@code ?}, everything else literal), ASCII letters in
     * any case, as Redis matches settings. Greedy with one backtrack point (the last star), so at most
     * pattern-length times text-length steps: a regular expression of {@code .*}s backtracks exponentially on a
     * pattern of many stars that cannot match, and a client could hold the event loop with one.
     */
    private static boolean globMatches(String pattern, String text) {
        int p = 0;
        int t = 0;
        int lastStar = -1;
        int textAtLastStar = 0;
        while (t < text.length()) {
            boolean inPattern = p < pattern.length();
            if (inPattern && pattern.charAt(p) == '*') {
                lastStar = p++;
                textAtLastStar = t;
            } else if (inPattern && (pattern.charAt(p) == '?'
                    || sameIgnoringAsciiCase(pattern.charAt(p), text.charAt(t)))) {
                p++;
                t++;
            } else if (lastStar >= 0) {
                p = lastStar + 1; // let the last star take one more character, and try again from there
                t = ++textAtLastStar;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    private static boolean sameIgnoringAsciiCase(char a, char b) {
        return a == b || (a | 0x20) == (b | 0x20) && (a | 0x20) >= 'a' && (a | 0x20) <= 'z';
    }

    /** {@code CLIENT ...}: names and library info are accepted (client libraries send them on connect). */
    private Reply client(List<String> args) {
        String sub = args.get(0).toUpperCase(Locale.ROOT);
        switch (sub) {
            case "SETNAME":
                if (args.size() != 2) {
                    return new Reply.Error("ERR", "wrong number of arguments for 'client|setname' command");
                }
                clientName = args.get(1).isEmpty() ? null : args.get(1);
                return Reply.OK;
            case "GETNAME":
                return new Reply.Bulk(clientName);
            case "ID":
                return new Reply.Int(connectionId);
            case "SETINFO":
                return args.size() == 3 ? Reply.OK
                        : new Reply.Error("ERR", "wrong number of arguments for 'client|setinfo' command");
            case "NO-EVICT":
            case "NO-TOUCH":
                return Reply.OK;
            case "INFO":
                return new Reply.Bulk("id=" + connectionId + " name=" + (clientName == null ? "" : clientName)
                        + " db=0 resp=2\n");
            default:
                return new Reply.Error("ERR", "unknown subcommand '" + echo(args.get(0)) + "' for 'client'");
        }
    }

    /** {@code HELLO [2 [SETNAME name]]}: RESP2 only; the server facts come as a flat key-value array. */
    private Reply hello(List<String> args) {
        if (!args.isEmpty()) {
            String version = args.get(0);
            if (!version.matches("\\d{1,9}")) {
                return new Reply.Error("ERR", "Protocol version is not an integer or out of range");
            }
            if (!version.equals("2")) {
                return new Reply.Error("NOPROTO", "unsupported protocol version: this server speaks RESP2 only");
            }
            List<String> options = args.subList(1, args.size());
            for (int i = 0; i < options.size(); i += 2) {
                String option = options.get(i).toUpperCase(Locale.ROOT);
                if (i + 1 >= options.size() || !(option.equals("SETNAME") || option.equals("AUTH"))) {
                    return new Reply.Error("ERR", "syntax error in HELLO option '" + echo(options.get(i)) + "'");
                }
                if (option.equals("AUTH")) {
                    return new Reply.Error("ERR", "AUTH is not supported: this server has no passwords");
                }
                clientName = options.get(i + 1);
            }
        }
        return new Reply.Array(List.of(
                new Reply.Bulk("server"), new Reply.Bulk("redis"),
                new Reply.Bulk("version"), new Reply.Bulk(CLAIMED_REDIS_VERSION),
                new Reply.Bulk("proto"), new Reply.Int(2),
                new Reply.Bulk("id"), new Reply.Int(connectionId),
                new Reply.Bulk("mode"), new Reply.Bulk("standalone"),
                new Reply.Bulk("role"), new Reply.Bulk("master"),
                new Reply.Bulk("modules"), new Reply.Array(List.of())));
    }

    /** {@code INFO}: a Redis-style {@code # Server} section, then this node's status as its own section. */
    private Reply info() {
        NodeStatus status = node.status();
        StringBuilder text = new StringBuilder()
                .append("# Server\r\n")
                .append("redis_version:").append(CLAIMED_REDIS_VERSION).append("\r\n")
                .append("redis_mode:standalone\r\n")
                .append("server_name:nodesync\r\n")
                .append("\r\n# NodeSync\r\n");
        for (String pair : status.toLine().split(" ")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                text.append(pair, 0, equals).append(':').append(pair, equals + 1, pair.length()).append("\r\n");
            }
        }
        text.append("\r\n# Keyspace\r\n");
        return new Reply.Bulk(text.toString());
    }

    private static Request answered(Reply reply) {
        return new Request.Answered(reply);
    }

    private static Request error(String reason) {
        return answered(Reply.error(reason));
    }

    private static Request emptyKey() {
        return error("empty key");
    }

    /** Enough of a client's text to recognise it in an error, never a whole argument. */
    private static String echo(String text) {
        return text.length() <= 32 ? text : text.substring(0, 32) + "...";
    }
}
