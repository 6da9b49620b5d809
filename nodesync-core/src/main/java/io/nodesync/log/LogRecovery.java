package io.nodesync.log;

import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Entry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a {@link FileLog}'s directory back at open: the newest valid snapshot, the entries after it from the segments,
 * term and vote, and the pending writes. Cuts off a torn final write with a warning; refuses anything else that is
 * damaged with a {@link LogCorruptedException}.
 *
 * <p>Crash states it accepts, each the result of an interrupted step of the log's own:
 * <ul>
 *   <li>segments all of whose entries a snapshot covers (compaction deletes them after the snapshot is durable): they
 *       are deleted now;</li>
 *   <li>segments whose entry at the snapshot's index has another term, or that end before it (a snapshot from the
 *       leader replaced the whole log, and the crash came before the old segments were deleted): their entries are
 *       not this snapshot's history, so they are discarded;</li>
 *   <li>snapshots older than the newest valid one: deleted.</li>
 * </ul>
 */
final class LogRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(LogRecovery.class);

    /** What was recovered, handed to the log. */
    static final class Result {
        EntryCodec.State state = EntryCodec.State.INITIAL;
        FileSnapshot snapshot;
        final ArrayList<Entry> entries = new ArrayList<>();
        /** Each entry's record offset in its segment. */
        final LongList offsets = new LongList();
        /** Each entry's cumulative record bytes, from 0 at the first entry held. */
        final LongList ends = new LongList();
        final ArrayList<Segment> segments = new ArrayList<>();
        final LinkedHashMap<FileLog.PendingKey, ClientCommand> pending = new LinkedHashMap<>();
        long pendingRecords;
        long pendingBytes;

        long snapshotIndex() {
            return snapshot == null ? 0 : snapshot.index();
        }

        long lastIndex() {
            return snapshotIndex() + entries.size();
        }
    }

    private record SnapshotFile(Path path, long index, long term) {
    }

    private final Path directory;
    private final boolean force;
    private final Result result = new Result();
    private final List<Path> obsolete = new ArrayList<>();

    private LogRecovery(Path directory, boolean force) {
        this.directory = directory;
        this.force = force;
    }

    /**
     * Recovers the log in {@code directory} (locked, leftovers of unfinished writes already removed).
     *
     * @param force whether to force the repairs (a torn tail cut off) to the disk
     */
    static Result recover(Path directory, boolean force) throws IOException {
        LogRecovery recovery = new LogRecovery(directory, force);
        try {
            recovery.run();
        } catch (IOException | RuntimeException e) {
            if (recovery.result.snapshot != null) {
                recovery.result.snapshot.close();
            }
            throw e;
        }
        return recovery.result;
    }

    private void run() throws IOException {
        TreeMap<Long, Path> segmentFiles = new TreeMap<>();
        List<SnapshotFile> snapshots = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                long first = Segment.parseName(name);
                long[] snapshot = FileSnapshot.parseName(name);
                if (first > 0) {
                    segmentFiles.put(first, file);
                } else if (first == 0) {
                    throw new LogCorruptedException(file, 0, "a segment cannot start at index 0");
                } else if (snapshot != null) {
                    snapshots.add(new SnapshotFile(file, snapshot[0], snapshot[1]));
                }
            }
        }
        snapshots.sort(Comparator.comparingLong(SnapshotFile::index).thenComparingLong(SnapshotFile::term).reversed());

        // The newest snapshot that verifies; the damaged ones newer than it are bridged below, or fatal.
        SnapshotFile chosen = null;
        List<LogCorruptedException> damaged = new ArrayList<>();
        List<SnapshotFile> damagedFiles = new ArrayList<>();
        for (SnapshotFile candidate : snapshots) {
            if (chosen != null) {
                LOG.info("{}: deleting, the newer snapshot {} replaces it", candidate.path(),
                        chosen.path().getFileName());
                obsolete.add(candidate.path());
                continue;
            }
            try {
                FileSnapshot.verify(candidate.path(), candidate.index(), candidate.term());
                chosen = candidate;
            } catch (LogCorruptedException e) {
                damaged.add(e);
                damagedFiles.add(candidate);
            }
        }
        long base = chosen == null ? 0 : chosen.index();
        long baseTerm = chosen == null ? 0 : chosen.term();

        try {
            readSegments(segmentFiles, base, baseTerm);
        } catch (LogCorruptedException e) {
            if (damaged.isEmpty()) {
                throw e;
            }
            // The damaged snapshot is the first problem: without it the segments were never meant to be complete.
            throw unbridged(damaged.get(0), damagedFiles.get(0), e);
        }
        if (chosen != null) {
            result.snapshot = FileSnapshot.open(chosen.path(), chosen.index(), chosen.term());
        }
        bridgeDamagedSnapshots(damaged, damagedFiles);
        for (Path file : obsolete) {
            Files.deleteIfExists(file);
        }
        readState();
        readPendingWrites();
    }

    /**
     * Falls back past damaged snapshots only if the entries after the one chosen still reach each damaged snapshot's
     * index with its term: then nothing they held is lost. The damaged files are renamed aside for inspection.
     */
    private void bridgeDamagedSnapshots(List<LogCorruptedException> damaged, List<SnapshotFile> files)
            throws IOException {
        for (int i = 0; i < damaged.size(); i++) {
            SnapshotFile file = files.get(i);
            LogCorruptedException problem = damaged.get(i);
            boolean bridged = file.index() <= result.lastIndex() && file.index() > result.snapshotIndex()
                    && result.entries.get((int) (file.index() - result.snapshotIndex() - 1)).term() == file.term();
            if (!bridged) {
                throw unbridged(problem, file, null);
            }
        }
        for (int i = 0; i < damaged.size(); i++) {
            Path path = files.get(i).path();
            Path aside = path.resolveSibling(path.getFileName() + ".corrupt");
            LOG.warn("{}: damaged at byte offset {} ({}); the log still holds its entries, so it is set aside as {}",
                    path, damaged.get(i).offset(), damaged.get(i).reason(), aside.getFileName());
            Files.move(path, aside, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static LogCorruptedException unbridged(LogCorruptedException problem, SnapshotFile file,
            LogCorruptedException segmentProblem) {
        String reason = problem.reason() + "; no older snapshot and log entries cover index " + file.index()
                + (segmentProblem == null ? "" : " (" + segmentProblem.getMessage() + ")");
        LogCorruptedException e = new LogCorruptedException(problem.file(), problem.offset(), reason, problem);
        if (segmentProblem != null) {
            e.addSuppressed(segmentProblem);
        }
        return e;
    }

    // ------------------------------------------------------------------------------------------ segments

    private void readSegments(TreeMap<Long, Path> files, long base, long baseTerm) throws IOException {
        List<Long> firsts = new ArrayList<>(files.keySet());
        int start = 0;
        // A segment followed by one starting at or below the base holds only entries the snapshot covers.
        while (start + 1 < firsts.size() && firsts.get(start + 1) <= base) {
            Path covered = files.get(firsts.get(start));
            LOG.info("{}: deleting, the snapshot at index {} covers all its entries", covered, base);
            obsolete.add(covered);
            start++;
        }
        long expected = -1;
        boolean stale = false;
        for (int i = start; i < firsts.size() && !stale; i++) {
            long first = firsts.get(i);
            Path path = files.get(first);
            boolean last = i == firsts.size() - 1;
            if (expected < 0 && first > base + 1) {
                throw new LogCorruptedException(path, 0, "the first segment starts at index " + first
                        + " but the entries before it are missing (snapshot index " + base + ")");
            }
            if (expected >= 0 && first != expected) {
                throw new LogCorruptedException(path, 0, "the segment starts at index " + first
                        + " but the previous one ends at index " + (expected - 1));
            }
            expected = first;
            ByteBuffer bytes = LogFiles.readAll(path);
            if (bytes == null) {
                throw new LogCorruptedException(path, 0, "segment file vanished while opening the log");
            }
            RecordReader reader = new RecordReader(path, bytes, last);
            for (RecordReader.Record record = reader.next(); record != null; record = reader.next()) {
                if (record.type() != EntryCodec.ENTRY) {
                    throw new LogCorruptedException(path, record.offset(), "record of type " + record.type()
                            + " in a segment");
                }
                Entry entry;
                try {
                    entry = EntryCodec.readEntryPayload(record.payload());
                } catch (EntryCodec.Malformed e) {
                    throw new LogCorruptedException(path, record.offset(), "undecodable entry: " + e.getMessage(), e);
                }
                if (entry.index() != expected) {
                    throw new LogCorruptedException(path, record.offset(), "entry index " + entry.index()
                            + " where " + expected + " was expected");
                }
                expected++;
                if (entry.index() == base && entry.term() != baseTerm) {
                    stale = true;
                    break;
                }
                if (entry.index() > base) {
                    long before = result.ends.size() == 0 ? 0 : result.ends.last();
                    result.entries.add(entry);
                    result.offsets.add(record.offset());
                    result.ends.add(before + record.size());
                }
            }
            if (stale) {
                break;
            }
            if (reader.tornAt() >= 0) {
                LOG.warn("{}: torn write at byte offset {} ({}); truncating the segment to the {} bytes before it",
                        path, reader.tornAt(), reader.tornReason(), reader.tornAt());
                try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
                    channel.truncate(reader.tornAt());
                    if (force) {
                        channel.force(true);
                    }
                }
            }
            if (first == expected && !last) {
                throw new LogCorruptedException(path, 0, "an empty segment before the last one");
            }
            result.segments.add(new Segment(path, first, reader.validLength()));
        }
        if (stale || (!result.segments.isEmpty() && expected - 1 < base)) {
            // Entries that are not the snapshot's history: what a leader's snapshot replaced before a crash.
            LOG.warn("{}: the segments {} the snapshot at index {} term {}; discarding their entries", directory,
                    stale ? "disagree with" : "end before", base, baseTerm);
            for (Path path : files.values()) {
                if (!obsolete.contains(path)) {
                    obsolete.add(path);
                }
            }
            result.segments.clear();
            result.entries.clear();
            result.offsets.clear();
            result.ends.clear();
        }
    }

    // ------------------------------------------------------------------------------------------ state, pending

    private void readState() throws IOException {
        Path path = directory.resolve(FileLog.STATE_FILE);
        ByteBuffer bytes = LogFiles.readAll(path);
        if (bytes == null) {
            // Written when the directory was created, so it was lost; only a crash during that creation explains it.
            // The votes it held are forgotten, so the node must rejoin as one that lost its state.
            LOG.warn("{}: missing (the log holds entries up to index {}); starting from term 0 without a vote, "
                    + "rejoining before it votes again", path, result.lastIndex());
            return;
        }
        // Written whole and renamed into place: any damage here is real, never a torn write.
        RecordReader reader = new RecordReader(path, bytes, false);
        RecordReader.Record record = reader.next();
        if (record == null || record.type() != EntryCodec.STATE) {
            throw new LogCorruptedException(path, 0, record == null ? "empty state file" : "not a state record");
        }
        try {
            result.state = EntryCodec.readStatePayload(record.payload());
        } catch (EntryCodec.Malformed e) {
            throw new LogCorruptedException(path, 0, "undecodable term and vote: " + e.getMessage(), e);
        }
        if (reader.next() != null) {
            throw new LogCorruptedException(path, record.size(), "more than one record in the state file");
        }
    }

    private void readPendingWrites() throws IOException {
        Path path = directory.resolve(FileLog.PENDING_FILE);
        ByteBuffer bytes = LogFiles.readAll(path);
        if (bytes == null) {
            return;
        }
        RecordReader reader = new RecordReader(path, bytes, true);
        for (RecordReader.Record record = reader.next(); record != null; record = reader.next()) {
            try {
                if (record.type() == EntryCodec.PENDING_ADD) {
                    ClientCommand command = EntryCodec.readPendingAddPayload(record.payload());
                    result.pending.put(FileLog.PendingKey.of(command), command);
                } else if (record.type() == EntryCodec.PENDING_SETTLE) {
                    long[] key = EntryCodec.readPendingSettlePayload(record.payload());
                    result.pending.remove(new FileLog.PendingKey(key[0], key[1]));
                } else {
                    throw new LogCorruptedException(path, record.offset(), "record of type " + record.type()
                            + " in the pending-writes file");
                }
            } catch (EntryCodec.Malformed e) {
                throw new LogCorruptedException(path, record.offset(), "undecodable pending write: "
                        + e.getMessage(), e);
            }
            result.pendingRecords++;
        }
        if (reader.tornAt() >= 0) {
            LOG.warn("{}: torn write at byte offset {} ({}); truncating the file to the {} bytes before it", path,
                    reader.tornAt(), reader.tornReason(), reader.tornAt());
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
                channel.truncate(reader.tornAt());
                if (force) {
                    channel.force(true);
                }
            }
        }
        result.pendingBytes = reader.validLength();
    }
}
