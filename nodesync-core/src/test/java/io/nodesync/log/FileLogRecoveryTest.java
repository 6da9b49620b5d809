package io.nodesync.log;

import static io.nodesync.log.LogFixtures.NODE;
import static io.nodesync.log.LogFixtures.entries;
import static io.nodesync.log.LogFixtures.eventualPut;
import static io.nodesync.log.LogFixtures.fileNames;
import static io.nodesync.log.LogFixtures.openFailure;
import static io.nodesync.log.LogFixtures.recordStarts;
import static io.nodesync.log.LogFixtures.segmentFiles;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.log.LogFixtures.CapturedStderr;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Command;
import io.nodesync.protocol.Entry;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery of {@link FileLog}: a torn final write is cut off with a warning and the log goes on; damage anywhere else
 * stops the open with a {@link LogCorruptedException} naming the file and offset.
 */
class FileLogRecoveryTest {

    @TempDir
    Path tmp;

    private Path dir() {
        return tmp.resolve("node");
    }

    private FileLog open() {
        return FileLog.open(dir(), NODE, FileLog.Options.defaults());
    }

    private FileLog openWithSegments(long bytes) {
        return FileLog.open(dir(), NODE, FileLog.Options.defaults().withSegmentBytes(bytes));
    }

    /** A log of five entries in one segment; returns the segment. */
    private Path fiveEntries() throws IOException {
        try (FileLog log = open()) {
            log.append(entries(1, 5, 1));
            log.sync();
        }
        return segmentFiles(dir()).get(0);
    }

    // ------------------------------------------------------------------------------------------ torn tails

    @Test
    void aTornLastRecordIsCutOffAtEveryByteOffset() throws IOException {
        Path segment = fiveEntries();
        byte[] full = Files.readAllBytes(segment);
        int lastStart = recordStarts(full).get(4);

        for (int cut = lastStart + 1; cut < full.length; cut++) {
            Files.write(segment, Arrays.copyOf(full, cut));
            try (CapturedStderr stderr = new CapturedStderr(); FileLog log = open()) {
                assertThat(log.entries(1, 100, Long.MAX_VALUE)).as("cut at %d", cut).isEqualTo(entries(1, 4, 1));
                assertThat(stderr.text()).contains("WARN").contains(segment.getFileName().toString())
                        .contains("byte offset " + lastStart);
                assertThat(Files.size(segment)).isEqualTo(lastStart);

                log.append(List.of(new Entry(5, 2, Command.Noop.INSTANCE)));
                log.append(entries(6, 6, 2));
                log.sync();
            }
            try (FileLog log = open()) {
                assertThat(log.lastIndex()).isEqualTo(6);
                assertThat(log.entries(1, 100, Long.MAX_VALUE)).startsWith(entries(1, 4, 1).toArray(Entry[]::new))
                        .endsWith(new Entry(5, 2, Command.Noop.INSTANCE), entries(6, 6, 2).get(0));
            }
        }
    }

    @Test
    void aCutAtARecordBoundaryNeedsNoRepair() throws IOException {
        Path segment = fiveEntries();
        byte[] full = Files.readAllBytes(segment);
        Files.write(segment, Arrays.copyOf(full, recordStarts(full).get(4)));

        try (CapturedStderr stderr = new CapturedStderr(); FileLog log = open()) {
            assertThat(log.lastIndex()).isEqualTo(4);
            assertThat(stderr.text()).doesNotContain("WARN");
        }
    }

    @Test
    void damageAnywhereInTheLastRecordIsATornTail() throws IOException {
        Path segment = fiveEntries();
        byte[] full = Files.readAllBytes(segment);
        int lastStart = recordStarts(full).get(4);

        for (int at = lastStart; at < full.length; at++) {
            byte[] damaged = full.clone();
            damaged[at] ^= 0x10;
            Files.write(segment, damaged);
            try (CapturedStderr stderr = new CapturedStderr(); FileLog log = open()) {
                assertThat(log.lastIndex()).as("byte %d flipped", at).isEqualTo(4);
                assertThat(stderr.text()).contains("byte offset " + lastStart);
            }
        }
    }

    @Test
    void aZeroFilledTailIsCutOff() throws IOException {
        Path segment = fiveEntries();
        byte[] full = Files.readAllBytes(segment);

        Files.write(segment, Arrays.copyOf(full, full.length + 4096)); // space allocated, never written
        try (CapturedStderr stderr = new CapturedStderr(); FileLog log = open()) {
            assertThat(log.lastIndex()).isEqualTo(5);
            assertThat(stderr.text()).contains("zero-filled tail").contains("byte offset " + full.length);
        }
        assertThat(Files.size(segment)).isEqualTo(full.length);

        int lastStart = recordStarts(full).get(4);
        byte[] zeroedLast = full.clone();
        Arrays.fill(zeroedLast, lastStart, full.length, (byte) 0);
        Files.write(segment, zeroedLast);
        try (FileLog log = open()) {
            assertThat(log.lastIndex()).isEqualTo(4);
        }
    }

    // ------------------------------------------------------------------------------------------ corruption

    @Test
    void aFlippedBitInAnyEarlierRecordIsCorruption() throws IOException {
        Path segment = fiveEntries();
        byte[] full = Files.readAllBytes(segment);
        List<Integer> starts = recordStarts(full);

        for (int record = 0; record < 4; record++) {
            int start = starts.get(record);
            for (int at = start; at < starts.get(record + 1); at++) {
                for (int mask : new int[] {0x01, 0x80}) {
                    byte[] damaged = full.clone();
                    damaged[at] ^= (byte) mask;
                    Files.write(segment, damaged);

                    LogCorruptedException e = openFailure(LogCorruptedException.class, this::open);
                    assertThat(e).as("bit %x of byte %d (record at %d)", mask, at, start).isNotNull();
                    assertThat(e.file()).isEqualTo(segment);
                    assertThat(e.offset()).isEqualTo(start);
                    assertThat(e).hasMessageContaining(segment.toString()).hasMessageContaining("byte offset " + start);
                }
            }
        }
        Files.write(segment, full);
        try (FileLog log = open()) {
            assertThat(log.lastIndex()).isEqualTo(5); // the refused opens changed nothing
        }
    }

    @Test
    void aTornTailInASegmentBeforeTheLastIsCorruption() throws IOException {
        try (FileLog log = openWithSegments(200)) {
            log.append(entries(1, 30, 1));
            log.sync();
        }
        List<Path> segments = segmentFiles(dir());
        assertThat(segments).hasSizeGreaterThan(2);
        Path first = segments.get(0);
        byte[] bytes = Files.readAllBytes(first);
        List<Integer> starts = recordStarts(bytes);
        Files.write(first, Arrays.copyOf(bytes, bytes.length - 1));

        LogCorruptedException e = openFailure(LogCorruptedException.class, () -> openWithSegments(200));
        assertThat(e.file()).isEqualTo(first);
        assertThat(e.offset()).isEqualTo(starts.get(starts.size() - 1).longValue());
    }

    @Test
    void aMissingSegmentIsCorruption() throws IOException {
        try (FileLog log = openWithSegments(200)) {
            log.append(entries(1, 30, 1));
            log.sync();
        }
        List<Path> segments = segmentFiles(dir());
        Files.delete(segments.get(1));

        LogCorruptedException e = openFailure(LogCorruptedException.class, () -> openWithSegments(200));
        assertThat(e.file()).isEqualTo(segments.get(2));
        assertThat(e.offset()).isZero();
        assertThat(e).hasMessageContaining("previous one ends at index");
    }

    @Test
    void aGapInTheIndexesIsCorruption() throws IOException {
        open().close();
        RecordBuffer out = new RecordBuffer(256);
        EntryCodec.writeEntryRecord(out, LogFixtures.entry(1, 1));
        int third = EntryCodec.writeEntryRecord(out, LogFixtures.entry(2, 1));
        int gapAt = out.size();
        EntryCodec.writeEntryRecord(out, LogFixtures.entry(4, 1));
        Path segment = dir().resolve(Segment.fileName(1));
        Files.write(segment, out.toByteArray());

        LogCorruptedException e = openFailure(LogCorruptedException.class, this::open);
        assertThat(e.file()).isEqualTo(segment);
        assertThat(e.offset()).isEqualTo(gapAt);
        assertThat(e).hasMessageContaining("entry index 4 where 3 was expected");
        assertThat(third).isPositive();
    }

    @Test
    void aLogThatDoesNotStartAtOneIsCorruption() throws IOException {
        try (FileLog log = open()) {
            log.append(entries(1, 3, 1));
        }
        Path segment = segmentFiles(dir()).get(0);
        Files.move(segment, dir().resolve(Segment.fileName(2)));

        assertThat(openFailure(this::open)).isInstanceOf(LogCorruptedException.class)
                .hasMessageContaining("the entries before it are missing");
    }

    @Test
    void aDamagedStateFileIsCorruption() throws IOException {
        try (FileLog log = open()) {
            log.saveTermAndVote(7, NODE);
        }
        Path state = dir().resolve(FileLog.STATE_FILE);
        byte[] bytes = Files.readAllBytes(state);
        bytes[bytes.length - 1] ^= 1;
        Files.write(state, bytes);

        LogCorruptedException e = openFailure(LogCorruptedException.class, this::open);
        assertThat(e.file()).isEqualTo(state);
        assertThat(e.offset()).isZero();
    }

    // ------------------------------------------------------------------------------------------ odd but valid states

    @Test
    void anEmptySegmentFileStartsTheLog() throws IOException {
        open().close();
        Files.createFile(dir().resolve(Segment.fileName(1)));

        try (FileLog log = open()) {
            assertThat(log.lastIndex()).isZero();
            log.append(entries(1, 3, 1));
        }
        try (FileLog log = open()) {
            assertThat(log.entries(1, 10, Long.MAX_VALUE)).isEqualTo(entries(1, 3, 1));
        }
        assertThat(fileNames(dir(), ".seg")).containsExactly(Segment.fileName(1));
    }

    @Test
    void anEmptyLastSegmentAfterARollContinuesTheLog() throws IOException {
        try (FileLog log = open()) {
            log.append(entries(1, 3, 1));
        }
        Files.createFile(dir().resolve(Segment.fileName(4))); // a roll interrupted before its first write

        try (FileLog log = open()) {
            assertThat(log.lastIndex()).isEqualTo(3);
            log.append(entries(4, 5, 1));
        }
        try (FileLog log = open()) {
            assertThat(log.entries(1, 10, Long.MAX_VALUE)).isEqualTo(entries(1, 5, 1));
        }
        assertThat(fileNames(dir(), ".seg")).containsExactly(Segment.fileName(1), Segment.fileName(4));
    }

    @Test
    void aMissingStateFileMeansTermZeroWithoutAVoteAndRejoining() throws IOException {
        try (FileLog log = open()) {
            log.append(entries(1, 3, 1));
            log.saveTermAndVote(5, NODE);
            log.saveRejoinTerm(Log.NOT_REJOINING);
        }
        Files.delete(dir().resolve(FileLog.STATE_FILE));

        try (CapturedStderr stderr = new CapturedStderr(); FileLog log = open()) {
            assertThat(log.termAndVote()).isEqualTo(new Log.TermAndVote(0, null));
            assertThat(log.rejoinTerm()).isEqualTo(Log.REJOIN_TERM_UNKNOWN); // its votes are forgotten
            assertThat(log.lastIndex()).isEqualTo(3);
            assertThat(stderr.text()).contains("WARN").contains(FileLog.STATE_FILE);
        }
    }

    @Test
    void leftoversOfUnfinishedWritesAreDeletedOnOpen() throws IOException {
        open().close();
        for (String name : List.of("state.tmp", "pending.log.tmp", FileSnapshot.fileName(5, 1, "tmp"),
                FileSnapshot.fileName(6, 2, "staged"))) {
            Files.writeString(dir().resolve(name), "half written");
        }
        Files.writeString(dir().resolve("notes.txt"), "not the log's");

        open().close();
        assertThat(fileNames(dir(), ".tmp")).isEmpty();
        assertThat(fileNames(dir(), ".staged")).isEmpty();
        assertThat(dir().resolve("notes.txt")).exists();
    }

    @Test
    void aTornPendingWriteIsCutOff() throws IOException {
        ClientCommand a = eventualPut(1, 1, "a", "1");
        ClientCommand b = eventualPut(1, 2, "b", "2");
        try (FileLog log = open()) {
            log.savePendingWrite(a);
            log.savePendingWrite(b);
            log.sync();
            log.settlePendingWrite(a);
        }
        Path pending = dir().resolve(FileLog.PENDING_FILE);
        byte[] bytes = Files.readAllBytes(pending);
        int settleStart = recordStarts(bytes).get(2);
        try (FileChannel channel = FileChannel.open(pending, StandardOpenOption.WRITE)) {
            channel.truncate(bytes.length - 3);
        }

        try (CapturedStderr stderr = new CapturedStderr(); FileLog log = open()) {
            assertThat(log.pendingWrites()).containsExactly(a, b);
            assertThat(stderr.text()).contains(FileLog.PENDING_FILE).contains("byte offset " + settleStart);
            log.settlePendingWrite(b);
        }
        try (FileLog log = open()) {
            assertThat(log.pendingWrites()).containsExactly(a);
        }
    }

    @Test
    void damageBeforeTheLastPendingWriteIsCorruption() throws IOException {
        try (FileLog log = open()) {
            log.savePendingWrite(eventualPut(1, 1, "a", "1"));
            log.savePendingWrite(eventualPut(1, 2, "b", "2"));
        }
        Path pending = dir().resolve(FileLog.PENDING_FILE);
        byte[] bytes = Files.readAllBytes(pending);
        bytes[12] ^= 1;
        Files.write(pending, bytes);

        LogCorruptedException e = openFailure(LogCorruptedException.class, this::open);
        assertThat(e.file()).isEqualTo(pending);
        assertThat(e.offset()).isZero();
    }

    // ------------------------------------------------------------------------------------------ space allocated ahead

    /** Copies the log's files as they are on disk now, as a crash of the process would leave them. */
    private Path crashImage(String name) throws IOException {
        Path image = tmp.resolve(name);
        Files.createDirectories(image);
        try (var files = Files.list(dir())) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, image.resolve(file.getFileName()));
            }
        }
        return image;
    }

    @Test
    void theLastSegmentIsAllocatedAheadAndACleanCloseCutsTheZerosOff() throws IOException {
        Path segment;
        try (FileLog log = open()) {
            log.append(entries(1, 5, 1));
            log.sync();
            segment = segmentFiles(dir()).get(0);
            assertThat(Files.size(segment)).isEqualTo(Segment.ALLOCATION_CHUNK_BYTES);
        }
        byte[] closed = Files.readAllBytes(segment);
        assertThat(recordStarts(closed)).as("five records, then the end of the file").hasSize(5);
        try (CapturedStderr stderr = new CapturedStderr(); FileLog log = open()) {
            assertThat(log.lastIndex()).isEqualTo(5);
            assertThat(stderr.text()).doesNotContain("WARN");
        }
        assertThat(Files.size(segment)).isEqualTo(closed.length);
    }

    @Test
    void aCrashLeavesZerosAheadThatRecoveryCutsOffKeepingEverySyncedEntry() throws IOException {
        Path image;
        try (FileLog log = openWithSegments(700)) { // several segments: only the last may end in zeros
            log.append(entries(1, 40, 1));
            log.sync();
            image = crashImage("crashed");
        }
        List<Path> segments = segmentFiles(image);
        assertThat(segments).hasSizeGreaterThan(2);
        Path last = segments.get(segments.size() - 1);
        byte[] lastBytes = Files.readAllBytes(last);
        assertThat(lastBytes[lastBytes.length - 1]).as("zeros allocated ahead").isZero();
        for (Path earlier : segments.subList(0, segments.size() - 1)) {
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(Files.readAllBytes(earlier));
            // Zeros would read as records of length 0: every record having a length means none follow the records.
            assertThat(recordStarts(bytes.array())).as("%s is cut back to its records", earlier)
                    .allSatisfy(start -> assertThat(bytes.getInt(start)).isPositive());
        }
        try (CapturedStderr stderr = new CapturedStderr();
                FileLog log = FileLog.open(image, NODE, FileLog.Options.defaults().withSegmentBytes(700))) {
            assertThat(log.entries(1, 100, Long.MAX_VALUE)).isEqualTo(entries(1, 40, 1));
            assertThat(stderr.text()).contains("zero-filled tail").contains(last.getFileName().toString());
            log.append(entries(41, 60, 1));
            log.sync();
        }
        try (FileLog log = FileLog.open(image, NODE, FileLog.Options.defaults().withSegmentBytes(700))) {
            assertThat(log.entries(1, 100, Long.MAX_VALUE)).isEqualTo(entries(1, 60, 1));
        }
    }
}
