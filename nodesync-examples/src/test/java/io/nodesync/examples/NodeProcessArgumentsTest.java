package io.nodesync.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.NodeId;
import io.nodesync.consensus.RaftCore;
import io.nodesync.log.FileLog;
import io.nodesync.log.FsyncPolicy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        assertThat(options.dataDirectory()).as("in memory unless asked").isNull();
        assertThat(options.fsync()).isEqualTo(FsyncPolicy.ALWAYS);
        assertThat(options.snapshotThresholdBytes()).isEqualTo(RaftCore.Options.DEFAULT_SNAPSHOT_THRESHOLD_BYTES);
        assertThat(NodeProcess.describeData(options, null)).contains("in memory only");
    }

    @Test
    void storageOptionsAreRead() {
        NodeProcess.Options options = NodeProcess.parse(new String[] {"5000", "127.0.0.1:5001",
            "--data-dir", "data/../data/node-5000", "--fsync", "BATCH", "--snapshot-threshold", "65536"});
        assertThat(options.dataDirectory()).isEqualTo(Path.of("data/node-5000").toAbsolutePath());
        assertThat(options.fsync()).isEqualTo(FsyncPolicy.BATCH);
        assertThat(options.snapshotThresholdBytes()).isEqualTo(65_536);
        assertThat(NodeProcess.parse(new String[] {"5000", "--data-dir", "d", "--fsync", "never"}).fsync())
                .isEqualTo(FsyncPolicy.NEVER);
        assertThat(NodeProcess.parse(new String[] {"5000", "--data-dir", "d"}).fsync()).isEqualTo(FsyncPolicy.ALWAYS);
        assertThat(NodeProcess.parse(new String[] {"5000", "--snapshot-threshold", "8000000000"})
                .snapshotThresholdBytes()).as("in memory logs compact too; sizes past 2 GiB are fine")
                .isEqualTo(8_000_000_000L);
    }

    @Test
    void badStorageOptionsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> NodeProcess.parse(new String[] {"5000", "--data-dir", "d", "--fsync", "sometimes"}))
                .hasMessage("unknown fsync policy 'sometimes' (always, batch or never)");
        assertThatThrownBy(() -> NodeProcess.parse(new String[] {"5000", "--fsync", "always"}))
                .hasMessageContaining("--fsync needs --data-dir");
        assertThatThrownBy(() -> NodeProcess.parse(new String[] {"5000", "--data-dir", ""}))
                .hasMessageContaining("--data-dir needs a directory");
        assertThatThrownBy(() -> NodeProcess.parse(new String[] {"5000", "--data-dir", "a\0b"}))
                .hasMessageContaining("is not a usable path");
        for (String bad : new String[] {"0", "-4096", "64k", "1e6"}) {
            assertThatThrownBy(() -> NodeProcess.parse(new String[] {"5000", "--snapshot-threshold", bad}))
                    .hasMessage("--snapshot-threshold needs a positive whole number of bytes, not '" + bad + "'");
        }
        assertThatThrownBy(() -> NodeProcess.parse(new String[] {"5000", "--data-dir"}))
                .hasMessage("--data-dir needs a value");
    }

    @Test
    void aDataDirectoryThatCannotBeUsedEndsTheProcessWithOneLineSayingWhy(@TempDir Path temp) throws Exception {
        Path otherNodes = temp.resolve("other");
        FileLog.open(otherNodes, NodeId.of("other"), FileLog.Options.defaults()).close();
        Path file = Files.writeString(temp.resolve("a-file"), "not a directory");
        Path damaged = Files.createDirectory(temp.resolve("damaged"));
        Files.writeString(damaged.resolve("meta"), "garbage");

        assertThat(failedStart(temp.resolve("missing").resolve("data")))
                .contains("its parent directory " + temp.resolve("missing") + " does not exist");
        assertThat(failedStart(file)).contains("log directory " + file + " is not a directory");
        assertThat(failedStart(otherNodes)).contains("belongs to node other");
        assertThat(failedStart(damaged)).contains("corrupted log file " + damaged.resolve("meta"));
    }

    /** Runs a node on {@code dataDirectory}, expects it to give up with status 1, and returns what it printed. */
    private static String failedStart(Path dataDirectory) throws Exception {
        int port = TestSupport.freePorts(1).get(0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = NodeProcess.run(new String[] {String.valueOf(port), "127.0.0.1:1", "--data-dir",
            dataDirectory.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = err.toString(StandardCharsets.UTF_8);
        assertThat(status).as(printed).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(printed).startsWith("nodesync node: ").doesNotContain("\tat ").hasLineCount(1);
        return printed;
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
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: ./nodesync node PORT PEER...")
                .contains("--data-dir DIR", "--fsync POLICY", "--snapshot-threshold BYTES");
        assertThat(NodeProcess.run(new String[] {"x"}, System.out, new PrintStream(err, true, StandardCharsets.UTF_8)))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("'x' is not a port number");
    }
}
