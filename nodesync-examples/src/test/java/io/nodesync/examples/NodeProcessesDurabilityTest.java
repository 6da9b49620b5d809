package io.nodesync.examples;

import static io.nodesync.examples.NodeProcessCluster.awaitAgreedLeader;
import static io.nodesync.examples.NodeProcessCluster.statusNumber;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodesync.testing.CheckResult;
import io.nodesync.testing.History;
import io.nodesync.testing.LinearizabilityChecker;
import io.nodesync.testing.Operation;
import io.nodesync.testing.Operation.Kind;
import io.nodesync.testing.Operation.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes as three JVMs, each on a data directory of its own ({@code --data-dir}, {@code --fsync always}, a small
 * {@code --snapshot-threshold} so that the nodes snapshot, compact and send snapshots while the test runs), killed
 * with {@code kill -9} and restarted on their directories: no acknowledged strong write is lost, the strong history
 * stays linearizable, and a restarted node comes back with its term and its log. Every process is killed in
 * {@link #stopEverything}, also when a test fails; JUnit deletes the data directories after that.
 */
class NodeProcessesDurabilityTest {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    /** The longest a round's waits (a new leader, writes going on, a restart, a catch-up) may take each. */
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(20);
    /** What a node prints at startup about a data directory it recovered (see NodeProcess.describeData). */
    private static final Pattern RECOVERED = Pattern.compile("recovered term (\\d+) and the log up to index (\\d+)");
    private static final String DATA_LINE = "[NodeSync  ] Data in ";
    /** The history's client ids of the final reads are this plus the port, apart from the load's. */
    private static final int FINAL_READER = 1_000_000;

    @TempDir
    Path dataRoot;

    private NodeProcessCluster cluster;
    private Workload workload;

    @AfterEach
    void stopEverything() throws InterruptedException {
        try {
            if (workload != null) {
                workload.stop();
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void acknowledgedStrongWritesSurviveKill9OfLeadersAndFollowersUnderLoad() throws Exception {
        long began = System.nanoTime();
        cluster = new NodeProcessCluster(3, port -> durableNode(port, 64 * 1024, "raft"));
        List<Integer> ports = cluster.ports();
        cluster.startAll(); // a new cluster on empty directories elects only once all three answer each other
        awaitAgreedLeader(ports, START_TIMEOUT);

        History history = new History(System::nanoTime);
        workload = new Workload(ports, history);
        workload.start();
        await("the first writes").atMost(STEP_TIMEOUT).pollInterval(Duration.ofMillis(20))
                .until(() -> workload.acknowledgedWrites() >= 50);

        int compactedPastRestarted = 0;
        Map<Integer, Integer> kills = new HashMap<>();
        for (int round = 0; round < 6; round++) {
            int leader = awaitAgreedLeader(ports, STEP_TIMEOUT);
            boolean killLeader = round % 2 == 0;
            // Among the followers, the one killed least so far, so that every node has to recover at some point.
            int victim = killLeader ? leader : others(ports, leader).stream()
                    .min(Comparator.comparing(port -> kills.getOrDefault(port, 0))).orElseThrow();
            kills.merge(victim, 1, Integer::sum);
            long termBefore = statusNumber(victim, "term");
            long appliedBefore = statusNumber(victim, "applied");
            assertThat(appliedBefore).as("%d has applied writes before it is killed", victim).isPositive();

            cluster.kill(victim);
            long roundStart = System.nanoTime();
            long acknowledgedAtKill = workload.acknowledgedWrites();
            List<Integer> survivors = others(ports, victim);
            if (killLeader) {
                awaitAgreedLeader(survivors, STEP_TIMEOUT);
            }
            await("writes to go on without " + victim).atMost(STEP_TIMEOUT).pollInterval(Duration.ofMillis(20))
                    .until(() -> workload.acknowledgedWrites() >= acknowledgedAtKill + 20);
            if (round == 1) {
                // Keep the follower down until the leader has compacted past everything it can hold (all it held
                // was committed by now), so that it can only catch up from a snapshot: InstallSnapshot.
                long committed = statusNumber(leader, "commit");
                await(leader + " to snapshot past index " + committed).atMost(STEP_TIMEOUT)
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> snapshotIndex(dataDirectory(leader)) > committed);
            }

            cluster.start(victim);
            Matcher recovered = RECOVERED.matcher(cluster.awaitLogLine(victim, DATA_LINE, STEP_TIMEOUT));
            assertThat(recovered.find()).as("%d restarts on a non-empty data directory: %s", victim,
                    Files.readString(cluster.logOf(victim))).isTrue();
            long recoveredTerm = Long.parseLong(recovered.group(1));
            long recoveredIndex = Long.parseLong(recovered.group(2));
            assertThat(recoveredTerm).as("the term %d recovered", victim).isGreaterThanOrEqualTo(termBefore);
            assertThat(recoveredIndex).as("the log %d recovered", victim).isGreaterThanOrEqualTo(appliedBefore);

            int current = awaitAgreedLeader(ports, STEP_TIMEOUT);
            if (snapshotIndex(dataDirectory(current)) > recoveredIndex) {
                compactedPastRestarted++; // the leader no longer holds the entries the restarted node lacks
            } else {
                assertThat(round).as("in round 1 the leader compacted past the follower's log").isNotEqualTo(1);
            }
            long commit = statusNumber(current, "commit");
            await(victim + " to catch up with " + current + "'s commit index " + commit).atMost(STEP_TIMEOUT)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> statusNumber(victim, "applied") >= commit);
            if (round == 1) {
                await(victim + " to keep the snapshot it received").atMost(STEP_TIMEOUT)
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> snapshotIndex(dataDirectory(victim)) > recoveredIndex);
            }
            System.out.printf("round %d: kill -9 of %s %d (term %d, applied %d); back with term %d, log to %d; "
                    + "caught up after %d ms; %d writes acknowledged so far%n", round, killLeader ? "leader"
                    : "follower", victim, termBefore, appliedBefore, recoveredTerm, recoveredIndex,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - roundStart), workload.acknowledgedWrites());
        }
        workload.stop();

        // Final strong reads through every node, in the history: each must see the last acknowledged write of its
        // key or a later one, which the linearizability check decides.
        int leader = awaitAgreedLeader(ports, STEP_TIMEOUT);
        Map<String, List<String>> finalValues = new HashMap<>();
        for (int port : ports) {
            try (LineClient client = LineClient.connect(NodeProcessCluster.address(port), Workload.CLIENT_TIMEOUT)) {
                for (String key : Workload.KEYS) {
                    String value = workload.read(client, FINAL_READER + port, key);
                    finalValues.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
                }
            }
        }
        List<Operation> operations = history.operations();
        long checkStart = System.nanoTime();
        CheckResult result = LinearizabilityChecker.check(operations);
        System.out.printf("%d operations (%d writes acknowledged, %d of unknown outcome, %d failed reads), leader "
                + "%d at the end, %d restarts behind the leader's snapshot; checked in %d ms; test %d ms%n",
                operations.size(), workload.acknowledgedWrites(), workload.unknownOutcomes(), workload.failedReads(),
                leader, compactedPastRestarted, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - checkStart),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));

        assertThat(workload.unexpectedReplies()).as("replies the protocol does not give a strong request").isEmpty();
        finalValues.forEach((key, values) -> assertThat(values).as("%s through each node", key)
                .doesNotContainNull().containsOnly(values.get(0)));
        assertThat(operations.stream().filter(op -> op.client() >= FINAL_READER))
                .as("the final reads all completed").hasSize(ports.size() * Workload.KEYS.size())
                .allMatch(op -> op.outcome() == Outcome.OK);
        assertThat(result.linearizable()).as("%s", result).isTrue();
        for (int port : ports) {
            assertThat(snapshotIndex(dataDirectory(port))).as("%d took or received a snapshot", port).isPositive();
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void nodesRestartedOnTheirDataDirectoriesAfterKill9ComeBackWithTheirTermAndData() throws Exception {
        cluster = new NodeProcessCluster(3, port -> durableNode(port, 4 * 1024, "priority"));
        List<Integer> ports = cluster.ports();
        cluster.startAll();
        for (int port : ports) {
            assertThat(cluster.awaitLogLine(port, DATA_LINE, START_TIMEOUT)).contains(DATA_LINE + dataDirectory(port)
                    + " (fsync always): empty");
        }
        awaitAgreedLeader(ports, START_TIMEOUT);

        Map<String, String> written = new LinkedHashMap<>();
        List<LineClient> clients = new ArrayList<>();
        try {
            for (int port : ports) {
                clients.add(LineClient.connect(NodeProcessCluster.address(port), Workload.CLIENT_TIMEOUT));
            }
            for (int i = 0; i < 300; i++) {
                String key = "key-" + i;
                String value = "value " + i + " written through " + ports.get(i % ports.size());
                assertThat(clients.get(i % clients.size()).call("SET " + key + " " + value)).isEqualTo("OK");
                written.put(key, value);
            }
        } finally {
            for (LineClient client : clients) {
                client.close();
            }
        }
        long commit = statusNumber(awaitAgreedLeader(ports, STEP_TIMEOUT), "commit");
        Map<Integer, Long> termBefore = new HashMap<>();
        Map<Integer, Long> appliedBefore = new HashMap<>();
        for (int port : ports) {
            await(port + " to apply every write").atMost(STEP_TIMEOUT).pollInterval(Duration.ofMillis(20))
                    .until(() -> statusNumber(port, "applied") >= commit);
            termBefore.put(port, statusNumber(port, "term"));
            appliedBefore.put(port, statusNumber(port, "applied"));
            assertThat(snapshotIndex(dataDirectory(port))).as("%d has compacted part of its log", port).isPositive();
        }

        for (int port : ports) {
            cluster.kill(port);
        }
        cluster.startAll();
        for (int port : ports) {
            Matcher recovered = RECOVERED.matcher(cluster.awaitLogLine(port, DATA_LINE, START_TIMEOUT));
            assertThat(recovered.find()).as("%d recovered its data directory", port).isTrue();
            assertThat(Long.parseLong(recovered.group(1))).as("the term %d recovered", port)
                    .isGreaterThanOrEqualTo(termBefore.get(port));
            assertThat(Long.parseLong(recovered.group(2))).as("the log %d recovered", port)
                    .isGreaterThanOrEqualTo(appliedBefore.get(port));
        }
        awaitAgreedLeader(ports, START_TIMEOUT);

        for (int port : ports) {
            assertThat(statusNumber(port, "term")).as("%d's term", port).isGreaterThanOrEqualTo(termBefore.get(port));
            try (LineClient client = LineClient.connect(NodeProcessCluster.address(port), Workload.CLIENT_TIMEOUT)) {
                for (Map.Entry<String, String> write : written.entrySet()) {
                    assertThat(client.call("GET " + write.getKey())).as("GET %s through %d", write.getKey(), port)
                            .isEqualTo("VALUE " + write.getValue());
                }
                assertThat(client.call("SET after-restart-" + port + " ok")).isEqualTo("OK");
            }
        }
    }

    /** The options of a node that keeps its data in a directory of its own under {@link #dataRoot}. */
    private List<String> durableNode(int port, int snapshotThresholdBytes, String election) {
        return List.of("--data-dir", dataDirectory(port).toString(), "--fsync", "always",
                "--snapshot-threshold", String.valueOf(snapshotThresholdBytes), "--election", election);
    }

    private Path dataDirectory(int port) {
        return dataRoot.resolve("node-" + port);
    }

    /** The index of the newest complete snapshot in a data directory ({@code snapshot-INDEX-TERM.snap}), or 0. */
    private static long snapshotIndex(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString())
                    .filter(name -> name.startsWith("snapshot-") && name.endsWith(".snap"))
                    .mapToLong(name -> Long.parseLong(name.split("-")[1]))
                    .max().orElse(0);
        }
    }

    private static List<Integer> others(List<Integer> ports, int excluded) {
        return ports.stream().filter(port -> port != excluded).toList();
    }

    /**
     * Eight clients, each on a line-dialect connection to one node, writing unique values to a few keys and reading
     * them back, strongly, as fast as the cluster answers; every operation is recorded in a {@link History}. A client
     * whose connection breaks moves on to the next node.
     */
    private static final class Workload {

        static final List<String> KEYS = List.of("k0", "k1", "k2", "k3", "k4");
        /** Longer than the nodes' strong request timeout (5 s), so a request without a majority ends in a FAIL. */
        static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(10);
        private static final int CLIENTS = 8;
        /** A client moves to the next node after this many operations, so that clients stay spread over the nodes. */
        private static final int OPERATIONS_PER_CONNECTION = 100;

        private final List<Integer> ports;
        private final History history;
        private final AtomicBoolean stopping = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();
        /** Client ids of the history: a client whose operation's outcome is unknown continues under a new id. */
        private final AtomicInteger clientIds = new AtomicInteger();
        private final AtomicLong acknowledgedWrites = new AtomicLong();
        private final AtomicLong unknownOutcomes = new AtomicLong();
        private final AtomicLong failedReads = new AtomicLong();
        private final Queue<String> unexpectedReplies = new ConcurrentLinkedQueue<>();

        /** How an operation ended for the client that ran it. */
        private enum Ending {
            KNOWN,
            /** The reply came but says the outcome is not known. */
            UNKNOWN,
            /** No reply: the outcome is unknown and the connection unusable. */
            BROKEN
        }

        Workload(List<Integer> ports, History history) {
            this.ports = ports;
            this.history = history;
        }

        void start() {
            for (int i = 0; i < CLIENTS; i++) {
                int index = i;
                Thread thread = new Thread(() -> run(index), "durability-client-" + i);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
        }

        /** Stops the clients after their current operation and waits for them. */
        void stop() throws InterruptedException {
            stopping.set(true);
            for (Thread thread : threads) {
                thread.join(CLIENT_TIMEOUT.toMillis() + 5_000);
                assertThat(thread.isAlive()).as("%s stopped", thread.getName()).isFalse();
            }
        }

        long acknowledgedWrites() {
            return acknowledgedWrites.get();
        }

        long unknownOutcomes() {
            return unknownOutcomes.get();
        }

        long failedReads() {
            return failedReads.get();
        }

        List<String> unexpectedReplies() {
            return List.copyOf(unexpectedReplies);
        }

        private void run(int index) {
            Random random = new Random(index);
            int client = clientIds.getAndIncrement();
            int target = index % ports.size();
            long sequence = 0;
            LineClient connection = null;
            try {
                while (!stopping.get()) {
                    if (connection != null && sequence % OPERATIONS_PER_CONNECTION == 0) {
                        closeQuietly(connection);
                        connection = null;
                        target = (target + 1) % ports.size();
                    }
                    if (connection == null) {
                        try {
                            connection = LineClient.connect(NodeProcessCluster.address(ports.get(target)),
                                    CLIENT_TIMEOUT);
                        } catch (IOException e) {
                            target = (target + 1) % ports.size(); // that node is down: another one is up
                            continue;
                        }
                    }
                    String key = KEYS.get(random.nextInt(KEYS.size()));
                    sequence++;
                    Ending ending = random.nextInt(100) < 60
                            ? write(connection, client, key, "c" + index + "-" + sequence)
                            : readEnding(connection, client, key);
                    if (ending != Ending.KNOWN) {
                        // The operation may still take effect: this client's next one must not be ordered after it.
                        client = clientIds.getAndIncrement();
                    }
                    if (ending == Ending.BROKEN) {
                        closeQuietly(connection);
                        connection = null;
                        target = (target + 1) % ports.size();
                    }
                }
            } finally {
                closeQuietly(connection);
            }
        }

        private Ending write(LineClient connection, int client, String key, String value) {
            long handle = history.invoke(client, key, Kind.WRITE, value, null);
            String reply;
            try {
                reply = connection.call("SET " + key + " " + value);
            } catch (IOException e) {
                history.unknown(handle); // the node died or did not answer in time: it may have been committed
                unknownOutcomes.incrementAndGet();
                return Ending.BROKEN;
            }
            if (reply.equals("OK")) {
                history.ok(handle);
                acknowledgedWrites.incrementAndGet();
                return Ending.KNOWN;
            }
            // "FAIL: quorum not reached" may still take effect later (CLIENT-PROTOCOL.md): unknown, not failed.
            history.unknown(handle);
            unknownOutcomes.incrementAndGet();
            expect(reply, reply.equals("FAIL: quorum not reached"));
            return Ending.UNKNOWN;
        }

        private Ending readEnding(LineClient connection, int client, String key) {
            try {
                read(connection, client, key);
                return Ending.KNOWN;
            } catch (IOException e) {
                return Ending.BROKEN;
            }
        }

        /** A recorded strong read: the value, {@code null} when absent or when the read failed. */
        String read(LineClient connection, int client, String key) throws IOException {
            long handle = history.invoke(client, key, Kind.READ, null, null);
            String reply;
            try {
                reply = connection.call("GET " + key);
            } catch (IOException e) {
                history.unknown(handle); // a read has no effect: the checker ignores it
                throw e;
            }
            if (reply.startsWith("VALUE ")) {
                String value = reply.substring("VALUE ".length());
                history.okRead(handle, value);
                return value;
            }
            if (reply.equals("NOT_FOUND")) {
                history.okRead(handle, null);
                return null;
            }
            history.fail(handle); // a read that returned nothing changed nothing
            failedReads.incrementAndGet();
            expect(reply, reply.equals("FAIL: quorum not reached"));
            return null;
        }

        private void expect(String reply, boolean expected) {
            if (!expected) {
                unexpectedReplies.add(reply);
            }
        }

        private static void closeQuietly(LineClient connection) {
            if (connection != null) {
                try {
                    connection.close();
                } catch (IOException e) {
                    // closing a broken connection: nothing left to release
                }
            }
        }
    }
}
