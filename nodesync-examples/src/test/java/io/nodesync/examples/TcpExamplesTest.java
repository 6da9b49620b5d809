package io.nodesync.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Election;
import io.nodesync.NodeId;
import io.nodesync.Timing;
import io.nodesync.log.InMemoryLog;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The TCP examples are real programs: this runs them against real nodes and checks what they print. */
class TcpExamplesTest {

    private final List<ServedNode> nodes = new ArrayList<>();

    @AfterEach
    void closeNodes() {
        nodes.forEach(served -> served.node().close());
    }

    @Test
    void theTcpEmbeddingExampleElectsWritesAndReadsOnEveryNode() throws Exception {
        String output = TestSupport.captureStdout(() -> TcpClusterExample.main(new String[0]));
        assertThat(output).contains("leader: ");
        assertThat(output.lines().filter(line -> line.matches("node \\d reads hello over TCP"))).hasSize(3);
        assertThat(output).contains("=UP");
    }

    @Test
    void theLineSessionExampleGetsTheContractsRepliesFromAFollower() throws Exception {
        List<Integer> ports = TestSupport.freePorts(3);
        for (int port : ports) {
            Map<NodeId, InetSocketAddress> peers = new LinkedHashMap<>();
            ports.stream().filter(peer -> peer != port).forEach(peer ->
                    peers.put(NodeId.of(peer), new InetSocketAddress(InetAddress.getLoopbackAddress(), peer)));
            nodes.add(ServedNode.start(new NodeProcess.Options(NodeId.of(port), port, InetAddress.getLoopbackAddress(),
                    peers, Election.priority(), "priority", ConsistencyPolicy.STRONG, Timing.DEFAULT),
                    new InMemoryLog()));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream().allMatch(served ->
                NodeId.of(ports.get(2)).equals(served.node().status().leader())));

        String output = TestSupport.captureStdout(() -> LineSessionExample.main(new String[] {"127.0.0.1",
            String.valueOf(ports.get(0))}));
        assertThat(output).contains("""
                > PING
                < PONG
                > CONSISTENCY eventual
                < OK
                > SET foo bar
                < OK
                > GET foo
                < VALUE bar
                > CONSISTENCY strong
                < OK
                > SET x 1
                < OK
                > GET x
                < VALUE 1
                > CAS x 1 2
                < OK
                > CAS x 1 3
                < FAIL: mismatch
                > GET x
                < VALUE 2
                > SET greeting hello, world
                < OK
                > GET greeting
                < VALUE hello, world
                > DEL foo
                < OK
                > GET foo
                < NOT_FOUND
                > CONSISTENCY
                < CONSISTENCY strong
                > STATUS
                < id=%d role=follower""".formatted(ports.get(0)));
    }
}
