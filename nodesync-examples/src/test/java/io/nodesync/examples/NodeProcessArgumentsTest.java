package io.nodesync.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.NodeId;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code ./nodesync node} reads the seed's command line, and says clearly what is wrong with a bad one. */
class NodeProcessArgumentsTest {

    @Test
    void theSeedsCommandLineMakesTheNodeItsPortWithPeersNamedByTheirPorts() {
        NodeProcess.Options options = NodeProcess.parse(new String[] {"5000", "127.0.0.1:5001", "127.0.0.1:5002"});
        assertThat(options.id()).isEqualTo(NodeId.of(5000));
        assertThat(options.port()).isEqualTo(5000);
        assertThat(options.peers()).containsOnlyKeys(NodeId.of(5001), NodeId.of(5002));
        assertThat(options.peers().get(NodeId.of(5001))).isEqualTo(new InetSocketAddress("127.0.0.1", 5001));
        assertThat(options.electionName()).isEqualTo("priority");
        assertThat(options.consistency()).isEqualTo(ConsistencyPolicy.STRONG);
    }

    @Test
    void optionsAndExplicitPeerIdsAreRead() {
        NodeProcess.Options options = NodeProcess.parse(new String[] {"6000", "b=127.0.0.2:6000", "--id", "a",
            "--election", "raft", "--consistency", "EVENTUAL", "--tick-ms", "5", "--election-ticks", "40",
            "--request-timeout-ms", "2000", "--bind", "127.0.0.1"});
        assertThat(options.id()).isEqualTo(NodeId.of("a"));
        assertThat(options.peers()).containsOnlyKeys(NodeId.of("b"));
        assertThat(options.electionName()).isEqualTo("raft");
        assertThat(options.consistency()).isEqualTo(ConsistencyPolicy.EVENTUAL);
        assertThat(options.timing().tick()).isEqualTo(Duration.ofMillis(5));
        assertThat(options.timing().electionTimeoutTicks()).isEqualTo(40);
        assertThat(options.timing().requestTimeout()).isEqualTo(Duration.ofMillis(2000));
    }

    @Test
    void badCommandLinesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> NodeProcess.parse(new String[0])).hasMessage("missing PORT");
        assertThatThrownBy(() -> NodeProcess.parse(new String[] {"http"})).hasMessageContaining("not a port number");
        assertThatThrownBy(() -> NodeProcess.parse(new String[] {"70000"})).hasMessageContaining("outside 1-65535");
        assertThatThrownBy(() -> NodeProcess.parse(new String[] {"5000", "5001"}))
                .hasMessageContaining("is not HOST:PORT");
        assertThatThrownBy(() -> NodeProcess.parse(new String[] {"5000", "127.0.0.2:5000"}))
                .hasMessageContaining("this node's own id");
        assertThatThrownBy(() -> NodeProcess.parse(new String[] {"5000", "10.0.0.1:5001", "10.0.0.2:5001"}))
                .hasMessageContaining("two peers have the id 5001");
        assertThatThrownBy(() -> NodeProcess.parse(new String[] {"5000", "--election", "lottery"}))
                .hasMessageContaining("unknown election 'lottery'");
        assertThatThrownBy(() -> NodeProcess.parse(new String[] {"5000", "--consistency", "weak"}))
                .hasMessageContaining("unknown consistency 'weak'");
        assertThatThrownBy(() -> NodeProcess.parse(new String[] {"5000", "--tick-ms", "0"}))
                .hasMessageContaining("--tick-ms needs a positive whole number");
        assertThatThrownBy(() -> NodeProcess.parse(new String[] {"5000", "--tick-ms"})).hasMessage("--tick-ms needs a value");
        assertThatThrownBy(() -> NodeProcess.parse(new String[] {"5000", "--colour", "red"}))
                .hasMessage("unknown option --colour");
    }

    @Test
    void helpPrintsTheUsageAndABadLineExitsWithStatusTwo() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(NodeProcess.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                System.err)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: ./nodesync node PORT PEER...");
        assertThat(NodeProcess.run(new String[] {"x"}, System.out, new PrintStream(err, true, StandardCharsets.UTF_8)))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("'x' is not a port number");
    }
}
