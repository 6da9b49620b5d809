package io.nodesync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
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
        List<Integer> ports = TestSupport.startLoopbackCluster(nodes);

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
