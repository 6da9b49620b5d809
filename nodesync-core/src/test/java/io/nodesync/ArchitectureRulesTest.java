package io.nodesync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the pure core pure: the packages that decide what happens (consensus, election, store, protocol) must not
 * use threads, sleeps, locks, system time or I/O (files, channels, sockets; byte streams that only encode are
 * allowed), and must not reach into the runtime. Only {@code runtime} and the
 * transports may. This is what lets the same core run in the deterministic simulator.
 */
class ArchitectureRulesTest {

    private static final Path SOURCES = Path.of("src/main/java/io/nodesync");
    private static final List<String> PURE_PACKAGES = List.of("consensus", "election", "store", "protocol");

    private static final List<Pattern> FORBIDDEN = List.of(
            Pattern.compile("\\bThread\\b"),
            Pattern.compile("\\bsleep\\s*\\("),
            Pattern.compile("\\bsynchronized\\b"),
            Pattern.compile("\\bjava\\.util\\.concurrent\\b"),
            Pattern.compile("\\b\\w*Lock\\b"),
            Pattern.compile("\\bwait\\s*\\(\\s*\\)"),
            Pattern.compile("\\bExecutor\\w*\\b"),
            Pattern.compile("System\\s*\\.\\s*(currentTimeMillis|nanoTime)"),
            Pattern.compile("\\b(Instant|LocalDateTime|LocalDate|ZonedDateTime|OffsetDateTime)\\s*\\.\\s*now\\b"),
            Pattern.compile("\\bjava\\.time\\.Clock\\b"),
            // Byte streams, buffers and charsets only encode (a snapshot image is written through an OutputStream
            // the log hands in); files, channels and sockets are I/O and stay out.
            Pattern.compile("\\bjava\\.nio\\.(file|channels)\\b"),
            Pattern.compile("\\bjava\\.net\\b"),
            Pattern.compile("\\bjava\\.io\\.(File\\w*|RandomAccessFile|Console)\\b"),
            Pattern.compile("\\b(Files|Paths|FileChannel|RandomAccessFile|File(Input|Output)Stream|Socket\\w*)\\b"),
            Pattern.compile("\\bio\\.nodesync\\.(runtime|transport)\\b"),
            Pattern.compile("\\bThreadLocalRandom\\b"),
            Pattern.compile("\\bnew\\s+Random\\s*\\(\\s*\\)"));

    @Test
    void pureCorePackagesUseNoThreadsLocksClocksOrIo() throws IOException {
        assertThat(SOURCES).as("run from the nodesync-core module directory").isDirectory();
        List<String> violations = new ArrayList<>();
        for (String pkg : PURE_PACKAGES) {
            Path dir = SOURCES.resolve(pkg);
            assertThat(dir).isDirectory();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    String code = stripCommentsAndStrings(Files.readString(file));
                    String[] lines = code.split("\n", -1);
                    for (int i = 0; i < lines.length; i++) {
                        for (Pattern pattern : FORBIDDEN) {
                            Matcher matcher = pattern.matcher(lines[i]);
                            if (matcher.find()) {
                                violations.add(file + ":" + (i + 1) + " uses '" + matcher.group() + "'");
                            }
                        }
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void theScannerCatchesWhatItLooksFor() {
        // The rule above only means something if the patterns match real offending code.
        String offending = "long t = System.currentTimeMillis(); Thread.sleep(5); synchronized (x) {}";
        long matches = FORBIDDEN.stream().filter(p -> p.matcher(offending).find()).count();
        assertThat(matches).isGreaterThanOrEqualTo(3);
        String fileIo = "Files.write(path, bytes); new java.net.Socket(); java.nio.channels.FileChannel c;";
        assertThat(FORBIDDEN.stream().filter(p -> p.matcher(fileIo).find()).count()).isGreaterThanOrEqualTo(3);
        assertThat(stripCommentsAndStrings("int a; // Thread.sleep\n/* System.nanoTime */ String s = \"Thread\";"))
                .doesNotContain("Thread").doesNotContain("nanoTime");
    }

    /** Blanks out comments and string/char literals, keeping line breaks so line numbers stay right. */
    static String stripCommentsAndStrings(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (c == '/' && i + 1 < source.length() && source.charAt(i + 1) == '/') {
                while (i < source.length() && source.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < source.length() && source.charAt(i + 1) == '*') {
                i += 2;
                while (i + 1 < source.length() && !(source.charAt(i) == '*' && source.charAt(i + 1) == '/')) {
                    if (source.charAt(i) == '\n') {
                        out.append('\n');
                    }
                    i++;
                }
                i += 2;
            } else if (c == '"' || c == '\'') {
                char quote = c;
                i++;
                while (i < source.length() && source.charAt(i) != quote) {
                    if (source.charAt(i) == '\\') {
                        i++;
                    }
                    i++;
                }
                i++;
                out.append(quote).append(quote);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
