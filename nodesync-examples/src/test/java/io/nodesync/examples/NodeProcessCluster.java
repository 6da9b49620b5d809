package io.nodesync.examples;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Cluster nodes as JVMs of their own ({@code ./nodesync node PORT PEER... [options]}, started the way the launcher
 * starts them) on loopback ports the OS had free, for the process tests. Each start of a node writes its output to
 * a file of its own ({@link #logOf}). {@link #close} kills every process still running (also a SIGSTOPped one), so a
 * test closes the cluster in a finally block or an {@code @AfterEach} and leaves nothing behind even when it fails.
 * Not thread-safe, except the static client helpers.
 */
final class NodeProcessCluster implements AutoCloseable {

    /** The wait for a reply of the one-off calls ({@link #call}, {@link #status}). */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

    private final List<Integer> ports;
    private final Function<Integer, List<String>> options;
    private final Map<Integer, Process> processes = new LinkedHashMap<>();
    private final Map<Integer, Integer> starts = new HashMap<>();

    /**
     * Picks {@code size} free ports; no process runs yet.
     *
     * @param options the options after {@code PORT PEER...} for the node on a port, e.g. its data directory
     */
    NodeProcessCluster(int size, Function<Integer, List<String>> options) throws IOException {
        this.ports = TestSupport.freePorts(size);
        this.options = options;
    }

    /** The nodes' ports, which are also their ids, ascending. */
    List<Integer> ports() {
        return ports;
    }

    /** Starts every node. */
    void startAll() throws IOException {
        for (int port : ports) {
            start(port);
        }
    }

    /** Starts the node on {@code port}, or starts it again after it died, with the same command line. */
    void start(int port) throws IOException {
        Process running = processes.get(port);
        if (running != null && running.isAlive()) {
            throw new IllegalStateException("the node on " + port + " is still running");
        }
        List<String> command = new ArrayList<>(List.of(javaBinary(),
                "-XX:+UseSerialGC", // several JVMs share a small machine: one collector thread each is enough
                "-cp", System.getProperty("java.class.path"), "io.nodesync.examples.Main", "node",
                String.valueOf(port)));
        for (int peer : ports) {
            if (peer != port) {
                command.add("127.0.0.1:" + peer);
            }
        }
        command.addAll(options.apply(port));
        starts.merge(port, 1, Integer::sum);
        Path log = logOf(port);
        Files.createDirectories(log.getParent());
        processes.put(port, new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start());
    }

    /** {@code kill -9}: the process dies at once, without closing anything; returns once it is gone. */
    void kill(int port) throws InterruptedException {
        Process process = processes.get(port);
        process.destroyForcibly(); // SIGKILL on Unix
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the node on " + port + " did not die of SIGKILL");
        }
    }

    /** The process of the node's latest start. */
    Process process(int port) {
        return processes.get(port);
    }

    /** Sends a signal by name ({@code STOP}, {@code CONT}, {@code TERM}) to the node's process. */
    void signal(int port, String signal) {
        signal(processes.get(port), signal);
    }

    /** What the node's latest start has printed so far (target/node-process-PORT-START.log). */
    Path logOf(int port) {
        return Path.of("target", "node-process-" + port + "-" + starts.getOrDefault(port, 1) + ".log");
    }

    /** The first line of the node's latest output that contains {@code text}, once it has been printed. */
    String awaitLogLine(int port, String text, Duration timeout) {
        return await("'" + text + "' in the output of " + port).atMost(timeout).pollInterval(Duration.ofMillis(50))
                .until(() -> new String(Files.readAllBytes(logOf(port)), StandardCharsets.UTF_8).lines()
                        .filter(line -> line.contains(text)).findFirst(), Optional::isPresent)
                .orElseThrow();
    }

    /** The node among {@code candidates} whose STATUS says it leads, if any. */
    static Optional<Integer> leaderAmong(List<Integer> candidates) {
        for (int port : candidates) {
            if ("leader".equals(status(port).get("role"))) {
                return Optional.of(port);
            }
        }
        return Optional.empty();
    }

    /**
     * Waits until one of {@code nodes} leads and every one of them names it as its leader (so none forwards to a
     * node outside them), and returns it.
     */
    static int awaitAgreedLeader(List<Integer> nodes, Duration timeout) {
        return await("a leader that all of " + nodes + " know").atMost(timeout).pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    Optional<Integer> leader = leaderAmong(nodes);
                    return leader.filter(port -> nodes.stream().allMatch(node ->
                            String.valueOf(port).equals(status(node).get("leader"))));
                }, Optional::isPresent)
                .orElseThrow();
    }

    /** The node's STATUS as name/value pairs; empty while it cannot be reached. */
    static Map<String, String> status(int port) {
        try {
            return LineClient.statusFields(call(port, "STATUS"));
        } catch (IOException e) {
            return Map.of(); // not up yet, stopped, or killed
        }
    }

    /** One numeric STATUS field of the node, or -1 while it cannot be reached. */
    static long statusNumber(int port, String field) {
        String value = status(port).get(field);
        return value == null ? -1 : Long.parseLong(value);
    }

    /** Sends one line-dialect command on a connection of its own and returns the reply. */
    static String call(int port, String command) throws IOException {
        return LineClient.callOnce(address(port), command, CALL_TIMEOUT);
    }

    /** The node's address on loopback. */
    static InetSocketAddress address(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** Kills every process still running and waits for each to end. */
    @Override
    public void close() throws InterruptedException {
        for (Process process : processes.values()) {
            if (process.isAlive()) {
                signal(process, "CONT"); // a stopped JVM dies of SIGKILL as well, but leave nothing frozen behind
                process.destroyForcibly();
            }
        }
        for (Process process : processes.values()) {
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static void signal(Process process, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).start();
            kill.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException("cannot send SIG" + signal, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    }
}
