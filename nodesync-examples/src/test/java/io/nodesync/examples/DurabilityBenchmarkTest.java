package io.nodesync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The durability benchmark runs every part with tiny parameters and reports each; its speeds are not checked. */
class DurabilityBenchmarkTest {

    @TempDir
    Path directory;

    @Test
    void runsEveryPartAndReportsARowEachThenLeavesNothingBehind() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();

        int status = DurabilityBenchmark.run(new String[] {"--seconds", "0.5", "--warmup", "0.2",
            "--logs", "memory,always", "--clients", "1,4", "--fsync-samples", "20", "--recovery-bytes", "2m",
            "--snapshot-keys", "10000", "--dir", directory.toString()},
                new PrintStream(bytes, true, StandardCharsets.UTF_8),
                new PrintStream(errors, true, StandardCharsets.UTF_8));

        String output = bytes.toString(StandardCharsets.UTF_8);
        assertThat(status).as(output + errors).isZero();
        assertThat(output.lines().filter(line -> line.matches("(memory|always) +[14] +[1-9]\\d* .*"))).hasSize(4);
        assertThat(output).containsPattern("Raw fsync.*\\n+p50 [\\d.]+ ms, p99 [\\d.]+ ms");
        assertThat(output).containsPattern("FileLog.open.*: [\\d,]+ ms")
                .containsPattern("replay .*: [\\d,]+ ms").containsPattern("all [\\d,]+ entries applied [\\d,]+ ms");
        assertThat(output).containsPattern("node loop blocked .*: [\\d., ]+ ms")
                .containsPattern("background write .*: [\\d,]+ ms");
        try (Stream<Path> left = Files.list(directory)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void refusesAnUnknownLogWithUsage() throws Exception {
        ByteArrayOutputStream errors = new ByteArrayOutputStream();

        int status = DurabilityBenchmark.run(new String[] {"--logs", "memory,sometimes"}, System.out,
                new PrintStream(errors, true, StandardCharsets.UTF_8));

        assertThat(status).isEqualTo(2);
        assertThat(errors.toString(StandardCharsets.UTF_8)).contains("unknown 'sometimes'").contains("Usage:");
    }
}
