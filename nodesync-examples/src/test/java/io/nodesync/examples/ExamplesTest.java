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
        String output = captureStdout(() -> EmbeddedClusterExample.main(new String[0]));
        assertThat(output).contains("Optional[hello]").contains("new leader: ")
                .contains("quorum not reached").contains("Optional[saved locally]");
    }

    @Test
    void theDemoCompletesWithEveryCheckHeld() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = Demo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String output = bytes.toString(StandardCharsets.UTF_8);
        assertThat(output).contains("leader elected: 5002").contains("FAIL: quorum not reached")
                .contains("every check held").doesNotContain("CHECK FAILED");
        assertThat(status).isZero();
    }

    private interface Action {
        void run() throws Exception;
    }

    private static String captureStdout(Action action) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setOut(original);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
