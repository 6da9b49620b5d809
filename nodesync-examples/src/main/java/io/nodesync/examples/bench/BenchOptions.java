package io.nodesync.examples.bench;

import io.nodesync.log.FsyncPolicy;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The command line of {@code ./nodesync bench}.
 *
 * @param connect addresses of an existing cluster's nodes, or empty to start one in this JVM
 * @param nodes nodes of the cluster started in this JVM
 * @param clients concurrent client counts of the throughput rows
 * @param warmupRequests unmeasured requests before each sequential row
 * @param requests measured requests of each sequential row
 * @param duration measured time of each throughput row
 * @param warmup unmeasured time before each throughput row
 * @param valueSize bytes of each value written
 * @param keys distinct keys, {@code key0..key<keys-1>}
 * @param modes consistency modes measured: {@code eventual}, {@code strong}
 * @param apis APIs measured: {@code embedded}, {@code tcp}
 * @param fsync the fsync policy of the durable rows, or null for none
 * @param dataDirectory where the durable rows' nodes keep their data, or null for a temporary directory
 * @param loadKeys keys loaded before the rows, to measure the heap a node needs for them (0: none)
 * @param seedCompatible run only the seed's benchmark: a new connection per request, {@code seedRequests} each
 * @param seedRequests requests per mode of the seed-compatible benchmark
 * @param reportDirectory where the CSV and HTML reports go
 * @param help print the usage and exit
 */
record BenchOptions(List<InetSocketAddress> connect, int nodes, List<Integer> clients, int warmupRequests,
        int requests, Duration duration, Duration warmup, int valueSize, int keys, List<String> modes,
        List<String> apis, FsyncPolicy fsync, Path dataDirectory, int loadKeys, boolean seedCompatible,
        int seedRequests, Path reportDirectory, boolean help) {

    static final String USAGE = """
            Usage: ./nodesync bench [options]

            By default starts a cluster in this JVM (nodes over the TCP transport on loopback) and measures, for the
            eventual and strong modes, through the embedded Store API of the leader and through the line protocol
            over persistent TCP connections to it: sequential puts and gets (one client), then put throughput with
            16 and 64 concurrent clients. Also measures a plain loopback TCP round trip, so every latency is also
            given as a multiple of it. Prints the seed's format, then a table; writes a CSV and an HTML report.

              --connect H:P,...      benchmark an existing cluster of node processes (TCP rows only); the node
                                     STATUS names as leader is used, else the first
              --nodes N              nodes in the in-JVM cluster (default 3)
              --clients LIST         concurrent clients of the throughput rows (default 16,64)
              --requests N           measured requests per sequential row (default 20000)
              --warmup-requests N    unmeasured requests before each sequential row (default 5000)
              --duration S           measured seconds per throughput row (default 10)
              --warmup S             unmeasured seconds before each throughput row (default 2)
              --value-size N         value bytes (default 100)
              --keys N               distinct keys key0..keyN-1 (default 10000)
              --modes LIST           eventual,strong (default both)
              --apis LIST            embedded,tcp (default both; --connect implies tcp)
              --fsync POLICY         add durable rows: strong puts on a cluster whose nodes keep a file log with
                                     this fsync policy (always, batch or never), and the raw fsync cost
              --data-dir DIR         where the durable rows' nodes keep their data (default a temporary
                                     directory, deleted after); implies --fsync always unless given
              --load-keys N          load N keys first, so the heap printed after the run holds them
              --seed-compatible      only the seed's benchmark: a new connection per request, 50 SETs per mode
              --seed-requests N      requests per mode of --seed-compatible (default 50)
              --report-dir DIR       where bench.csv and bench.html go (default bench-results)
            """;

    private static final List<String> MODES = List.of("eventual", "strong");
    /** The options that take a value. */
    private static final List<String> VALUED = List.of("--connect", "--nodes", "--clients", "--requests",
            "--warmup-requests", "--duration", "--warmup", "--value-size", "--keys", "--modes", "--apis", "--fsync",
            "--data-dir", "--load-keys", "--seed-requests", "--report-dir");
    private static final List<String> APIS = List.of("embedded", "tcp");

    /** Parses {@code args}; throws {@link IllegalArgumentException} naming the bad option. */
    static BenchOptions parse(String[] args) {
        List<InetSocketAddress> connect = List.of();
        int nodes = 3;
        List<Integer> clients = List.of(16, 64);
        int warmupRequests = 5_000;
        int requests = 20_000;
        Duration duration = Duration.ofSeconds(10);
        Duration warmup = Duration.ofSeconds(2);
        int valueSize = 100;
        int keys = 10_000;
        List<String> modes = MODES;
        List<String> apis = APIS;
        FsyncPolicy fsync = null;
        Path dataDirectory = null;
        int loadKeys = 0;
        boolean seedCompatible = false;
        int seedRequests = 50;
        Path reportDirectory = Path.of("bench-results");
        boolean apisGiven = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                return new BenchOptions(connect, nodes, clients, warmupRequests, requests, duration, warmup,
                        valueSize, keys, modes, apis, fsync, dataDirectory, loadKeys, seedCompatible, seedRequests,
                        reportDirectory, true);
            }
            if (arg.equals("--seed-compatible")) {
                seedCompatible = true;
                continue;
            }
            if (!VALUED.contains(arg)) {
                throw new IllegalArgumentException(arg.startsWith("-") ? "unknown option '" + arg + "'"
                        : "unexpected argument '" + arg + "'");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(arg + " needs a value");
            }
            String value = args[++i];
            switch (arg) {
                case "--connect" -> connect = addresses(value);
                case "--nodes" -> nodes = count(value, arg, 1, 99);
                case "--clients" -> clients = list(value, arg).stream().map(c -> count(c, arg, 1, 10_000)).toList();
                case "--requests" -> requests = count(value, arg, 1, 100_000_000);
                case "--warmup-requests" -> warmupRequests = count(value, arg, 0, 100_000_000);
                case "--duration" -> duration = seconds(value, arg, false);
                case "--warmup" -> warmup = seconds(value, arg, true);
                case "--value-size" -> valueSize = count(value, arg, 1, 64 * 1024 * 1024);
                case "--keys" -> keys = count(value, arg, 1, 100_000_000);
                case "--modes" -> modes = known(list(value, arg), MODES, arg);
                case "--apis" -> {
                    apis = known(list(value, arg), APIS, arg);
                    apisGiven = true;
                }
                case "--fsync" -> fsync = fsync(value);
                case "--data-dir" -> dataDirectory = Path.of(value);
                case "--load-keys" -> loadKeys = count(value, arg, 0, 100_000_000);
                case "--seed-requests" -> seedRequests = count(value, arg, 1, 1_000_000);
                case "--report-dir" -> reportDirectory = Path.of(value);
                default -> throw new IllegalStateException("option '" + arg + "' is listed but not handled");
            }
        }
        if (!connect.isEmpty()) {
            if (apisGiven && apis.contains("embedded")) {
                throw new IllegalArgumentException("--connect benchmarks other processes: only --apis tcp applies");
            }
            apis = List.of("tcp");
            if (fsync != null || dataDirectory != null) {
                throw new IllegalArgumentException("--fsync and --data-dir start nodes here; with --connect the "
                        + "nodes' own --data-dir and --fsync apply");
            }
        }
        if (dataDirectory != null && fsync == null) {
            fsync = FsyncPolicy.ALWAYS;
        }
        return new BenchOptions(connect, nodes, clients, warmupRequests, requests, duration, warmup, valueSize,
                keys, modes, apis, fsync, dataDirectory, loadKeys, seedCompatible, seedRequests, reportDirectory,
                false);
    }

    private static List<InetSocketAddress> addresses(String text) {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String item : list(text, "--connect")) {
            int colon = item.lastIndexOf(':');
            if (colon <= 0 || colon == item.length() - 1) {
                throw new IllegalArgumentException("--connect: '" + item + "' is not HOST:PORT");
            }
            int port = count(item.substring(colon + 1), "--connect port", 1, 65_535);
            addresses.add(InetSocketAddress.createUnresolved(item.substring(0, colon), port));
        }
        return List.copyOf(addresses);
    }

    private static FsyncPolicy fsync(String text) {
        try {
            return FsyncPolicy.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--fsync: unknown policy '" + text + "', expected always, batch or "
                    + "never");
        }
    }

    private static Duration seconds(String text, String option, boolean zeroAllowed) {
        double seconds;
        try {
            seconds = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number of seconds, got '" + text + "'");
        }
        if (seconds < 0 || (!zeroAllowed && seconds == 0) || seconds > 86_400 || Double.isNaN(seconds)) {
            throw new IllegalArgumentException(option + " is out of range: " + text);
        }
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    private static int count(String text, String option, int min, int max) {
        long value;
        try {
            value = Long.parseLong(text.replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a whole number, got '" + text + "'");
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException(option + " must be between " + min + " and " + max + ", got " + text);
        }
        return (int) value;
    }

    private static List<String> list(String text, String option) {
        List<String> items = Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (items.isEmpty()) {
            throw new IllegalArgumentException(option + " needs a comma list");
        }
        return items;
    }

    private static List<String> known(List<String> items, List<String> known, String option) {
        List<String> lower = items.stream().map(s -> s.toLowerCase(Locale.ROOT)).distinct().toList();
        for (String item : lower) {
            if (!known.contains(item)) {
                throw new IllegalArgumentException(option + ": unknown '" + item + "', expected " + known);
            }
        }
        return lower;
    }
}
