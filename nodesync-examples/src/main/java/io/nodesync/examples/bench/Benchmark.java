package io.nodesync.examples.bench;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Node;
import io.nodesync.NodeSyncException;
import io.nodesync.Store;
import io.nodesync.examples.LineClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * {@code ./nodesync bench}: latency and throughput of each consistency mode, through the embedded {@link Store}
 * API and through the line protocol over TCP, against a cluster started in this JVM or an existing one
 * ({@code --connect}). See {@link BenchOptions#USAGE}.
 *
 * <p>A sequential row is one client sending one request at a time. A throughput row is N clients, each with one
 * request in flight: over TCP, N threads on N connections; through the embedded API, N chains of
 * {@link Store#putAsync} where each completion sends that client's next request, as an application serving N users
 * asynchronously would (N blocking threads would mostly measure this machine's thread switching).
 */
public final class Benchmark {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Connections opened before the seed-compatible rows: enough to warm up, few enough for TIME_WAIT. */
    private static final int SEED_WARMUP_REQUESTS = 1_000;

    private final BenchOptions options;
    private final PrintStream out;
    private final PrintStream progress;
    private final String value;
    private final List<BenchRow> rows = new ArrayList<>();
    private final List<String> facts = new ArrayList<>();
    /** Set while rows run only to warm up: they are neither printed nor kept. */
    private boolean warming;

    private Benchmark(BenchOptions options, PrintStream out, PrintStream progress) {
        this.options = options;
        this.out = out;
        this.progress = progress;
        this.value = "v".repeat(options.valueSize());
    }

    /** Runs the command; returns the exit status (2 for bad arguments). */
    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("bench: " + e.getMessage());
            err.print(BenchOptions.USAGE);
            return 2;
        }
        if (options.help()) {
            out.print(BenchOptions.USAGE);
            return 0;
        }
        return new Benchmark(options, out, err).execute(String.join(" ", args));
    }

    private int execute(String commandLine) throws Exception {
        facts.add("command: ./nodesync bench " + commandLine);
        facts.add("date: " + ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        facts.add("machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, " + System.getProperty("os.name")
                + " " + System.getProperty("os.arch") + ", Java " + Runtime.version() + ", max heap "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB, JVM flags "
                + ManagementFactory.getRuntimeMXBean().getInputArguments());
        long[] cpuBefore = cpuTimes();
        loopbackRoundTripNanos(); // once unmeasured: cold, it measured the interpreter (up to 5 times slower)
        double roundTripBefore = loopbackRoundTripNanos();
        progress.printf(Locale.ROOT, "loopback round trip p50: %.1f us%n", roundTripBefore / 1000);
        if (options.seedCompatible()) {
            seedCompatible();
            printSeedFormat("seed");
        } else {
            if (options.connect().isEmpty()) {
                inJvmCluster();
            } else {
                existingCluster();
            }
            printSeedFormat("tcp");
        }
        // Measured again at the end, since a shared host can slow the machine for minutes at a time: the lower of
        // the two is the machine's own round trip.
        double roundTripAfter = loopbackRoundTripNanos();
        double roundTrip = Math.min(roundTripBefore, roundTripAfter);
        facts.add(String.format(Locale.ROOT, "loopback TCP round trip of %d bytes: p50 %.1f us before the rows, "
                + "%.1f us after them; every latency is also given as a multiple of the lower",
                options.valueSize(), roundTripBefore / 1000, roundTripAfter / 1000));
        long[] cpuAfter = cpuTimes();
        if (cpuBefore != null && cpuAfter != null) {
            long total = 0;
            for (int i = 0; i < cpuAfter.length; i++) {
                total += cpuAfter[i] - cpuBefore[i];
            }
            facts.add(String.format(Locale.ROOT, "CPU steal during the run: %.1f%% of the CPUs' time (taken by the "
                    + "hypervisor for other machines; a busy host makes every figure noisier)",
                    total == 0 ? 0 : 100.0 * (cpuAfter[STEAL] - cpuBefore[STEAL]) / total));
        }
        out.println();
        out.print(BenchReport.table(rows, roundTrip));
        facts.forEach(fact -> out.println("  " + fact));
        Files.createDirectories(options.reportDirectory());
        Path csv = options.reportDirectory().resolve("bench.csv");
        Path html = options.reportDirectory().resolve("bench.html");
        BenchReport.writeCsv(csv, rows, roundTrip);
        BenchReport.writeHtml(html, rows, roundTrip, "NodeSync benchmark", facts);
        out.println("wrote " + csv + " and " + html);
        long errors = rows.stream().mapToLong(BenchRow::errors).sum();
        if (errors > 0) {
            out.println(errors + " requests failed during measurement (see the errors column)");
        }
        return 0;
    }

    // ------------------------------------------------------------------------------------------ clusters

    private void inJvmCluster() throws Exception {
        facts.add(options.nodes() + " nodes in this JVM over the TCP transport on loopback, in-memory logs; "
                + "clients call the leader; " + options.valueSize() + "-byte values, keys key0..key"
                + (options.keys() - 1));
        inMemoryRows();
        if (options.fsync() != null) {
            durableRows(); // after inMemoryRows returned, so its frame no longer holds the first cluster's memory
        }
    }

    private void inMemoryRows() throws Exception {
        try (BenchCluster cluster = BenchCluster.start(options.nodes(), null, null)) {
            load(cluster);
            warmUp(cluster, List.of("put", "get"));
            for (String mode : options.modes()) {
                measureMode(cluster, mode, mode, List.of("put", "get"));
            }
            heapPerNode(cluster.nodes().size(), "in-memory cluster");
        }
    }

    private void durableRows() throws Exception {
        Path directory = options.dataDirectory();
        boolean temporary = directory == null;
        if (temporary) {
            directory = Files.createTempDirectory("nodesync-bench-");
        } else {
            Files.createDirectories(directory);
        }
        String mode = "strong/fsync=" + options.fsync().name().toLowerCase(Locale.ROOT);
        try {
            double fsync = rawFsyncNanos(directory);
            double sharedDisk = secondOfThreeConcurrentFsyncsNanos(directory);
            facts.add(String.format(Locale.ROOT, "durable rows (%s): file logs in %s; raw fsync of a 4 KiB append "
                    + "there: p50 %.1f us; three at once, each a 4 KiB write into allocated space as the nodes' "
                    + "logs do (a commit needs two): the second done p50 %.1f us", mode, directory, fsync / 1000,
                    sharedDisk / 1000));
            progress.printf(Locale.ROOT, "raw fsync p50: %.1f us; second of three at once: %.1f us%n", fsync / 1000,
                    sharedDisk / 1000);
            try (BenchCluster cluster = BenchCluster.start(options.nodes(), directory, options.fsync())) {
                load(cluster);
                warmUp(cluster, List.of("put"));
                measureMode(cluster, "strong", mode, List.of("put"));
                heapPerNode(cluster.nodes().size(), "durable cluster");
            }
        } finally {
            if (temporary) {
                deleteTree(directory);
            }
        }
    }

    private void measureMode(BenchCluster cluster, String mode, String label, List<String> operations)
            throws Exception {
        ConsistencyPolicy policy = ConsistencyPolicy.parse(mode);
        if (options.apis().contains("embedded")) {
            Store store = cluster.leader().store();
            Client client = new EmbeddedClient(store, policy);
            for (String operation : operations) {
                rows.add(sequential("embedded", label, operation, client));
            }
            for (int clients : options.clients()) {
                rows.add(asyncThroughput(cluster, policy, label, clients));
            }
        }
        if (options.apis().contains("tcp")) {
            Node leader = cluster.leader();
            leader.store().setConsistency(policy); // the line dialect uses the cluster's mode
            InetSocketAddress address = cluster.address(leader);
            try (TcpClient client = TcpClient.connect(address)) {
                for (String operation : operations) {
                    rows.add(sequential("tcp", label, operation, client));
                }
            }
            for (int clients : options.clients()) {
                rows.add(threadThroughput("tcp", label, clients, () -> TcpClient.connect(address)));
            }
        }
    }

    /**
     * Runs every row's code once, unmeasured, before any row is measured: without it the first rows would measure
     * the JIT compiler at work as much as the cluster (the first mode's sequential puts came out several times
     * slower than the same rows measured later).
     */
    private void warmUp(BenchCluster cluster, List<String> operations) throws Exception {
        long started = System.nanoTime();
        List<BenchRow> measured = new ArrayList<>(rows);
        warming = true;
        try {
            for (String mode : options.modes()) {
                measureMode(cluster, mode, mode, operations);
            }
        } finally {
            warming = false;
            rows.clear();
            rows.addAll(measured);
        }
        progress.printf(Locale.ROOT, "warm-up (every row once, unmeasured): %.1f s%n",
                (System.nanoTime() - started) / 1e9);
    }

    private void existingCluster() throws Exception {
        InetSocketAddress leader = leaderOf(options.connect());
        facts.add("an existing cluster (" + options.connect().size() + " addresses given); clients call " + leader
                + "; " + options.valueSize() + "-byte values, keys key0..key" + (options.keys() - 1));
        for (String mode : options.modes()) {
            try (TcpClient client = TcpClient.connect(leader)) {
                client.expect("CONSISTENCY " + mode, "OK");
                rows.add(sequential("tcp", mode, "put", client));
                rows.add(sequential("tcp", mode, "get", client));
            }
            for (int clients : options.clients()) {
                rows.add(threadThroughput("tcp", mode, clients, () -> TcpClient.connect(leader)));
            }
        }
    }

    /** The address whose port is the id STATUS names as leader (node processes use their port as id). */
    private InetSocketAddress leaderOf(List<InetSocketAddress> addresses) {
        for (InetSocketAddress address : addresses) {
            try (TcpClient client = TcpClient.connect(address)) {
                String leader = LineClient.statusFields(client.call("STATUS")).get("leader");
                for (InetSocketAddress candidate : addresses) {
                    if (String.valueOf(candidate.getPort()).equals(leader)) {
                        return candidate;
                    }
                }
                progress.println("STATUS of " + address + " names leader " + leader + ", not among the addresses; "
                        + "calling " + address);
                return address;
            } catch (IOException e) {
                progress.println("cannot reach " + address + ": " + e.getMessage());
            }
        }
        throw new IllegalStateException("no node of " + addresses + " answered");
    }

    private void load(BenchCluster cluster) throws Exception {
        if (options.loadKeys() == 0) {
            return;
        }
        Store store = cluster.leader().store();
        long started = System.nanoTime();
        int inFlight = 256;
        List<CompletableFuture<Void>> window = new ArrayList<>();
        for (int i = 0; i < options.loadKeys(); i++) {
            window.add(store.putAsync("load" + i, value, ConsistencyPolicy.STRONG));
            if (window.size() == inFlight) {
                CompletableFuture.allOf(window.toArray(CompletableFuture[]::new))
                        .get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                window.clear();
            }
        }
        CompletableFuture.allOf(window.toArray(CompletableFuture[]::new))
                .get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        long target = cluster.leader().status().commitIndex();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (cluster.nodes().stream().anyMatch(node -> node.status().appliedIndex() < target)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the loaded keys were not applied on every node within 60 s");
            }
            Thread.sleep(10);
        }
        facts.add(String.format(Locale.ROOT, "loaded %,d keys (load0..) before measuring, in %.1f s",
                options.loadKeys(), (System.nanoTime() - started) / 1e9));
        heapPerNode(cluster.nodes().size(), "after loading " + options.loadKeys() + " keys");
        // Once more after the snapshot the load triggered: its image is written in the background meanwhile.
        Thread.sleep(5_000);
        heapPerNode(cluster.nodes().size(), "5 s later");
    }

    private void heapPerNode(int nodes, String when) {
        for (int i = 0; i < 3; i++) {
            System.gc(); // a few times: the figure should be what is reachable, not what awaits collection
        }
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        String line = String.format(Locale.ROOT, "heap used after GC, %s: %.1f MiB for %d nodes, %.1f MiB per node "
                + "(this JVM's heap divided by its nodes, clients and benchmark included)", when,
                used / 1048576.0, nodes, used / 1048576.0 / nodes);
        facts.add(line);
        progress.println(line);
    }

    // ------------------------------------------------------------------------------------------ measurements

    private String key(long i) {
        return "key" + (i % options.keys());
    }

    /** How long a throughput row measures: its warm-up alone while warming up. */
    private long measuredNanos() {
        return warming ? 0 : options.duration().toNanos();
    }

    /** One client, one request at a time: warm-up, then the measured requests. */
    private BenchRow sequential(String api, String mode, String operation, Client client) throws Exception {
        boolean put = operation.equals("put");
        int requests = warming ? 0 : options.requests(); // the warm-up part only
        int total = options.warmupRequests() + requests;
        long[] latencies = new long[requests];
        int measured = 0;
        long errors = 0;
        long measuring = 0;
        for (int i = 0; i < total; i++) {
            if (i == options.warmupRequests()) {
                measuring = System.nanoTime();
            }
            long started = System.nanoTime();
            boolean ok = put ? client.put(key(i), value) : client.get(key(i));
            long latency = System.nanoTime() - started;
            if (i >= options.warmupRequests()) {
                if (ok) {
                    latencies[measured++] = latency;
                } else {
                    errors++;
                }
            }
        }
        double seconds = (System.nanoTime() - measuring) / 1e9;
        return report(new BenchRow(api, mode, operation, 1, Arrays.copyOf(latencies, measured), measured / seconds,
                errors));
    }

    /** Throughput over TCP: one thread and one connection per client. */
    private BenchRow threadThroughput(String api, String mode, int clients, ClientFactory factory) throws Exception {
        long from = System.nanoTime() + options.warmup().toNanos();
        long until = from + measuredNanos();
        ExecutorService threads = Executors.newFixedThreadPool(clients, runnable -> {
            Thread thread = new Thread(runnable, "bench-client");
            thread.setDaemon(true);
            return thread;
        });
        AtomicLong errors = new AtomicLong();
        try {
            List<Future<long[]>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int clientNumber = c;
                results.add(threads.submit(() -> {
                    LongArray latencies = new LongArray();
                    try (Client client = factory.open()) {
                        for (long i = clientNumber; ; i += clients) {
                            long started = System.nanoTime();
                            if (started >= until) {
                                return latencies.toArray();
                            }
                            boolean ok = client.put(key(i), value);
                            long ended = System.nanoTime();
                            if (started >= from && ended < until) {
                                if (ok) {
                                    latencies.add(ended - started);
                                } else {
                                    errors.incrementAndGet();
                                }
                            }
                        }
                    }
                }));
            }
            LongArray all = new LongArray();
            for (Future<long[]> result : results) {
                all.addAll(result.get(until - System.nanoTime() + REQUEST_TIMEOUT.toNanos() * 2,
                        TimeUnit.NANOSECONDS));
            }
            return report(new BenchRow(api, mode, "put", clients, all.toArray(),
                    all.size() / (measuredNanos() / 1e9), errors.get()));
        } finally {
            threads.shutdownNow();
            threads.awaitTermination(REQUEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** Throughput through the embedded API: {@code clients} chains of asynchronous puts. */
    private BenchRow asyncThroughput(BenchCluster cluster, ConsistencyPolicy policy, String mode, int clients)
            throws Exception {
        Store store = cluster.leader().store();
        long from = System.nanoTime() + options.warmup().toNanos();
        long until = from + measuredNanos();
        CountDownLatch done = new CountDownLatch(clients);
        List<AsyncClient> chains = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            AsyncClient chain = new AsyncClient(store, policy, c, clients, from, until, done);
            chains.add(chain);
        }
        chains.forEach(AsyncClient::next);
        if (!done.await(until - System.nanoTime() + REQUEST_TIMEOUT.toNanos() * 2, TimeUnit.NANOSECONDS)) {
            throw new TimeoutException("clients still waiting for replies " + REQUEST_TIMEOUT + " after the end");
        }
        LongArray all = new LongArray();
        long errors = 0;
        for (AsyncClient chain : chains) {
            all.addAll(chain.latencies.toArray());
            errors += chain.errors;
        }
        return report(new BenchRow("embedded", mode, "put", clients, all.toArray(),
                all.size() / (measuredNanos() / 1e9), errors));
    }

    /** One asynchronous client: each completion records its latency and sends the next request. */
    private final class AsyncClient {
        private final Store store;
        private final ConsistencyPolicy policy;
        private final int stride;
        private final long from;
        private final long until;
        private final CountDownLatch done;
        private final LongArray latencies = new LongArray();
        private long errors;
        private long next;

        AsyncClient(Store store, ConsistencyPolicy policy, int first, int stride, long from, long until,
                CountDownLatch done) {
            this.store = store;
            this.policy = policy;
            this.next = first;
            this.stride = stride;
            this.from = from;
            this.until = until;
            this.done = done;
        }

        /** Sends requests until one is still in flight (its completion continues) or time is up. */
        void next() {
            while (true) {
                long started = System.nanoTime();
                if (started >= until) {
                    done.countDown();
                    return;
                }
                CompletableFuture<Void> reply = store.putAsync(key(next), value, policy);
                next += stride;
                if (!reply.isDone()) {
                    reply.whenComplete((ignored, error) -> {
                        record(started, error);
                        next();
                    });
                    return;
                }
                // Completed at once (refused): loop rather than recurse, so a run of refusals cannot overflow.
                record(started, reply.isCompletedExceptionally() ? new IllegalStateException() : null);
            }
        }

        private void record(long started, Throwable error) {
            long ended = System.nanoTime();
            if (started >= from && ended < until) {
                if (error == null) {
                    latencies.add(ended - started);
                } else {
                    errors++;
                }
            }
        }
    }

    private BenchRow report(BenchRow row) {
        if (warming) {
            return row;
        }
        progress.printf(Locale.ROOT, "%-36s %8d requests %10.0f ops/s  p50 %7.1f us  p99 %8.1f us  errors %d%n",
                row.label(), row.latencyNanos().length, row.opsPerSecond(), row.percentileNanos(50) / 1000.0,
                row.percentileNanos(99) / 1000.0, row.errors());
        return row;
    }

    // ------------------------------------------------------------------------------------------ the seed's benchmark

    /** As the seed did: switch the mode, then each SET on a new connection, timed from connect to reply. */
    private void seedCompatible() throws Exception {
        if (options.connect().isEmpty()) {
            facts.add("seed-compatible: " + options.nodes() + " nodes in this JVM over loopback TCP; a new "
                    + "connection per request, " + options.seedRequests() + " SETs per mode to the leader, after "
                    + Math.min(options.warmupRequests(), SEED_WARMUP_REQUESTS) + " unmeasured ones");
            try (BenchCluster cluster = BenchCluster.start(options.nodes(), null, null)) {
                seedRows(cluster.address(cluster.leader()));
            }
        } else {
            InetSocketAddress leader = leaderOf(options.connect());
            facts.add("seed-compatible: an existing cluster, calling " + leader + "; a new connection per request, "
                    + options.seedRequests() + " SETs per mode");
            seedRows(leader);
        }
    }

    private void seedRows(InetSocketAddress address) throws Exception {
        for (String mode : options.modes()) {
            try (TcpClient client = TcpClient.connect(address)) {
                client.expect("CONSISTENCY " + mode, "OK");
            }
            // Unmeasured first, as every other row: cold, the JIT compiler's work would be most of the figure.
            for (int i = 0; i < Math.min(options.warmupRequests(), SEED_WARMUP_REQUESTS); i++) {
                try (TcpClient client = TcpClient.connect(address)) {
                    client.put(key(i), value);
                }
            }
            long[] latencies = new long[options.seedRequests()];
            int measured = 0;
            long errors = 0;
            long started = System.nanoTime();
            for (int i = 0; i < options.seedRequests(); i++) {
                long sent = System.nanoTime();
                boolean ok;
                try (TcpClient client = TcpClient.connect(address)) {
                    ok = client.put(key(i), value);
                }
                long latency = System.nanoTime() - sent;
                if (ok) {
                    latencies[measured++] = latency;
                } else {
                    errors++;
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            rows.add(report(new BenchRow("seed", mode, "put", 1, Arrays.copyOf(latencies, measured),
                    measured / seconds, errors)));
        }
    }

    /** The seed's own output: average and maximum put latency per mode, from the sequential rows of {@code api}. */
    private void printSeedFormat(String api) {
        for (String mode : List.of("eventual", "strong")) {
            rows.stream()
                    .filter(row -> row.api().equals(api) && row.mode().equals(mode) && row.operation().equals("put")
                            && row.clients() == 1)
                    .findFirst()
                    .ifPresent(row -> {
                        out.println(mode.substring(0, 1).toUpperCase(Locale.ROOT) + mode.substring(1)
                                + " Consistency:");
                        out.printf(Locale.ROOT, "  Avg latency: %.3f ms%n", row.meanNanos() / 1e6);
                        out.printf(Locale.ROOT, "  Max latency: %.3f ms%n", row.maxNanos() / 1e6);
                    });
        }
    }

    // ------------------------------------------------------------------------------------------ baselines

    /** The p50 of a plain request-reply of {@code valueSize} bytes each way over loopback TCP. */
    private double loopbackRoundTripNanos() throws Exception {
        int size = options.valueSize();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread echo = new Thread(() -> {
                try (Socket socket = server.accept()) {
                    socket.setTcpNoDelay(true);
                    InputStream in = socket.getInputStream();
                    OutputStream out = socket.getOutputStream();
                    byte[] buffer = new byte[size];
                    while (readFully(in, buffer)) {
                        out.write(buffer);
                    }
                } catch (IOException closed) {
                    // The client is done.
                }
            }, "bench-echo");
            echo.setDaemon(true);
            echo.start();
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                socket.setTcpNoDelay(true);
                socket.setSoTimeout((int) REQUEST_TIMEOUT.toMillis());
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                byte[] message = new byte[size];
                byte[] reply = new byte[size];
                int total = options.warmupRequests() + options.requests();
                long[] latencies = new long[options.requests()];
                for (int i = 0; i < total; i++) {
                    long started = System.nanoTime();
                    out.write(message);
                    if (!readFully(in, reply)) {
                        throw new IOException("the echo server closed the connection");
                    }
                    if (i >= options.warmupRequests()) {
                        latencies[i - options.warmupRequests()] = System.nanoTime() - started;
                    }
                }
                socket.shutdownOutput();
                echo.join(REQUEST_TIMEOUT.toMillis());
                return new BenchRow("loopback", "-", "echo", 1, latencies, 0, 0).percentileNanos(50);
            }
        }
    }

    private static boolean readFully(InputStream in, byte[] buffer) throws IOException {
        int read = 0;
        while (read < buffer.length) {
            int n = in.read(buffer, read, buffer.length - read);
            if (n < 0) {
                return false;
            }
            read += n;
        }
        return true;
    }

    /** Position of the steal time in {@link #cpuTimes}. */
    private static final int STEAL = 7;

    /** The machine's CPU times from /proc/stat (user, nice, system, idle, iowait, irq, softirq, steal), or null. */
    private static long[] cpuTimes() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long[] times = new long[STEAL + 1];
            for (int i = 0; i < times.length; i++) {
                times[i] = Long.parseLong(fields[i + 1]);
            }
            return times;
        } catch (IOException | RuntimeException notLinux) {
            return null;
        }
    }

    /** The p50 of {@code FileChannel.force} after a 4 KiB append in {@code directory}. */
    private static double rawFsyncNanos(Path directory) throws IOException {
        Path probe = directory.resolve("fsync-probe");
        long[] forces = new long[1000];
        try (FileChannel channel = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer block = ByteBuffer.allocate(4096);
            for (int i = 0; i < forces.length; i++) {
                channel.write(block.clear());
                long started = System.nanoTime();
                channel.force(false);
                forces[i] = System.nanoTime() - started;
            }
        } finally {
            Files.deleteIfExists(probe);
        }
        return new BenchRow("fsync", "-", "force", 1, forces, 0, 0).percentileNanos(50);
    }

    /**
     * The p50 of the time until the second of three concurrent 4 KiB write-and-force calls, each into its own file's
     * allocated space, is done: what a strong write waits for when three nodes' logs share one disk.
     */
    private static double secondOfThreeConcurrentFsyncsNanos(Path directory) throws IOException {
        int files = 3;
        int rounds = 300;
        List<FileChannel> channels = new ArrayList<>();
        ExecutorService writers = Executors.newFixedThreadPool(files, runnable -> {
            Thread thread = new Thread(runnable, "nodesync-bench-fsync-probe");
            thread.setDaemon(true);
            return thread;
        });
        long[] second = new long[rounds];
        try {
            for (int i = 0; i < files; i++) {
                FileChannel channel = FileChannel.open(directory.resolve("fsync-probe-" + i), StandardOpenOption.CREATE,
                        StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                channels.add(channel);
                ByteBuffer zeros = ByteBuffer.allocate(4096);
                for (int block = 0; block < rounds; block++) {
                    channel.write(zeros.clear());
                }
                channel.force(true); // allocated and its length durable, as a log segment's space ahead is
            }
            for (int round = 0; round < rounds; round++) {
                long started = System.nanoTime();
                long position = round * 4096L;
                List<Future<Long>> done = new ArrayList<>();
                for (FileChannel channel : channels) {
                    done.add(writers.submit(() -> {
                        channel.write(ByteBuffer.allocate(4096), position);
                        channel.force(false);
                        return System.nanoTime() - started;
                    }));
                }
                long[] finished = new long[files];
                for (int i = 0; i < files; i++) {
                    finished[i] = done.get(i).get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
                Arrays.sort(finished);
                second[round] = finished[1];
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while probing fsync", e);
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            throw new IOException("the concurrent fsync probe failed: " + e, e);
        } finally {
            writers.shutdownNow();
            for (int i = 0; i < channels.size(); i++) {
                channels.get(i).close();
                Files.deleteIfExists(directory.resolve("fsync-probe-" + i));
            }
        }
        return new BenchRow("fsync", "-", "force", 1, second, 0, 0).percentileNanos(50);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ clients

    /** A client sending one request at a time; {@code false} means the cluster refused or failed it. */
    private interface Client extends AutoCloseable {
        boolean put(String key, String value) throws Exception;

        boolean get(String key) throws Exception;

        @Override
        default void close() throws IOException {
        }
    }

    @FunctionalInterface
    private interface ClientFactory {
        Client open() throws IOException;
    }

    /** The embedded API of one node, blocking calls with an explicit policy per request. */
    private record EmbeddedClient(Store store, ConsistencyPolicy policy) implements Client {
        @Override
        public boolean put(String key, String value) {
            try {
                store.put(key, value, policy);
                return true;
            } catch (NodeSyncException e) {
                return false;
            }
        }

        @Override
        public boolean get(String key) {
            try {
                store.get(key, policy);
                return true;
            } catch (NodeSyncException e) {
                return false;
            }
        }
    }

    /** The line dialect over one persistent connection; the cluster's mode applies. */
    private static final class TcpClient implements Client {
        private final LineClient line;

        private TcpClient(LineClient line) {
            this.line = line;
        }

        static TcpClient connect(InetSocketAddress address) throws IOException {
            InetSocketAddress resolved = address.isUnresolved()
                    ? new InetSocketAddress(address.getHostString(), address.getPort()) : address;
            return new TcpClient(LineClient.connect(resolved, REQUEST_TIMEOUT));
        }

        String call(String command) throws IOException {
            return line.call(command);
        }

        void expect(String command, String reply) throws IOException {
            String actual = line.call(command);
            if (!actual.equals(reply)) {
                throw new IOException(command + " answered '" + actual + "', expected '" + reply + "'");
            }
        }

        @Override
        public boolean put(String key, String value) throws IOException {
            return line.call("SET " + key + " " + value).equals("OK");
        }

        @Override
        public boolean get(String key) throws IOException {
            String reply = line.call("GET " + key);
            return reply.startsWith("VALUE ") || reply.equals("NOT_FOUND");
        }

        @Override
        public void close() throws IOException {
            line.close();
        }
    }

    /** A growable array of longs: latencies without boxing. */
    private static final class LongArray {
        private long[] values = new long[1024];
        private int size;

        void add(long value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        void addAll(long[] more) {
            for (long v : more) {
                add(v);
            }
        }

        int size() {
            return size;
        }

        long[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
