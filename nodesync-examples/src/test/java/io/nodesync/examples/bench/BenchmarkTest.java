package io.nodesync.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.log.FsyncPolicy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./nodesync bench}: its options, and short real runs (a few hundred requests, fractions of a second per
 * throughput row) that check every row, the seed's format and both reports come out. Figures are not asserted:
 * speed is measured by running the benchmark, not by tests.
 */
class BenchmarkTest {

    @TempDir
    Path directory;

    @Test
    void defaultsAreTheIssuesWorkload() {
        BenchOptions options = BenchOptions.parse(new String[0]);
        assertThat(options.nodes()).isEqualTo(3);
        assertThat(options.clients()).containsExactly(16, 64);
        assertThat(options.warmupRequests()).isEqualTo(5_000);
        assertThat(options.requests()).isEqualTo(20_000);
        assertThat(options.duration().toSeconds()).isEqualTo(10);
        assertThat(options.valueSize()).isEqualTo(100);
        assertThat(options.keys()).isEqualTo(10_000);
        assertThat(options.modes()).containsExactly("eventual", "strong");
        assertThat(options.apis()).containsExactly("embedded", "tcp");
        assertThat(options.fsync()).isNull();
        assertThat(options.seedRequests()).isEqualTo(50);
    }

    @Test
    void optionsAreParsedAndBadOnesNamed() {
        BenchOptions options = BenchOptions.parse(new String[] {"--connect", "127.0.0.1:5000,localhost:5001",
                "--clients", "1,8", "--value-size", "10", "--duration", "0.5", "--modes", "STRONG"});
        assertThat(options.connect()).hasSize(2);
        assertThat(options.connect().get(1).getPort()).isEqualTo(5001);
        assertThat(options.apis()).containsExactly("tcp");
        assertThat(options.clients()).containsExactly(1, 8);
        assertThat(options.duration().toMillis()).isEqualTo(500);
        assertThat(options.modes()).containsExactly("strong");
        assertThat(BenchOptions.parse(new String[] {"--data-dir", "/tmp/x"}).fsync()).isEqualTo(FsyncPolicy.ALWAYS);

        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--clients", "0"}))
                .hasMessageContaining("--clients");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--modes", "linear"}))
                .hasMessageContaining("unknown 'linear'");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--connect", "nowhere"}))
                .hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--fsync", "sometimes"}))
                .hasMessageContaining("unknown policy");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--requests"}))
                .hasMessageContaining("needs a value");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--bogus"}))
                .hasMessageContaining("unknown option '--bogus'");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"stray"}))
                .hasMessageContaining("unexpected argument 'stray'");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--connect", "h:1", "--apis", "embedded"}))
                .hasMessageContaining("only --apis tcp");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--connect", "h:1", "--fsync", "always"}))
                .hasMessageContaining("--fsync");
    }

    @Test
    void badArgumentsExitWithStatusTwo() throws Exception {
        Run run = run("--nodes", "x");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("bench: --nodes needs a whole number").contains("Usage:");
    }

    @Test
    @Timeout(120)
    void aShortRunMeasuresEveryRowAndWritesBothReports() throws Exception {
        Path reports = directory.resolve("reports");
        Run run = run("--requests", "300", "--warmup-requests", "100", "--duration", "0.3", "--warmup", "0.1",
                "--clients", "2,4", "--fsync", "always", "--data-dir", directory.resolve("data").toString(),
                "--report-dir", reports.toString());
        assertThat(run.status()).as(run.err()).isZero();
        String out = run.out();
        // The seed's format first, from the sequential puts over TCP.
        assertThat(out.indexOf("Eventual Consistency:")).isLessThan(out.indexOf("Strong Consistency:"));
        assertThat(out).containsPattern("Eventual Consistency:\\R  Avg latency: [0-9.]+ ms\\R  Max latency: [0-9.]+ ms");
        for (String api : List.of("embedded", "tcp")) {
            for (String mode : List.of("eventual", "strong")) {
                assertThat(out).containsPattern(api + " +" + mode + " +put +1 +300 ");
                assertThat(out).containsPattern(api + " +" + mode + " +get +1 +300 ");
                assertThat(out).containsPattern(api + " +" + mode + " +put +2 ");
                assertThat(out).containsPattern(api + " +" + mode + " +put +4 ");
            }
            assertThat(out).containsPattern(api + " +strong/fsync=always +put +1 +300 ");
        }
        assertThat(out).contains("loopback TCP round trip").contains("raw fsync").contains("MiB per node");
        String csv = Files.readString(reports.resolve("bench.csv"), StandardCharsets.UTF_8);
        assertThat(csv.lines()).hasSize(1 + 2 * 2 * 4 + 2 * 3);
        assertThat(Files.readString(reports.resolve("bench.html"), StandardCharsets.UTF_8)).contains("<svg");
        assertThat(directory.resolve("data")).isDirectory(); // a given data directory is the user's: kept
    }

    @Test
    @Timeout(120)
    void seedCompatibleUsesANewConnectionPerRequest() throws Exception {
        Run run = run("--seed-compatible", "--seed-requests", "20", "--requests", "100", "--warmup-requests", "10",
                "--report-dir", directory.toString());
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("seed +eventual +put +1 +20 ").containsPattern("seed +strong +put +1 +20 ")
                .contains("Strong Consistency:").contains("a new connection per request");
    }

    @Test
    @Timeout(120)
    void connectBenchmarksAnExistingCluster() throws Exception {
        try (BenchCluster cluster = BenchCluster.start(3, null, null)) {
            String addresses = String.join(",", cluster.nodes().stream()
                    .map(node -> "127.0.0.1:" + cluster.address(node).getPort()).toList());
            Run run = run("--connect", addresses, "--requests", "200", "--warmup-requests", "50", "--duration", "0.3",
                    "--warmup", "0.1", "--clients", "3", "--report-dir", directory.toString());
            assertThat(run.status()).as(run.err()).isZero();
            assertThat(run.out()).containsPattern("tcp +strong +put +3 ").doesNotContain("embedded")
                    .contains("an existing cluster");
        }
    }

    private record Run(int status, String out, String err) {
    }

    private static Run run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Benchmark.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
