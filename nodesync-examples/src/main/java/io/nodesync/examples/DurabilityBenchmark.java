package io.nodesync.examples;

import io.nodesync.Node;
import io.nodesync.examples.bench.BenchCluster;
import io.nodesync.NodeId;
import io.nodesync.NodeListener;
import io.nodesync.NodeSyncException;
import io.nodesync.Store;
import io.nodesync.log.FileLog;
import io.nodesync.log.FsyncPolicy;
import io.nodesync.log.Snapshot;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Entry;
import io.nodesync.store.KvStateMachine;
import io.nodesync.transport.tcp.TcpTransport;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * {@code ./nodesync bench-durability}: what durable storage costs on this machine. Four measurements, each printed
 * with the load average and the share of the CPUs other processes used meanwhile, since a concurrent build skews
 * them:
 * <ol>
 *   <li>strong writes ({@link Store#put}, one blocking thread per client, all through the node leading at the start)
 *       to three nodes in this JVM over loopback TCP, per log (in memory, or a {@link FileLog} under each
 *       {@link FsyncPolicy}) and client count: throughput, latency, failed writes and leader changes after a
 *       warm-up;</li>
 *   <li>the raw cost of {@link FileChannel#force} after a small append, as {@link FileLog} forces its segments;</li>
 *   <li>recovery: a log of {@code --recovery-bytes} written through {@link FileLog}, then the time to
 *       {@link FileLog#open} it, to replay its entries into a {@link KvStateMachine}, and for a node (a cluster of
 *       one) on it to lead and apply them all;</li>
 *   <li>the snapshot stall: the time {@link KvStateMachine#snapshotWriter()} copies a large map on the node loop,
 *       and the time the background write of that image then takes.</li>
 * </ol>
 * Everything is written in a temporary directory, deleted at the end. Exits 2 on bad arguments.
 */
final class DurabilityBenchmark {

    private static final String USAGE = """
            Usage: ./nodesync bench-durability [options]

              --seconds S          measured seconds per write configuration (default 10)
              --warmup S           warm-up seconds before each (default 3)
              --logs LIST          comma list of memory,always,batch,never (default all four)
              --clients LIST       comma list of concurrent client counts (default 1,64)
              --value-bytes N      value size of the writes and the snapshot's keys (default 100)
              --fsync-samples N    forces timed (default 1000)
              --recovery-bytes N   log size for the recovery test, e.g. 1g, 200m (default 1g; skipped when
                                   less than 3 times that is free)
              --snapshot-keys N    keys in the snapshotted map (default 1000000)
              --only LIST          comma list of writes,fsync,recovery,snapshot (default all)
              --dir DIR            where the temporary directory goes (default the system's temp dir)
            """;
    private static final List<String> LOGS = List.of("memory", "always", "batch", "never");
    private static final List<String> PARTS = List.of("writes", "fsync", "recovery", "snapshot");
    private static final int RECOVERY_VALUE_BYTES = 1024;
    private static final int SNAPSHOT_COPIES = 5;

    private final Options options;
    private final PrintStream out;

    private DurabilityBenchmark(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** Runs the command; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("bench-durability: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        if (options.help()) {
            out.print(USAGE);
            return 0;
        }
        Path root = Files.createTempDirectory(options.directory(), "nodesync-bench-");
        try {
            new DurabilityBenchmark(options, out).execute(root);
        } finally {
            deleteTree(root);
        }
        return 0;
    }

    /** Parsed command line. */
    record Options(Duration measured, Duration warmup, List<String> logs, List<Integer> clients, int valueBytes,
            int fsyncSamples, long recoveryBytes, int snapshotKeys, Set<String> parts, Path directory, boolean help) {

        static Options parse(String[] args) {
            Duration measured = Duration.ofSeconds(10);
            Duration warmup = Duration.ofSeconds(3);
            List<String> logs = LOGS;
            List<Integer> clients = List.of(1, 64);
            int valueBytes = 100;
            int fsyncSamples = 1000;
            long recoveryBytes = 1L << 30;
            int snapshotKeys = 1_000_000;
            Set<String> parts = Set.copyOf(PARTS);
            Path directory = Path.of(System.getProperty("java.io.tmpdir"));
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (arg.equals("--help") || arg.equals("-h")) {
                    return new Options(measured, warmup, logs, clients, 0, 0, 0, 0, parts, directory, true);
                }
                String value = ++i < args.length ? args[i] : "";
                switch (arg) {
                    case "--seconds" -> measured = seconds(value, arg);
                    case "--warmup" -> warmup = seconds(value, arg);
                    case "--logs" -> logs = names(value, LOGS, arg);
                    case "--clients" -> clients = names(value, null, arg).stream().map(count -> count(count, arg))
                            .toList();
                    case "--value-bytes" -> valueBytes = count(value, arg);
                    case "--fsync-samples" -> fsyncSamples = count(value, arg);
                    case "--recovery-bytes" -> recoveryBytes = positive(value, arg);
                    case "--snapshot-keys" -> snapshotKeys = count(value, arg);
                    case "--only" -> parts = Set.copyOf(names(value, PARTS, arg));
                    case "--dir" -> directory = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
                }
            }
            return new Options(measured, warmup, logs, clients, valueBytes, fsyncSamples, recoveryBytes,
                    snapshotKeys, parts, directory, false);
        }

        private static Duration seconds(String text, String option) {
            try {
                double seconds = Double.parseDouble(text);
                if (seconds < 0) {
                    throw new IllegalArgumentException(option + " must not be negative, got " + text);
                }
                return Duration.ofMillis(Math.round(seconds * 1000));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " needs a number of seconds, got '" + text + "'");
            }
        }

        /** A whole number, optionally with a binary suffix k, m or g. */
        private static long positive(String text, String option) {
            String lower = text.toLowerCase(Locale.ROOT);
            int shift = lower.endsWith("k") ? 10 : lower.endsWith("m") ? 20 : lower.endsWith("g") ? 30 : 0;
            try {
                long value = Long.parseLong(shift == 0 ? lower : lower.substring(0, lower.length() - 1)) << shift;
                if (value <= 0) {
                    throw new IllegalArgumentException(option + " must be positive, got " + text);
                }
                return value;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " needs a whole number, got '" + text + "'");
            }
        }

        private static int count(String text, String option) {
            long value = positive(text, option);
            if (value > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(option + " is too large: " + text);
            }
            return (int) value;
        }

        private static List<String> names(String text, List<String> known, String option) {
            List<String> names = Arrays.stream(text.toLowerCase(Locale.ROOT).split(",")).map(String::strip)
                    .filter(name -> !name.isEmpty()).toList();
            for (String name : names) {
                if (known != null && !known.contains(name)) {
                    throw new IllegalArgumentException(option + ": unknown '" + name + "', expected " + known);
                }
            }
            if (names.isEmpty()) {
                throw new IllegalArgumentException(option + " needs a comma list");
            }
            return names;
        }
    }

    private void execute(Path root) throws Exception {
        out.printf(Locale.ROOT, "%d CPUs, temporary directory %s (%s)%n",
                Runtime.getRuntime().availableProcessors(), root, describe(Files.getFileStore(root)));
        out.println("load: 1-minute load average at the end; others%: CPU share of all cores used by other "
                + "processes while measuring; gc ms: this JVM's collection time meanwhile (it pauses all three nodes)");
        for (String part : PARTS) {
            if (options.parts().contains(part)) {
                out.println();
                switch (part) {
                    case "writes" -> writes(root);
                    case "fsync" -> fsync(root);
                    case "recovery" -> recovery(root);
                    default -> snapshot(root);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------ strong writes

    private void writes(Path root) throws Exception {
        out.printf(Locale.ROOT, "Strong writes: 3 nodes in this JVM over loopback TCP, Store.put on the leader, one "
                + "thread per client, %d-byte values, %s warm-up, %s measured%n", options.valueBytes(),
                seconds(options.warmup()), seconds(options.measured()));
        out.printf("%-7s %7s %9s %9s %8s %8s %8s %6s %9s %6s %5s %7s%n", "log", "clients", "ops", "ops/s",
                "p50 ms", "p99 ms", "max ms", "errors", "elections", "gc ms", "load", "others%");
        for (String log : options.logs()) {
            for (int clients : options.clients()) {
                Path directory = Files.createTempDirectory(root, "writes-");
                try {
                    out.println(writeRow(directory, log, clients));
                } finally {
                    deleteTree(directory);
                }
            }
        }
    }

    private String writeRow(Path directory, String log, int clients) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        FsyncPolicy fsync = log.equals("memory") ? null : FsyncPolicy.valueOf(log.toUpperCase(Locale.ROOT));
        try (BenchCluster cluster = BenchCluster.start(3, fsync == null ? null : directory, fsync)) {
            List<Node> nodes = cluster.nodes();
            Store store = cluster.leader().store();
            String value = "v".repeat(options.valueBytes());
            Map<String, AtomicLong> errors = new ConcurrentSkipListMap<>();
            AtomicReference<String> firstError = new AtomicReference<>();
            long from = System.nanoTime() + options.warmup().toNanos();
            long until = from + options.measured().toNanos();
            AtomicLong elections = new AtomicLong();
            nodes.get(0).addListener(new NodeListener() {
                @Override
                public void onLeaderChange(NodeId leader, long term) {
                    if (leader != null && System.nanoTime() >= from) {
                        elections.incrementAndGet(); // clients then wait, or go through a follower
                    }
                }
            });
            List<Future<long[]>> latencies = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                String prefix = "client" + c + "-";
                latencies.add(threads.submit(() -> {
                    LongStream.Builder measured = LongStream.builder();
                    for (int i = 0; System.nanoTime() < until; i++) {
                        long started = System.nanoTime();
                        try {
                            store.put(prefix + i % 1000, value); // a bounded key set: the map stays small
                        } catch (NodeSyncException e) {
                            if (started >= from) {
                                errors.computeIfAbsent(e.getClass().getSimpleName(), name -> new AtomicLong())
                                        .incrementAndGet();
                                firstError.compareAndSet(null, e.getMessage());
                            }
                            continue;
                        }
                        long ended = System.nanoTime();
                        if (ended >= from && ended < until) {
                            measured.add(ended - started);
                        }
                    }
                    return measured.build().toArray();
                }));
            }
            sleepUntil(from);
            CpuSample before = CpuSample.now();
            long gcBefore = gcMillis();
            sleepUntil(until);
            CpuSample after = CpuSample.now();
            long gc = gcMillis() - gcBefore;
            LongStream.Builder joined = LongStream.builder();
            for (Future<long[]> client : latencies) {
                LongStream.of(client.get()).forEach(joined);
            }
            long[] all = joined.build().sorted().toArray();
            String row = String.format(Locale.ROOT, "%-7s %7d %9d %9.0f %8.2f %8.2f %8.2f %6d %9d %6d %5s %7s",
                    log, clients, all.length, all.length / (options.measured().toNanos() / 1e9),
                    millis(percentile(all, 50)), millis(percentile(all, 99)), millis(percentile(all, 100)),
                    errors.values().stream().mapToLong(AtomicLong::get).sum(), elections.get(), gc, load(),
                    CpuSample.othersPercent(before, after));
            return errors.isEmpty() ? row
                    : row + System.lineSeparator() + "        errors " + errors + ", the first: " + firstError.get();
        } finally {
            threads.shutdownNow();
        }
    }


    // ------------------------------------------------------------------------------------------ raw fsync

    private void fsync(Path root) throws IOException {
        int samples = options.fsyncSamples();
        long[] forces = new long[samples];
        ByteBuffer record = ByteBuffer.allocate(128); // about the record of one small entry
        CpuSample before = CpuSample.now();
        try (FileChannel channel = FileChannel.open(root.resolve("fsync-probe"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            for (int i = 0; i < samples; i++) {
                channel.write(record.clear());
                long started = System.nanoTime();
                channel.force(false); // data only, as FileLog forces its segments
                forces[i] = System.nanoTime() - started;
            }
        }
        CpuSample after = CpuSample.now();
        Arrays.sort(forces);
        out.printf(Locale.ROOT, "Raw fsync: FileChannel.force(false) after a 128-byte append, %d samples%n", samples);
        out.printf(Locale.ROOT, "p50 %.3f ms, p99 %.3f ms, max %.3f ms (%.0f forces/s at p50)   load %s, others%% %s%n",
                millis(percentile(forces, 50)), millis(percentile(forces, 99)), millis(percentile(forces, 100)),
                1e9 / percentile(forces, 50), load(), CpuSample.othersPercent(before, after));
    }

    // ------------------------------------------------------------------------------------------ recovery

    private void recovery(Path root) throws Exception {
        long target = options.recoveryBytes();
        long usable = Files.getFileStore(root).getUsableSpace();
        out.printf(Locale.ROOT, "Recovery: a log of %s (%d-byte values, no snapshot) written through FileLog%n",
                mib(target), RECOVERY_VALUE_BYTES);
        if (usable < 3 * target) {
            out.printf(Locale.ROOT, "skipped: %s free in %s, the test wants 3 times --recovery-bytes%n", mib(usable),
                    root);
            return;
        }
        Path directory = root.resolve("recovery");
        NodeId self = NodeId.of(1);
        String value = "x".repeat(RECOVERY_VALUE_BYTES);
        long started = System.nanoTime();
        long lastIndex;
        long bytes;
        // The write is not what is measured, so it leaves forcing to the operating system.
        FileLog.Options unforced = FileLog.Options.defaults().withFsyncPolicy(FsyncPolicy.NEVER);
        try (FileLog log = FileLog.open(directory, self, unforced)) {
            log.saveTermAndVote(1, self);
            List<Entry> batch = new ArrayList<>();
            while (log.entryBytes() < target) {
                batch.clear();
                for (long index = log.lastIndex() + 1; batch.size() < 1000; index++) {
                    batch.add(new Entry(index, 1, put(self, index, "key-" + index, value)));
                }
                log.append(batch);
                log.sync();
            }
            lastIndex = log.lastIndex();
            bytes = log.entryBytes();
        }
        long written = System.nanoTime();
        out.printf(Locale.ROOT, "written: %,d entries, %s of records in %.1f s%n", lastIndex, mib(bytes),
                (written - started) / 1e9);

        CpuSample before = CpuSample.now();
        long gcBefore = gcMillis();
        long opening = System.nanoTime();
        try (FileLog log = FileLog.open(directory, self, FileLog.Options.defaults())) {
            long opened = System.nanoTime();
            if (log.lastIndex() != lastIndex) {
                throw new IllegalStateException("recovered " + log.lastIndex() + " entries of " + lastIndex);
            }
            out.printf(Locale.ROOT, "FileLog.open (files in the page cache, just written): %,d ms (GC meanwhile: %d "
                    + "ms)   load %s, others%% %s%n", (opened - opening) / 1_000_000, gcMillis() - gcBefore, load(),
                    CpuSample.othersPercent(before, CpuSample.now()));
            // What a node does once it knows the commit index; it does so inside one loop turn, out of sight.
            before = CpuSample.now();
            KvStateMachine machine = new KvStateMachine();
            long replaying = System.nanoTime();
            for (long index = log.firstIndex(); index <= lastIndex; index++) {
                machine.apply(log.entry(index));
            }
            out.printf(Locale.ROOT, "replay of its entries into a KvStateMachine: %,d ms   load %s, others%% %s%n",
                    (System.nanoTime() - replaying) / 1_000_000, load(),
                    CpuSample.othersPercent(before, CpuSample.now()));
        }

        // A cluster of one elects itself, commits its no-op and so learns that every entry is committed. No snapshot
        // here: this measures the replay only.
        before = CpuSample.now();
        gcBefore = gcMillis();
        long building = System.nanoTime();
        try (TcpTransport transport = TcpTransport.builder(self).bind();
                Node node = Node.builder().id(self).transport(transport).dataDirectory(directory)
                        .snapshotThreshold(Long.MAX_VALUE).build().start()) {
            long built = System.nanoTime();
            while (node.status().appliedIndex() < lastIndex) {
                Thread.sleep(1);
            }
            long applied = System.nanoTime();
            out.printf(Locale.ROOT, "node on it, from build: built (FileLog.open included) %,d ms, all %,d entries "
                    + "applied %,d ms (an election timeout included; GC meanwhile: %d ms)   load %s, others%% %s%n",
                    (built - building) / 1_000_000, lastIndex, (applied - building) / 1_000_000,
                    gcMillis() - gcBefore, load(), CpuSample.othersPercent(before, CpuSample.now()));
        } finally {
            deleteTree(directory);
        }
    }

    // ------------------------------------------------------------------------------------------ snapshot stall

    private void snapshot(Path root) throws IOException {
        int keys = options.snapshotKeys();
        out.printf(Locale.ROOT, "Snapshot: a KvStateMachine of %,d keys with %d-byte values%n", keys,
                options.valueBytes());
        KvStateMachine machine = new KvStateMachine();
        NodeId origin = NodeId.of(1);
        String value = "v".repeat(options.valueBytes());
        for (long index = 1; index <= keys; index++) {
            machine.apply(new Entry(index, 1, put(origin, index, "key-" + index, value)));
        }
        CpuSample before = CpuSample.now();
        long gcBefore = gcMillis();
        long[] copies = new long[SNAPSHOT_COPIES];
        Snapshot.Writer writer = null;
        for (int i = 0; i < copies.length; i++) {
            long started = System.nanoTime();
            writer = machine.snapshotWriter();
            copies[i] = System.nanoTime() - started;
        }
        String times = LongStream.of(copies).mapToObj(nanos -> String.format(Locale.ROOT, "%.1f", millis(nanos)))
                .collect(Collectors.joining(", "));
        out.printf(Locale.ROOT, "node loop blocked (snapshotWriter copies the map), %d times in a row: %s ms (GC "
                + "meanwhile: %d ms)   load %s, others%% %s%n", copies.length, times, gcMillis() - gcBefore, load(),
                CpuSample.othersPercent(before, CpuSample.now()));

        before = CpuSample.now();
        long started = System.nanoTime();
        long size;
        try (FileChannel channel = FileChannel.open(root.resolve("snapshot-probe"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            writer.writeTo(Channels.newOutputStream(channel));
            channel.force(true);
            size = channel.size();
        }
        out.printf(Locale.ROOT, "background write of that image to a file, forced: %,d ms, %s   load %s, others%% "
                + "%s%n", (System.nanoTime() - started) / 1_000_000, mib(size), load(),
                CpuSample.othersPercent(before, CpuSample.now()));
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static ClientCommand put(NodeId origin, long seq, String key, String value) {
        return new ClientCommand(ClientCommand.Kind.PUT, false, origin, 1, seq, key, value, null, seq, origin);
    }

    /** The smallest sample at or above the percentile; 0 for none. */
    private static long percentile(long[] sorted, double percent) {
        return sorted.length == 0 ? 0 : sorted[Math.max(0, (int) Math.ceil(percent / 100 * sorted.length) - 1)];
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%,.1f MiB", bytes / (1024.0 * 1024));
    }

    private static String load() {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return load < 0 ? "-" : String.format(Locale.ROOT, "%.2f", load);
    }

    private static String describe(FileStore store) throws IOException {
        return store.type() + " " + store.name() + ", " + mib(store.getUsableSpace()) + " free";
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime).filter(time -> time > 0).sum();
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        for (long left = nanoTime - System.nanoTime(); left > 0; left = nanoTime - System.nanoTime()) {
            Thread.sleep(Math.max(1, left / 1_000_000));
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * The machine's busy and total CPU time (Linux {@code /proc/stat}, in ticks) and this process's CPU time, so
     * that the share other processes used in between can be told apart from this benchmark's own.
     */
    private record CpuSample(long busyTicks, long totalTicks, long processNanos, long wallNanos) {

        static CpuSample now() {
            long process = ManagementFactory.getOperatingSystemMXBean()
                    instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
            try {
                // cpu user nice system idle iowait irq softirq steal ...
                long[] ticks = Arrays.stream(Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+"))
                        .skip(1).limit(8).mapToLong(Long::parseLong).toArray();
                long total = LongStream.of(ticks).sum();
                return new CpuSample(total - ticks[3] - ticks[4], total, process, System.nanoTime());
            } catch (IOException | RuntimeException e) {
                return new CpuSample(-1, -1, process, System.nanoTime());
            }
        }

        /** The percentage of all cores busy with other processes between the two samples, or "-" if unknown. */
        static String othersPercent(CpuSample from, CpuSample to) {
            long total = to.totalTicks - from.totalTicks;
            if (from.totalTicks < 0 || from.processNanos < 0 || total <= 0) {
                return "-";
            }
            double machine = (double) (to.busyTicks - from.busyTicks) / total;
            double own = (double) (to.processNanos - from.processNanos)
                    / ((to.wallNanos - from.wallNanos) * (double) Runtime.getRuntime().availableProcessors());
            return String.format(Locale.ROOT, "%.0f", Math.max(0, 100 * (machine - own)));
        }
    }
}
