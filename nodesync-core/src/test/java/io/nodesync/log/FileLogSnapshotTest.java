package io.nodesync.log;

import static io.nodesync.log.LogFixtures.NODE;
import static io.nodesync.log.LogFixtures.awaitSnapshot;
import static io.nodesync.log.LogFixtures.entries;
import static io.nodesync.log.LogFixtures.fileNames;
import static io.nodesync.log.LogFixtures.openFailure;
import static io.nodesync.log.LogFixtures.image;
import static io.nodesync.log.LogFixtures.readAll;
import static io.nodesync.log.LogFixtures.segmentFiles;
import static io.nodesync.log.LogFixtures.writing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nodesync.log.LogFixtures.CapturedStderr;
import io.nodesync.protocol.Entry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileLog}'s snapshots: written in the background, compaction of segments, installs, and their recovery. */
class FileLogSnapshotTest {

    private static final long SEGMENT_BYTES = 300;

    @TempDir
    Path tmp;

    private Path dir() {
        return tmp.resolve("node");
    }

    private FileLog open() {
        return FileLog.open(dir(), NODE, FileLog.Options.defaults().withSegmentBytes(SEGMENT_BYTES));
    }

    /** The first index held by each segment file, read from the file names. */
    private List<Long> segmentFirsts() throws IOException {
        List<Long> firsts = new ArrayList<>();
        for (Path segment : segmentFiles(dir())) {
            firsts.add(Segment.parseName(segment.getFileName().toString()));
        }
        return firsts;
    }

    @Test
    void compactionDeletesTheSegmentsASnapshotCoversAndSurvivesReopen() throws IOException {
        try (FileLog log = open()) {
            log.append(entries(1, 100, 1));
            log.sync();
            assertThat(segmentFirsts()).hasSizeGreaterThan(5).startsWith(1L);

            assertThat(log.takeSnapshot(70, 1, writing(image("seventy")))).isTrue();
            awaitSnapshot(log, 70);
            List<Long> firsts = segmentFirsts();
            assertThat(firsts.get(0)).isLessThanOrEqualTo(71); // the first segment left holds entry 71...
            assertThat(firsts.size() == 1 || firsts.get(1) > 71).isTrue(); // ...and no earlier segment is left
            assertThat(fileNames(dir(), ".snap")).containsExactly(FileSnapshot.fileName(70, 1, "snap"));

            log.takeSnapshot(90, 1, writing(image("ninety")));
            awaitSnapshot(log, 90);
            assertThat(fileNames(dir(), ".snap")).containsExactly(FileSnapshot.fileName(90, 1, "snap"));
            log.append(entries(101, 105, 2));
            log.sync();
        }

        try (FileLog log = open()) {
            assertThat(log.snapshot().index()).isEqualTo(90);
            assertThat(log.snapshot().term()).isEqualTo(1);
            assertThat(readAll(log.snapshot())).isEqualTo(image("ninety"));
            assertThat(log.firstIndex()).isEqualTo(91);
            assertThat(log.term(90)).isEqualTo(1);
            List<Entry> expected = new ArrayList<>(entries(91, 100, 1));
            expected.addAll(entries(101, 105, 2));
            assertThat(log.entries(91, 100, Long.MAX_VALUE)).isEqualTo(expected);
        }
    }

    @Test
    void aSnapshotOfEverythingDeletesEverySegmentAndTheLogContinuesAfterIt() throws IOException {
        try (FileLog log = open()) {
            log.append(entries(1, 40, 1));
            log.takeSnapshot(40, 1, writing(image("all")));
            awaitSnapshot(log, 40);
            assertThat(segmentFiles(dir())).isEmpty();

            log.append(entries(41, 42, 2));
            log.sync();
            assertThat(segmentFirsts()).containsExactly(41L);
        }
        try (FileLog log = open()) {
            assertThat(log.firstIndex()).isEqualTo(41);
            assertThat(log.entries(41, 10, Long.MAX_VALUE)).isEqualTo(entries(41, 42, 2));
        }
    }

    @Test
    void takingASnapshotIsRefusedWhileOneIsWrittenAndDoesNotBlockTheLog() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<String> writerThread = new AtomicReference<>();
        try (FileLog log = open()) {
            log.append(entries(1, 10, 1));
            assertThat(log.takeSnapshot(5, 1, out -> {
                writerThread.set(Thread.currentThread().getName());
                try {
                    if (!release.await(10, TimeUnit.SECONDS)) {
                        throw new IOException("never released");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
                out.write(image("five"));
            })).isTrue();

            assertThat(log.takeSnapshot(8, 1, writing(image("eight")))).isFalse();
            log.append(entries(11, 12, 1)); // the node loop goes on meanwhile
            log.sync();
            assertThat(log.snapshot()).isNull();

            release.countDown();
            awaitSnapshot(log, 5);
            assertThat(writerThread.get()).isEqualTo("nodesync-log-snapshot-" + NODE);
            assertThat(readAll(log.snapshot())).isEqualTo(image("five"));
            assertThat(log.lastIndex()).isEqualTo(12);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aFailedSnapshotSurfacesOnceOnTheLoopAndLeavesNothingBehind() throws IOException {
        try (FileLog log = open()) {
            log.append(entries(1, 10, 1));
            log.takeSnapshot(5, 1, out -> {
                out.write(image("half"));
                throw new IOException("disk full");
            });

            UncheckedIOException failure = awaitSyncFailure(log, UncheckedIOException.class);
            assertThat(failure).hasMessageContaining("index 5").hasMessageContaining("disk full");
            assertThat(log.snapshot()).isNull();
            assertThat(fileNames(dir(), ".tmp")).isEmpty();
            assertThat(fileNames(dir(), ".snap")).isEmpty();

            log.sync(); // thrown once, and the log is still usable
            log.takeSnapshot(6, 1, out -> {
                throw new IllegalStateException("state machine bug");
            });
            IllegalStateException bug = awaitSyncFailure(log, IllegalStateException.class);
            assertThat(bug).hasMessageContaining("index 6").hasRootCauseMessage("state machine bug");

            log.takeSnapshot(7, 1, writing(image("seven")));
            awaitSnapshot(log, 7);
            assertThat(log.firstIndex()).isEqualTo(8);
        }
    }

    private static <T extends RuntimeException> T awaitSyncFailure(FileLog log, Class<T> type) {
        AtomicReference<RuntimeException> thrown = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(10)).pollInSameThread().pollInterval(Duration.ofMillis(2)).until(() -> {
            try {
                log.sync();
                return false;
            } catch (RuntimeException e) {
                thrown.set(e);
                return true;
            }
        });
        assertThat(thrown.get()).isInstanceOf(type);
        return type.cast(thrown.get());
    }

    @Test
    void anInstalledSnapshotThatDisagreesReplacesAllSegmentsAndSurvivesReopen() throws IOException {
        try (FileLog log = open()) {
            log.append(entries(1, 30, 1));
            log.stageSnapshotChunk(20, 2, 0, image("leader's"));
            log.stageSnapshotChunk(20, 2, 8, image(" state"));
            assertThat(fileNames(dir(), ".staged")).hasSize(1);
            log.installStagedSnapshot(20, 2);
            assertThat(segmentFiles(dir())).isEmpty();
            assertThat(fileNames(dir(), ".staged")).isEmpty();

            log.append(entries(21, 22, 2));
            log.sync();
            assertThat(segmentFirsts()).containsExactly(21L);
        }
        try (FileLog log = open()) {
            assertThat(readAll(log.snapshot())).isEqualTo(image("leader's state"));
            assertThat(log.term(20)).isEqualTo(2);
            assertThat(log.entries(21, 10, Long.MAX_VALUE)).isEqualTo(entries(21, 22, 2));
        }
    }

    @Test
    void anInstalledSnapshotThatAgreesKeepsTheLaterEntriesAcrossReopen() throws IOException {
        try (FileLog log = open()) {
            log.append(entries(1, 30, 1));
            log.stageSnapshotChunk(20, 1, 0, image("twenty"));
            log.installStagedSnapshot(20, 1);
            log.sync();
        }
        try (FileLog log = open()) {
            assertThat(log.firstIndex()).isEqualTo(21);
            assertThat(log.entries(21, 100, Long.MAX_VALUE)).isEqualTo(entries(21, 30, 1));
            assertThat(readAll(log.snapshot())).isEqualTo(image("twenty"));
        }
    }

    @Test
    void segmentsLeftBehindByAnInterruptedInstallAreDiscarded() throws IOException {
        Path aside = tmp.resolve("aside");
        Files.createDirectory(aside);
        try (FileLog log = open()) {
            log.append(entries(1, 30, 1));
            log.sync();
            for (Path segment : segmentFiles(dir())) {
                Files.copy(segment, aside.resolve(segment.getFileName()));
            }
            log.stageSnapshotChunk(20, 2, 0, image("other history"));
            log.installStagedSnapshot(20, 2);
        }
        try (var old = Files.list(aside)) { // as if the crash came before the deletions reached the disk
            for (Path segment : old.toList()) {
                Files.copy(segment, dir().resolve(segment.getFileName()));
            }
        }

        try (CapturedStderr stderr = new CapturedStderr(); FileLog log = open()) {
            assertThat(log.firstIndex()).isEqualTo(21);
            assertThat(log.lastIndex()).isEqualTo(20);
            assertThat(log.term(20)).isEqualTo(2);
            assertThat(stderr.text()).contains("WARN").contains("disagree with the snapshot at index 20");
        }
        assertThat(segmentFiles(dir())).isEmpty();
    }

    @Test
    void aDamagedSnapshotFallsBackWhenTheLogStillHoldsItsEntries() throws IOException {
        try (FileLog log = FileLog.open(dir(), NODE, FileLog.Options.defaults())) { // one segment: nothing deleted
            log.append(entries(1, 50, 1));
            log.takeSnapshot(20, 1, writing(image("twenty")));
            awaitSnapshot(log, 20);
        }
        Path snapshot = dir().resolve(FileSnapshot.fileName(20, 1, "snap"));
        flipByte(snapshot, FileSnapshot.HEADER_BYTES + 2);

        try (CapturedStderr stderr = new CapturedStderr();
                FileLog log = FileLog.open(dir(), NODE, FileLog.Options.defaults())) {
            assertThat(log.snapshot()).isNull();
            assertThat(log.entries(1, 100, Long.MAX_VALUE)).isEqualTo(entries(1, 50, 1));
            assertThat(stderr.text()).contains("WARN").contains(snapshot.getFileName().toString());
        }
        assertThat(snapshot).doesNotExist();
        assertThat(fileNames(dir(), ".corrupt")).containsExactly(snapshot.getFileName() + ".corrupt");
    }

    @Test
    void aDamagedSnapshotWhoseEntriesAreGoneIsCorruption() throws IOException {
        try (FileLog log = open()) {
            log.append(entries(1, 50, 1));
            log.takeSnapshot(40, 1, writing(image("forty")));
            awaitSnapshot(log, 40);
        }
        Path snapshot = dir().resolve(FileSnapshot.fileName(40, 1, "snap"));
        long size = Files.size(snapshot);
        flipByte(snapshot, FileSnapshot.HEADER_BYTES + 1);

        LogCorruptedException e = openFailure(LogCorruptedException.class, this::open);
        assertThat(e.file()).isEqualTo(snapshot);
        assertThat(e.offset()).isEqualTo(size - FileSnapshot.TRAILER_BYTES);
        assertThat(e).hasMessageContaining("checksum").hasMessageContaining("no older snapshot");
    }

    @Test
    void aSupersededSnapshotStaysReadableForATransferInFlight() {
        try (FileLog log = open()) {
            log.append(entries(1, 30, 1));
            log.takeSnapshot(10, 1, writing(image("ten")));
            awaitSnapshot(log, 10);
            Snapshot ten = log.snapshot();
            log.takeSnapshot(20, 1, writing(image("twenty")));
            awaitSnapshot(log, 20);

            assertThat(ten.read(0, 100)).isEqualTo(image("ten"));
            Snapshot twenty = log.snapshot();
            log.takeSnapshot(30, 1, writing(image("thirty")));
            awaitSnapshot(log, 30);
            assertThat(twenty.read(0, 100)).isEqualTo(image("twenty"));
            assertThatThrownBy(() -> ten.read(0, 100)).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("superseded");
        }
    }

    private static void flipByte(Path file, long at) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[(int) at] ^= 0x20;
        Files.write(file, bytes);
    }
}
