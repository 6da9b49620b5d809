package io.nodesync.log;

import static io.nodesync.log.LogFixtures.NODE;
import static io.nodesync.log.LogFixtures.entries;
import static io.nodesync.log.LogFixtures.eventualPut;
import static io.nodesync.log.LogFixtures.fileNames;
import static io.nodesync.log.LogFixtures.openFailure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Entry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link FileLog}: what survives a restart, the data directory, the lock, the fsync policies, closing. */
class FileLogTest {

    @TempDir
    Path tmp;

    private Path dir() {
        return tmp.resolve("node");
    }

    private FileLog open() {
        return open(FileLog.Options.defaults());
    }

    private FileLog open(FileLog.Options options) {
        return FileLog.open(dir(), NODE, options);
    }

    @Test
    void everythingSurvivesCloseAndReopen() {
        ClientCommand a = eventualPut(1, 1, "a", "1");
        ClientCommand b = eventualPut(1, 2, "b", "2");
        ClientCommand c = eventualPut(1, 3, "c", "3");
        List<Entry> written = new ArrayList<>(entries(1, 30, 1));
        written.addAll(entries(31, 40, 2));
        long bytes;
        try (FileLog log = open()) {
            assertThat(log.isNew()).isTrue();
            log.append(written.subList(0, 30));
            log.sync();
            log.append(written.subList(30, 40));
            log.saveTermAndVote(2, NodeId.of("n2"));
            log.saveRejoinTerm(2);
            log.savePendingWrite(a);
            log.savePendingWrite(b);
            log.savePendingWrite(c);
            log.settlePendingWrite(b);
            log.sync();
            bytes = log.entryBytes();
        }

        try (FileLog log = open()) {
            assertThat(log.isNew()).isFalse();
            assertThat(log.firstIndex()).isEqualTo(1);
            assertThat(log.lastIndex()).isEqualTo(40);
            assertThat(log.entries(1, 100, Long.MAX_VALUE)).isEqualTo(written);
            assertThat(log.entryBytes()).isEqualTo(bytes);
            assertThat(log.termAndVote()).isEqualTo(new Log.TermAndVote(2, NodeId.of("n2")));
            assertThat(log.rejoinTerm()).isEqualTo(2);
            assertThat(log.pendingWrites()).containsExactly(a, c);
            assertThat(log.snapshot()).isNull();

            log.append(entries(41, 41, 3)); // and it goes on where it stopped
            log.sync();
        }
        try (FileLog log = open()) {
            assertThat(log.lastIndex()).isEqualTo(41);
            assertThat(log.lastTerm()).isEqualTo(3);
        }
    }

    @Test
    void closeWritesWhatWasBufferedSinceTheLastSync() {
        try (FileLog log = open()) {
            log.append(entries(1, 3, 1));
            log.saveTermAndVote(4, null);
        }
        try (FileLog log = open()) {
            assertThat(log.lastIndex()).isEqualTo(3);
            assertThat(log.termAndVote().term()).isEqualTo(4);
        }
    }

    @ParameterizedTest
    @EnumSource(FsyncPolicy.class)
    void everyFsyncPolicyRoundTrips(FsyncPolicy policy) {
        FileLog.Options options = FileLog.Options.defaults().withFsyncPolicy(policy).withSegmentBytes(500)
                .withBatchInterval(Duration.ofMillis(2));
        NodeId node = NodeId.of("policy-" + policy.name().toLowerCase(java.util.Locale.ROOT));
        try (FileLog log = FileLog.open(dir(), node, options)) {
            assertThat(flusherRunning(node)).isEqualTo(policy == FsyncPolicy.BATCH);
            // Only a sync that forces makes it worth sending a leader's appends ahead of it.
            assertThat(log.syncWaitsForDevice()).isEqualTo(policy == FsyncPolicy.ALWAYS);
            assertThat(new InMemoryLog().syncWaitsForDevice()).isFalse();
            for (long i = 1; i <= 100; i += 10) {
                log.append(entries(i, i + 9, 1));
                log.savePendingWrite(eventualPut(1, i, "k" + i, "v"));
                log.saveTermAndVote(i, node);
                log.sync();
            }
            log.truncateFrom(95);
            log.sync();
        }
        assertThat(flusherRunning(node)).isFalse();

        try (FileLog log = FileLog.open(dir(), node, options)) {
            assertThat(log.entries(1, 1000, Long.MAX_VALUE)).isEqualTo(entries(1, 94, 1));
            assertThat(log.pendingWrites()).hasSize(10);
            assertThat(log.termAndVote()).isEqualTo(new Log.TermAndVote(91, node));
        }
    }

    private static boolean flusherRunning(NodeId node) {
        return flusher(node) != null;
    }

    private static Thread flusher(NodeId node) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("nodesync-log-flusher-" + node) && t.isAlive()).findFirst()
                .orElse(null);
    }

    @Test
    void theBatchFlusherForcesEachWriteWithinTheIntervalAndThenIdles() {
        NodeId node = NodeId.of("batch-idle");
        FileLog.Options options = FileLog.Options.defaults().withFsyncPolicy(FsyncPolicy.BATCH)
                .withBatchInterval(Duration.ofMillis(5));
        try (FileLog log = FileLog.open(dir(), node, options)) {
            Thread flusher = flusher(node);
            assertThat(flusher).isNotNull();
            log.append(entries(1, 10, 1));
            log.sync();

            await().atMost(Duration.ofSeconds(5)).until(() -> log.backgroundForceRounds() == 1);
            // With nothing left to force it waits without a deadline: no polling, no further rounds.
            await().atMost(Duration.ofSeconds(5)).until(() -> flusher.getState() == Thread.State.WAITING);
            assertThat(log.backgroundForceRounds()).isEqualTo(1);
        }
    }

    @Test
    void theBatchFlusherForcesAtMostOncePerInterval() {
        FileLog.Options options = FileLog.Options.defaults().withFsyncPolicy(FsyncPolicy.BATCH)
                .withBatchInterval(Duration.ofMillis(50));
        try (FileLog log = open(options)) {
            long start = System.nanoTime();
            for (long i = 1; i <= 2_000; i++) {
                log.append(entries(i, i, 1));
                log.sync();
            }
            long intervals = (System.nanoTime() - start) / Duration.ofMillis(50).toNanos();

            assertThat(log.backgroundForceRounds()).isLessThanOrEqualTo(intervals + 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> log.backgroundForceRounds() >= 1);
        }
    }

    @Test
    void pendingWritesAreCompactedOnceSettledOnesDominate() throws IOException {
        List<ClientCommand> unsettled = new ArrayList<>();
        try (FileLog log = open()) {
            for (int i = 0; i < 5_000; i++) {
                ClientCommand command = eventualPut(3, i, "key" + i, "value" + i);
                log.savePendingWrite(command);
                if (i % 1000 == 7) {
                    unsettled.add(command);
                } else {
                    log.settlePendingWrite(command);
                }
                if (i % 50 == 0) {
                    log.sync();
                }
            }
            log.sync();
        }
        long uncompacted = 10_000L * 40; // 10,000 records of at least 40 bytes
        assertThat(Files.size(dir().resolve(FileLog.PENDING_FILE))).isLessThan(uncompacted / 4);

        try (FileLog log = open()) {
            assertThat(log.pendingWrites()).isEqualTo(unsettled);
        }
    }

    @Test
    void theRejoinTermAloneIsDurable() {
        try (FileLog log = open()) {
            log.saveTermAndVote(3, NODE);
            log.saveRejoinTerm(Log.NOT_REJOINING);
            log.sync();
            log.saveRejoinTerm(Log.REJOIN_TERM_UNKNOWN);
            log.sync();
        }
        try (FileLog log = open()) {
            assertThat(log.rejoinTerm()).isEqualTo(Log.REJOIN_TERM_UNKNOWN);
            assertThat(log.termAndVote()).isEqualTo(new Log.TermAndVote(3, NODE));
        }
    }

    @Test
    void aNewDirectoryMarksItsNodeAsRejoiningUntilTheCoreSaysOtherwise() {
        // An empty directory cannot tell a new cluster from a lost disk: the node must ask its peers first.
        try (FileLog log = open()) {
            assertThat(log.isNew()).isTrue();
            assertThat(log.rejoinTerm()).isEqualTo(Log.REJOIN_TERM_UNKNOWN);
            log.saveRejoinTerm(Log.NOT_REJOINING);
            log.sync();
        }
        try (FileLog log = open()) {
            assertThat(log.rejoinTerm()).isEqualTo(Log.NOT_REJOINING);
        }
    }

    @Test
    void aRepeatedTermAndVoteIsNotWrittenAgain() throws IOException {
        try (FileLog log = open()) {
            log.saveTermAndVote(3, NODE);
            log.sync();
            Path state = dir().resolve(FileLog.STATE_FILE);
            Files.setLastModifiedTime(state, java.nio.file.attribute.FileTime.fromMillis(0));
            log.saveTermAndVote(3, NODE);
            log.sync();
            assertThat(Files.getLastModifiedTime(state).toMillis()).isZero();
        }
    }

    // ------------------------------------------------------------------------------------------ the directory

    @Test
    void anEmptyDirectoryBecomesANewLog() throws IOException {
        Files.createDirectory(dir());
        try (FileLog log = open()) {
            assertThat(log.isNew()).isTrue();
            assertThat(log.directory()).isEqualTo(dir().toAbsolutePath().normalize());
            assertThat(dir().resolve(FileLog.META_FILE)).isRegularFile();
            assertThat(dir().resolve(FileLog.LOCK_FILE)).isRegularFile();
        }
        try (FileLog log = open()) {
            assertThat(log.isNew()).isFalse();
            assertThat(log.lastIndex()).isZero();
        }
    }

    @Test
    void aMissingDirectoryIsCreatedWhenItsParentExists() {
        try (FileLog log = open()) {
            assertThat(log.isNew()).isTrue();
        }
        assertThat(dir()).isDirectory();
    }

    @Test
    void aMissingParentIsAClearError() {
        Path deep = tmp.resolve("no-such-parent").resolve("node");

        assertThat(openFailure(() -> FileLog.open(deep, NODE, FileLog.Options.defaults())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(deep.toString())
                .hasMessageContaining("does not exist");
        assertThat(deep.getParent()).doesNotExist();
    }

    @Test
    void aPathThatIsAFileIsAClearError() throws IOException {
        Files.writeString(dir(), "not a directory");

        assertThat(openFailure(this::open)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(dir().toString()).hasMessageContaining("is not a directory");
    }

    @Test
    void anotherNodesDirectoryIsRefused() {
        open().close();

        assertThat(openFailure(() -> FileLog.open(dir(), NodeId.of("n2"), FileLog.Options.defaults())))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(dir().toString())
                .hasMessageContaining("belongs to node n1, not to n2");
        try (FileLog log = open()) {
            assertThat(log.isNew()).isFalse(); // the refused open left the lock and the files alone
        }
    }

    @Test
    void logFilesWithoutMetaAreRefused() throws IOException {
        open().close();
        try (FileLog log = open()) {
            log.append(entries(1, 2, 1));
        }
        Files.delete(dir().resolve(FileLog.META_FILE));

        assertThat(openFailure(this::open)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no meta file");
    }

    @Test
    void aDirectoryOpenInThisProcessIsRefusedUntilClosed() {
        try (FileLog first = open()) {
            assertThat(openFailure(this::open)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(dir().toString()).hasMessageContaining("already open");
            first.append(entries(1, 1, 1));
        }
        try (FileLog again = open()) {
            assertThat(again.lastIndex()).isEqualTo(1);
        }
    }

    @Test
    void aDirectoryOpenInAnotherProcessIsRefused() throws Exception {
        open().close();
        Process holder = startChild("hold");
        try {
            assertThat(firstLine(holder)).isEqualTo("open");

            assertThat(openFailure(this::open)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(dir().toString()).hasMessageContaining("locked by another process");
        } finally {
            holder.getOutputStream().close(); // the holder closes its log and exits at end of input
            stop(holder);
        }
        assertThat(holder.exitValue()).isZero();
        open().close();
    }

    @Test
    void aRefusedSecondOpenInThisProcessKeepsTheLockAgainstOthers() throws Exception {
        try (FileLog log = open()) {
            assertThat(openFailure(this::open)).isInstanceOf(IllegalStateException.class);

            // Closing a second channel on the lock file would have released this process's lock.
            Process other = startChild("try");
            try {
                assertThat(firstLine(other)).isEqualTo("refused: locked by another process");
            } finally {
                stop(other);
            }
            log.append(entries(1, 1, 1));
        }
    }

    private Process startChild(String mode) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ChildProcess.class.getName(),
                mode, dir().toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static String firstLine(Process process) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        return CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(30, TimeUnit.SECONDS);
    }

    private static void stop(Process process) throws InterruptedException {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Another process: {@code hold} keeps the log open until its standard input ends; {@code try} reports whether
     * it could open the log.
     */
    static final class ChildProcess {
        public static void main(String[] args) throws IOException {
            Path dir = Path.of(args[1]);
            FileLog log;
            try {
                log = FileLog.open(dir, NODE, FileLog.Options.defaults());
            } catch (IllegalStateException e) {
                System.out.println(e.getMessage().contains("locked by another process")
                        ? "refused: locked by another process" : "refused: " + e.getMessage());
                return;
            }
            try {
                System.out.println(args[0].equals("try") ? "opened" : "open");
                System.out.flush();
                while (args[0].equals("hold") && System.in.read() >= 0) {
                    // wait for the end of input
                }
            } finally {
                log.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------ closing

    @Test
    void closeIsIdempotentAndTheLogRefusesWritesAfterIt() {
        FileLog log = open();
        try {
            log.append(entries(1, 1, 1));
        } finally {
            log.close();
        }
        log.close();

        assertThatThrownBy(() -> log.append(entries(2, 2, 1))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(log::sync).isInstanceOf(IllegalStateException.class);
        assertThat(log.lastIndex()).isEqualTo(1); // reads of what it held still answer
    }

    @Test
    void closeStopsTheSnapshotThread() throws IOException {
        NodeId node = NodeId.of("closing-node");
        try (FileLog log = FileLog.open(dir(), node, FileLog.Options.defaults())) {
            log.append(entries(1, 3, 1));
            log.takeSnapshot(3, 1, LogFixtures.writing(LogFixtures.image("s")));
            LogFixtures.awaitSnapshot(log, 3);
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(
                t -> t.getName().equals("nodesync-log-snapshot-" + node) && t.isAlive());
        assertThat(fileNames(dir(), ".tmp")).isEmpty();
    }

    @Test
    void optionsAreChecked() {
        FileLog.Options defaults = FileLog.Options.defaults();
        assertThat(defaults.fsyncPolicy()).isEqualTo(FsyncPolicy.ALWAYS);
        assertThat(defaults.segmentBytes()).isEqualTo(64L * 1024 * 1024);
        assertThat(defaults.batchInterval()).isEqualTo(Duration.ofMillis(10));
        assertThatThrownBy(() -> defaults.withSegmentBytes(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> defaults.withBatchInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> defaults.withFsyncPolicy(null)).isInstanceOf(NullPointerException.class);
    }
}
