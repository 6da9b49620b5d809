package io.nodesync.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis's own tools against a node of a 3-node cluster over TCP: {@code redis-cli} sets and gets through a follower,
 * and {@code redis-benchmark} runs its SET and GET tests without an error. Needs Debian's redis-tools, which
 * {@code .ci/run} installs; without them the test is skipped and says why.
 */
class RedisToolsTest {

    private final List<ServedNode> nodes = new ArrayList<>();
    private int follower;

    @BeforeEach
    void startCluster() throws Exception {
        assumeThat(installed("redis-cli") && installed("redis-benchmark"))
                .as("redis-cli and redis-benchmark are installed (apt-get install redis-tools; .ci/run does)").isTrue();
        List<Integer> ports = TestSupport.startLoopbackCluster(nodes);
        follower = ports.get(0);
    }

    @AfterEach
    void closeNodes() {
        nodes.forEach(served -> served.node().close());
    }

    @Test
    void redisCliSetsAndGetsThroughAFollower() throws Exception {
        assertThat(run("redis-cli", "-p", String.valueOf(follower), "set", "k", "v")).isEqualTo("OK\n");
        assertThat(run("redis-cli", "-p", String.valueOf(follower), "get", "k")).isEqualTo("v\n");
        assertThat(run("redis-cli", "-p", String.valueOf(follower), "get", "missing")).isEqualTo("\n");
        assertThat(run("redis-cli", "-p", String.valueOf(follower), "ping")).isEqualTo("PONG\n");
    }

    @Test
    void redisBenchmarkRunsSetAndGetWithoutErrors() throws Exception {
        String output = run("redis-benchmark", "-p", String.valueOf(follower), "-t", "set,get", "-n", "100000", "-q");
        System.out.println(output.substring(Math.max(0, output.lastIndexOf('\r') + 1)));
        assertThat(output).containsPattern("SET: [0-9.]+ requests per second")
                .containsPattern("GET: [0-9.]+ requests per second")
                .doesNotContainIgnoringCase("error");
    }

    /** Runs a command to its end (at most two minutes) and returns its standard output and error. */
    private static String run(String... command) throws IOException, InterruptedException {
        Path output = Files.createTempFile("redis-tool", ".out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("%s finished", String.join(" ", command)).isTrue();
            String printed = Files.readString(output, StandardCharsets.UTF_8);
            assertThat(process.exitValue()).as("exit status of %s: %s", String.join(" ", command), printed).isZero();
            return printed;
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(output);
        }
    }

    private static boolean installed(String tool) {
        try {
            Process which = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
            return which.waitFor(10, TimeUnit.SECONDS) && which.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
