package io.nodesync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's example and the demo are real programs: this runs them and checks what they print. */
class ExamplesTest {

    private static final Path README = Path.of("../README.md");
    private static final Path EXAMPLE = Path.of("src/main/java/io/nodesync/examples/EmbeddedClusterExample.java");

    @Test
    void theReadmeShowsExactlyTheEmbeddingExampleThatThisTestRuns() throws Exception {
        String example = Files.readString(EXAMPLE);
        String snippet = example.substring(example.indexOf("// readme:start") + "// readme:start".length(),
                example.indexOf("        // readme:end"));
        String readme = Files.readString(README);
        // The README holds the snippet un-indented by the 8 spaces it has inside main().
        String unindented = snippet.strip().lines().map(line -> line.startsWith("        ") ? line.substring(8) : line)
                .reduce((a, b) -> a + "\n" + b).orElseThrow();
        assertThat(readme).contains(unindented);
    }

    @Test
    void theEmbeddingExampleRunsAndPrintsWhatItPromises() throws Exception {
        String output = TestSupport.captureStdout(() -> EmbeddedClusterExample.main(new String[0]));
        assertThat(output).contains("Optional[hello]").contains("new leader: ")
                .contains("quorum not reached").contains("Optional[saved locally]");
    }

    @Test
    void theDemoCompletesWithEveryCheckHeld() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = Demo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String output = bytes.toString(StandardCharsets.UTF_8);
        assertThat(output).contains("leader elected: ").contains("FAIL: quorum not reached")
                .contains("every check held").doesNotContain("CHECK FAILED");
        assertThat(status).isZero();
    }

    @Test
    void simulateReportsEveryScenarioAndSucceedsOnACorrectCluster() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = Simulate.run(new String[] {"--seeds", "3", "--nodes", "5"},
                new PrintStream(bytes, true, StandardCharsets.UTF_8), System.err);
        String output = bytes.toString(StandardCharsets.UTF_8);
        assertThat(output).contains("linearizable    yes, every run").contains("violations      0 run(s)")
                .contains("lost writes     0");
        assertThat(output.lines().filter(line -> line.matches("^[123] .*"))).hasSize(3);
        assertThat(status).isZero();
    }

    @Test
    void simulateFailsAndPrintsTheReplayCommandWhenABugIsPlanted() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = Simulate.run(new String[] {"--seed", "3", "--consistency", "strong", "--bug",
            "read_without_read_index"}, new PrintStream(bytes, true, StandardCharsets.UTF_8), System.err);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("not linearizable: key")
                .contains("replay: ./nodesync simulate --seed 3");
        assertThat(status).isEqualTo(1);
    }

    @Test
    void simulateRefusesBadArguments() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Simulate.run(new String[] {"--nodes", "zero"}, System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--nodes needs a whole number");
        assertThat(status).isEqualTo(2);
    }
}
