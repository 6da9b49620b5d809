package io.nodesync.examples;

import static io.nodesync.examples.NodeProcessCluster.call;
import static io.nodesync.examples.NodeProcessCluster.leaderAmong;
import static io.nodesync.examples.NodeProcessCluster.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three nodes as three JVMs ({@code ./nodesync node PORT PEER...}, started the way the launcher starts them), talked
 * to over the line dialect: the highest port leads, every node serves reads and writes, a SIGSTOPped leader is
 * replaced and steps down when it wakes without losing an acknowledged write, and a SIGKILLed leader is replaced
 * within two seconds. Every process is killed in {@link #stopEverything}, also when a test fails.
 */
class NodeProcessesTest {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private NodeProcessCluster cluster;

    @AfterEach
    void stopEverything() throws InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aClusterOfThreeProcessesSurvivesAStoppedAndAKilledLeader() throws Exception {
        cluster = new NodeProcessCluster(3, port -> List.of());
        List<Integer> ports = cluster.ports();
        cluster.startAll();
        int highest = ports.get(2);
        await("the highest port to lead").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> ports.stream().allMatch(port -> String.valueOf(highest).equals(status(port).get("leader")))
                        && "leader".equals(status(highest).get("role")));

        Map<String, String> acknowledged = new HashMap<>();
        for (int port : ports) {
            assertThat(call(port, "SET via-" + port + " written through " + port)).isEqualTo("OK");
            acknowledged.put("via-" + port, "written through " + port);
        }
        for (int port : ports) {
            for (Map.Entry<String, String> write : acknowledged.entrySet()) {
                assertThat(call(port, "GET " + write.getKey())).isEqualTo("VALUE " + write.getValue());
            }
        }

        // SIGSTOP the leader for longer than the election timeout: the others elect a new leader and go on.
        long frozenTerm = Long.parseLong(status(highest).get("term"));
        cluster.signal(highest, "STOP");
        int middle = ports.get(1);
        int lowest = ports.get(0);
        await("a new leader while " + highest + " is stopped").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    Optional<Integer> leader = leaderAmong(List.of(lowest, middle));
                    // Both must know it, so neither forwards a write to the stopped node.
                    return leader.isPresent() && String.valueOf(leader.get()).equals(status(lowest).get("leader"))
                            && String.valueOf(leader.get()).equals(status(middle).get("leader"));
                });
        for (int i = 0; i < 20; i++) {
            int port = i % 2 == 0 ? lowest : middle;
            assertThat(call(port, "SET during-stop-" + i + " v" + i)).isEqualTo("OK");
            acknowledged.put("during-stop-" + i, "v" + i);
        }

        // SIGCONT: the old leader learns the later term and steps down (the priority election may hand it the
        // office back afterwards, but only in a later term and with every acknowledged write in its log).
        cluster.signal(highest, "CONT");
        await(highest + " to learn the later term").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> Long.parseLong(status(highest).get("term")) > frozenTerm);
        for (int port : ports) {
            for (Map.Entry<String, String> write : acknowledged.entrySet()) {
                assertThat(call(port, "GET " + write.getKey())).as("GET %s on %d", write.getKey(), port)
                        .isEqualTo("VALUE " + write.getValue());
            }
        }

        // kill -9 the leader of the moment: a new one within two seconds, and writes go on.
        int leader = await("a settled leader").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> leaderAmong(ports), Optional::isPresent).orElseThrow();
        List<Integer> survivors = ports.stream().filter(port -> port != leader).toList();
        long killedAt = System.nanoTime();
        cluster.kill(leader);
        int next = await("a new leader after kill -9 of " + leader).atMost(Duration.ofSeconds(2))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> leaderAmong(survivors), Optional::isPresent).orElseThrow();
        System.out.printf("failover after kill -9 of %d: %d took over in %d ms%n", leader, next,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
        for (int port : survivors) {
            assertThat(call(port, "SET after-kill-" + port + " ok")).isEqualTo("OK");
            acknowledged.put("after-kill-" + port, "ok");
        }
        for (int port : survivors) {
            for (Map.Entry<String, String> write : acknowledged.entrySet()) {
                assertThat(call(port, "GET " + write.getKey())).isEqualTo("VALUE " + write.getValue());
            }
        }

        // SIGTERM (what Ctrl-C and service managers send): the node closes cleanly and the process ends.
        int stopping = survivors.get(0);
        cluster.signal(stopping, "TERM");
        assertThat(cluster.process(stopping).waitFor(30, TimeUnit.SECONDS)).as("%d exits on SIGTERM", stopping)
                .isTrue();
        assertThat(Files.readString(cluster.logOf(stopping))).contains("[NodeSync  ] Node " + stopping
                + " shutting down");
    }
}
