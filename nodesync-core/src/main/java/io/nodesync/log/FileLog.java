package io.nodesync.log;

import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Entry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable {@link Log} in a data directory of its own, with the semantics of {@link InMemoryLog}.
 *
 * <h2>Design</h2>
 * The entries are kept twice: in memory (an {@link ArrayList}), so that every read is served without touching the
 * disk, and in append-only <em>segment</em> files, so that they survive a crash. Memory stays bounded because the
 * node takes snapshots and the log then drops the entries they cover, in memory and on disk. Every record on disk is
 * framed with its length and a CRC32C (see {@link RecordBuffer}), so that recovery tells a torn final write (cut
 * off, with a warning) from damage (refused with a {@link LogCorruptedException}: a node must not serve wrong data).
 *
 * <p>Writes are encoded into a reused buffer as they come and handed to the operating system in one write per
 * {@link #sync()}; what {@code sync} then forces to the disk is the {@link FsyncPolicy}'s choice. The node loop calls
 * {@code sync} once per turn, after it has handled every request of the turn, so under {@link FsyncPolicy#ALWAYS}
 * all the writes of a turn share one {@code fsync} (group commit).
 *
 * <h2>Files</h2>
 * <ul>
 *   <li>{@code LOCK}: held with an exclusive lock while open, so two processes cannot use the same directory;</li>
 *   <li>{@code meta}: format version and node id, written when the directory is first used;</li>
 *   <li>{@code log-<first index>.seg}: entry records, rolled at {@link Options#segmentBytes()};</li>
 *   <li>{@code state}: term, vote and rejoin term, replaced together atomically (temporary file, fsync, rename,
 *       directory fsync);</li>
 *   <li>{@code pending.log}: pending writes saved and settled, rewritten when settled ones dominate;</li>
 *   <li>{@code snapshot-<index>-<term>.snap}: header, the state machine's bytes, CRC32C; written as {@code .tmp}
 *       (or received as {@code .staged}) and renamed when complete.</li>
 * </ul>
 *
 * <h2>Snapshots in the background</h2>
 * {@link #takeSnapshot} runs the state machine's writer on a thread of this log's, so the node loop does not stall.
 * The log switches to the new snapshot (and drops the entries and segments it covers, and older snapshots) at the
 * node loop's next {@link #sync()} or {@link #takeSnapshot} after the file is durable, never in the middle of a turn.
 * A failure of the writer is thrown there, once.
 *
 * <p><b>Threading.</b> As {@link Log}: one node loop thread; the snapshot writer and, under
 * {@link FsyncPolicy#BATCH}, the flusher are this log's own threads, stopped by {@link #close()}.
 *
 * <p><b>Errors.</b> An I/O error while writing leaves the files in a state this object no longer knows, so the log
 * refuses every later write and sync (an {@link IllegalStateException} naming the first failure); reopening it
 * recovers what is on disk.
 */
public final class FileLog extends RetainedEntriesLog {

    private static final Logger LOG = LoggerFactory.getLogger(FileLog.class);

    /** The version of the directory layout and record formats written in {@code meta}. */
    static final int FORMAT_VERSION = 1;
    static final String LOCK_FILE = "LOCK";
    static final String META_FILE = "meta";
    static final String STATE_FILE = "state";
    static final String PENDING_FILE = "pending.log";
    /** Below this many records the pending-writes file is never rewritten: small files are cheap to replay. */
    static final int PENDING_COMPACTION_MIN_RECORDS = 1024;
    /** A turn that encodes more than this is written out early, so the buffer stays small. */
    private static final int EARLY_WRITE_BYTES = 4 * 1024 * 1024;

    /**
     * How a {@link FileLog} writes.
     *
     * @param fsyncPolicy when writes are forced to the disk
     * @param segmentBytes the size at which a segment file is closed and the next one started (a segment holds at
     *     least one entry, so it may exceed this by one record)
     * @param batchInterval under {@link FsyncPolicy#BATCH}, the longest a write stays unforced
     */
    public record Options(FsyncPolicy fsyncPolicy, long segmentBytes, Duration batchInterval) {

        /** Checks every field. */
        public Options {
            Objects.requireNonNull(fsyncPolicy, "fsyncPolicy");
            Objects.requireNonNull(batchInterval, "batchInterval");
            if (segmentBytes <= 0) {
                throw new IllegalArgumentException("segmentBytes must be positive: " + segmentBytes);
            }
            if (batchInterval.isNegative() || batchInterval.isZero()) {
                throw new IllegalArgumentException("batchInterval must be positive: " + batchInterval);
            }
        }

        /** {@link FsyncPolicy#ALWAYS}, 64 MiB segments, a 10 ms batch interval. */
        public static Options defaults() {
            return new Options(FsyncPolicy.ALWAYS, 64L * 1024 * 1024, Duration.ofMillis(10));
        }

        /** These options with another fsync policy. */
        public Options withFsyncPolicy(FsyncPolicy policy) {
            return new Options(policy, segmentBytes, batchInterval);
        }

        /** These options with another segment size. */
        public Options withSegmentBytes(long bytes) {
            return new Options(fsyncPolicy, bytes, batchInterval);
        }

        /** These options with another batch interval. */
        public Options withBatchInterval(Duration interval) {
            return new Options(fsyncPolicy, segmentBytes, interval);
        }
    }

    /** What identifies a pending write. */
    record PendingKey(long session, long seq) {
        static PendingKey of(ClientCommand command) {
            return new PendingKey(command.session(), command.seq());
        }
    }

    /** The real paths of the directories a log of this process holds (see {@link #claimInThisProcess}). */
    private static final Set<Path> OPEN_IN_THIS_PROCESS = ConcurrentHashMap.newKeySet();

    /** A snapshot being written in the background. */
    private record SnapshotTask(long index, long term, Path tmp, Path target, Future<?> done) {
    }

    private final Path directory;
    private final NodeId self;
    private final Options options;
    private final boolean isNew;
    private final boolean forces;
    private final Path lockKey;
    private final FileChannel lockChannel;
    private final FileLock lock;

    // Entries, in memory: entries.get(i) is at index snapshotIndex() + 1 + i.
    private final ArrayList<Entry> entries;
    /** Each entry's record offset in its segment. */
    private final LongList offsets;
    /** Each entry's cumulative record bytes; {@link #bytesBeforeFirst} is the value before the first entry held. */
    private final LongList ends;
    private long bytesBeforeFirst;
    private FileSnapshot snapshot;
    /** The snapshot replaced last, still readable for a transfer in flight (see {@link FileSnapshot}). */
    private FileSnapshot retired;

    // Segments, in index order; the last is the one written.
    private final ArrayList<Segment> segments;
    /** Records for the last segment not yet handed to the operating system. */
    private final RecordBuffer segmentBuffer = new RecordBuffer(64 * 1024);
    private final Set<Segment> unforcedSegments = new LinkedHashSet<>();
    private boolean directoryUnforced;

    private TermAndVote termAndVote;
    private long rejoinTerm;
    private EntryCodec.State persistedState;

    private final LinkedHashMap<PendingKey, ClientCommand> pending;
    private final Path pendingPath;
    private FileChannel pendingChannel;
    private long pendingBytes;
    private long pendingRecords;
    private final RecordBuffer pendingBuffer = new RecordBuffer(4 * 1024);
    private int pendingBufferedRecords;
    private boolean pendingUnforced;

    private ExecutorService snapshotExecutor;
    private SnapshotTask snapshotTask;

    private SnapshotFileWriter staged;
    private long stagedIndex = -1;
    private long stagedTerm;

    private final BatchFlusher flusher;
    private RuntimeException failure;
    private boolean closed;

    private FileLog(Path directory, NodeId self, Options options, boolean isNew, Path lockKey,
            FileChannel lockChannel, FileLock lock, LogRecovery.Result recovered) throws IOException {
        this.directory = directory;
        this.self = self;
        this.options = options;
        this.isNew = isNew;
        this.forces = options.fsyncPolicy() != FsyncPolicy.NEVER;
        this.lockKey = lockKey;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.entries = recovered.entries;
        this.offsets = recovered.offsets;
        this.ends = recovered.ends;
        this.snapshot = recovered.snapshot;
        this.segments = recovered.segments;
        this.termAndVote = recovered.state.termAndVote();
        this.rejoinTerm = recovered.state.rejoinTerm();
        this.persistedState = recovered.state;
        this.pending = recovered.pending;
        this.pendingRecords = recovered.pendingRecords;
        this.pendingBytes = recovered.pendingBytes;
        this.pendingPath = directory.resolve(PENDING_FILE);
        directoryUnforced = Files.notExists(pendingPath);
        this.pendingChannel = FileChannel.open(pendingPath, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        this.flusher = options.fsyncPolicy() == FsyncPolicy.BATCH
                ? new BatchFlusher(directory, options.batchInterval(), "nodesync-log-flusher-" + self)
                : null;
    }

    /**
     * Opens the log in {@code directory}, creating the directory (if its parent exists) and the log's files when
     * they are missing, and recovering what a previous run left: the newest valid snapshot, the entries after it, term
     * and vote, and pending writes. A torn final write is cut off with a warning.
     *
     * @param directory the node's data directory, used by no other node
     * @param self the node this log belongs to: checked against the directory's {@code meta} file
     * @param options how to write
     * @return the open log; {@link #close()} it
     * @throws IllegalArgumentException if {@code directory} is a file, cannot be read and written, or cannot be
     *     created because its parent does not exist
     * @throws IllegalStateException if another process (or another open log in this one) holds the directory, if
     *     it belongs to another node or another format version, or if it holds log files but no {@code meta}
     * @throws LogCorruptedException if the files are damaged other than by a torn final write
     * @throws UncheckedIOException if the files cannot be read or written
     */
    public static FileLog open(Path directory, NodeId self, Options options) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(options, "options");
        Path dir = directory.toAbsolutePath().normalize();
        prepareDirectory(dir);
        Path lockKey = claimInThisProcess(dir);
        FileChannel lockChannel = null;
        FileLock lock = null;
        LogRecovery.Result recovered = null;
        try {
            lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            lock = lockDirectory(dir, lockChannel);
            deleteLeftovers(dir);
            boolean isNew = checkOrWriteMeta(dir, self);
            recovered = LogRecovery.recover(dir, options.fsyncPolicy() != FsyncPolicy.NEVER);
            FileLog log = new FileLog(dir, self, options, isNew, lockKey, lockChannel, lock, recovered);
            LOG.info("{}: opened the log of node {}{}: entries {} to {}, term {}, {} pending writes", dir, self,
                    isNew ? " (new)" : "", log.firstIndex(), log.lastIndex(), log.termAndVote.term(),
                    log.pending.size());
            return log;
        } catch (IOException | RuntimeException e) {
            if (recovered != null) {
                if (recovered.snapshot != null) {
                    recovered.snapshot.close();
                }
            }
            LogFiles.closeQuietly(lock);
            LogFiles.closeQuietly(lockChannel);
            OPEN_IN_THIS_PROCESS.remove(lockKey);
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot open the log in " + dir + ": " + io, io);
            }
            throw (RuntimeException) e;
        }
    }

    private static void prepareDirectory(Path dir) {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("log directory " + dir + " is not a directory");
            }
        } else {
            Path parent = dir.getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw new IllegalArgumentException("cannot create log directory " + dir + ": its parent directory "
                        + parent + " does not exist");
            }
            try {
                Files.createDirectory(dir);
                LogFiles.forceDirectory(parent);
            } catch (FileAlreadyExistsException e) {
                prepareDirectory(dir); // created meanwhile by someone else: check what it is
                return;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create log directory " + dir + ": " + e, e);
            }
        }
        if (!Files.isReadable(dir) || !Files.isWritable(dir)) {
            throw new IllegalArgumentException("log directory " + dir + " is not readable and writable by this "
                    + "process");
        }
    }

    /**
     * Claims {@code dir} for this process before its lock file is touched: the operating system's lock belongs to the
     * process, and closing any channel on the file (such as that of a second, refused open) would release it.
     */
    private static Path claimInThisProcess(Path dir) {
        Path key;
        try {
            key = dir.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve log directory " + dir + ": " + e, e);
        }
        if (!OPEN_IN_THIS_PROCESS.add(key)) {
            throw new IllegalStateException("log directory " + dir + " is already open in this process");
        }
        return key;
    }

    private static FileLock lockDirectory(Path dir, FileChannel lockChannel) throws IOException {
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            throw new IllegalStateException("log directory " + dir + " is already open in this process", e);
        }
        if (lock == null) {
            throw new IllegalStateException("log directory " + dir + " is locked by another process (its "
                    + LOCK_FILE + " file is held)");
        }
        return lock;
    }

    /** Deletes what unfinished writes left: temporary and staged files are never part of the log. */
    private static void deleteLeftovers(Path dir) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.{tmp,staged}")) {
            for (Path file : files) {
                LOG.info("{}: deleting the leftover of an unfinished write", file);
                Files.delete(file);
            }
        }
    }

    /** Verifies {@code meta}, or writes it for a directory used for the first time; returns whether it was new. */
    private static boolean checkOrWriteMeta(Path dir, NodeId self) throws IOException {
        Path path = dir.resolve(META_FILE);
        ByteBuffer bytes = LogFiles.readAll(path);
        if (bytes == null) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path file : files) {
                    String name = file.getFileName().toString();
                    if (Segment.parseName(name) >= 0 || FileSnapshot.parseName(name) != null
                            || name.equals(STATE_FILE) || name.equals(PENDING_FILE)) {
                        throw new IllegalStateException("log directory " + dir + " holds log files (" + name
                                + ") but no " + META_FILE + " file, so whose they are is unknown; refusing to use "
                                + "them");
                    }
                }
            }
            RecordBuffer out = new RecordBuffer(64);
            EntryCodec.writeMeta(out, FORMAT_VERSION, self);
            LogFiles.replaceAtomically(path, out.contents(), true);
            // From now on a missing state file is a lost one, which recovery reports.
            RecordBuffer state = new RecordBuffer(64);
            EntryCodec.writeState(state, EntryCodec.State.INITIAL);
            LogFiles.replaceAtomically(dir.resolve(STATE_FILE), state.contents(), true);
            return true;
        }
        RecordReader reader = new RecordReader(path, bytes, false);
        RecordReader.Record record = reader.next();
        if (record == null || record.type() != EntryCodec.META) {
            throw new LogCorruptedException(path, 0, record == null ? "empty meta file" : "not a meta record");
        }
        EntryCodec.Meta meta;
        try {
            meta = EntryCodec.readMetaPayload(record.payload());
        } catch (EntryCodec.Malformed e) {
            throw new LogCorruptedException(path, 0, "undecodable meta: " + e.getMessage(), e);
        }
        if (reader.next() != null) {
            throw new LogCorruptedException(path, record.size(), "more than one record in the meta file");
        }
        if (meta.formatVersion() != FORMAT_VERSION) {
            throw new IllegalStateException("log directory " + dir + " has format version " + meta.formatVersion()
                    + "; this version reads " + FORMAT_VERSION);
        }
        if (!meta.node().equals(self)) {
            throw new IllegalStateException("log directory " + dir + " belongs to node " + meta.node() + ", not to "
                    + self);
        }
        return false;
    }

    /** Whether this open created the log (the directory had no {@code meta} file): a node that never ran. */
    public boolean isNew() {
        return isNew;
    }

    /** The data directory. */
    public Path directory() {
        return directory;
    }

    /** How this log writes. */
    public Options options() {
        return options;
    }

    /** How many rounds of forcing the {@link FsyncPolicy#BATCH} flusher has done (0 under the other policies). */
    long backgroundForceRounds() {
        return flusher == null ? 0 : flusher.rounds();
    }

    // ------------------------------------------------------------------------------------------ entries

    @Override
    List<Entry> retained() {
        return entries;
    }

    @Override
    public List<Entry> entries(long fromIndex, int maxCount, long maxBytes) {
        if (fromIndex > lastIndex()) {
            return List.of();
        }
        checkIndex(fromIndex);
        int from = position(fromIndex);
        int to = (int) Math.min(entries.size(), (long) from + Math.max(1, maxCount));
        long startBytes = from == 0 ? bytesBeforeFirst : ends.get(from - 1);
        int end = from;
        while (end < to) {
            end++;
            if (ends.get(end - 1) - startBytes >= maxBytes) {
                break;
            }
        }
        return Collections.unmodifiableList(new ArrayList<>(entries.subList(from, end)));
    }

    @Override
    public void append(List<Entry> newEntries) {
        checkWritable();
        try {
            for (Entry entry : newEntries) {
                if (entry.index() != lastIndex() + 1) {
                    throw new IllegalStateException("append of index " + entry.index() + " after last index "
                            + lastIndex());
                }
                Segment segment = segmentForAppend(entry.index());
                long offset = segment.size() + segmentBuffer.size();
                long end = lastEnd() + EntryCodec.writeEntryRecord(segmentBuffer, entry);
                entries.add(entry);
                offsets.add(offset);
                ends.add(end);
                if (segmentBuffer.size() >= EARLY_WRITE_BYTES) {
                    writeSegmentBuffer();
                }
            }
        } catch (IOException e) {
            throw fail("append to", e);
        }
    }

    @Override
    public void truncateFrom(long index) {
        checkWritable();
        if (index <= snapshotIndex()) {
            throw new IllegalArgumentException("cannot truncate from index " + index + ", at or below the snapshot ("
                    + snapshotIndex() + ")");
        }
        if (index > lastIndex()) {
            return;
        }
        try {
            writeSegmentBuffer();
            int position = position(index);
            int holder = segmentHolding(index);
            boolean deleted = false;
            for (int i = segments.size() - 1; i > holder; i--) {
                deleteSegment(segments.remove(i));
                deleted = true;
            }
            if (deleted && forces) {
                // Durable before the truncation: recovery must never see the later segments without the entries
                // that led up to them.
                LogFiles.forceDirectory(directory);
            }
            Segment segment = segments.get(holder);
            segment.truncate(offsets.get(position));
            unforcedSegments.add(segment);
            entries.subList(position, entries.size()).clear();
            offsets.truncate(position);
            ends.truncate(position);
        } catch (IOException e) {
            throw fail("truncate", e);
        }
    }

    @Override
    public long entryBytes() {
        return lastEnd() - bytesBeforeFirst;
    }

    private long lastEnd() {
        return ends.size() == 0 ? bytesBeforeFirst : ends.last();
    }

    /** The segment to append entry {@code index} to: the last one, or a new one if it is full (or none exists). */
    private Segment segmentForAppend(long index) throws IOException {
        Segment last = segments.isEmpty() ? null : segments.get(segments.size() - 1);
        if (last != null && index > last.firstIndex()
                && last.size() + segmentBuffer.size() >= options.segmentBytes()) {
            writeSegmentBuffer();
            last.trimToRecords(); // only the last segment may end in zeros
            // Forced before the next segment gets anything: recovery must never see a later segment whose
            // predecessor lost its tail.
            if (forces) {
                last.force();
            }
            unforcedSegments.remove(last);
            last.close();
            last = null;
        }
        if (last == null) {
            Path path = directory.resolve(Segment.fileName(index));
            Files.createFile(path);
            last = new Segment(path, index, 0);
            segments.add(last);
            directoryUnforced = true;
        }
        return last;
    }

    /** Hands the buffered records to the operating system, in one write. */
    private void writeSegmentBuffer() throws IOException {
        if (segmentBuffer.size() == 0) {
            return;
        }
        Segment last = segments.get(segments.size() - 1);
        ByteBuffer bytes = segmentBuffer.contents();
        int size = bytes.remaining();
        last.allocateFor(size, options.segmentBytes());
        LogFiles.writeFully(last.channel(), bytes, last.size());
        last.grew(size);
        segmentBuffer.clear();
        unforcedSegments.add(last);
    }

    /** The position in {@link #segments} of the segment holding entry {@code index}. */
    private int segmentHolding(long index) {
        int low = 0;
        int high = segments.size() - 1;
        while (low < high) {
            int middle = (low + high + 1) >>> 1;
            if (segments.get(middle).firstIndex() <= index) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        return low;
    }

    private void deleteSegment(Segment segment) throws IOException {
        unforcedSegments.remove(segment);
        segment.close();
        Files.deleteIfExists(segment.path());
        directoryUnforced = true;
    }

    // ------------------------------------------------------------------------------------------ term and vote

    @Override
    public TermAndVote termAndVote() {
        return termAndVote;
    }

    @Override
    public void saveTermAndVote(long term, NodeId votedFor) {
        checkWritable();
        if (term < 0) {
            throw new IllegalArgumentException("negative term " + term);
        }
        termAndVote = new TermAndVote(term, votedFor);
    }

    @Override
    public long rejoinTerm() {
        return rejoinTerm;
    }

    @Override
    public void saveRejoinTerm(long term) {
        checkWritable();
        if (term < NOT_REJOINING) {
            throw new IllegalArgumentException("invalid rejoin term " + term);
        }
        rejoinTerm = term;
    }

    /** Writes the state file if term, vote or rejoin term changed since it was last written. */
    private void persistStateIfChanged() throws IOException {
        EntryCodec.State state = new EntryCodec.State(termAndVote, rejoinTerm);
        if (state.equals(persistedState)) {
            return;
        }
        RecordBuffer out = new RecordBuffer(64);
        EntryCodec.writeState(out, state);
        // Forced under BATCH too: a vote forgotten in a power cut could elect two leaders in one term.
        LogFiles.replaceAtomically(directory.resolve(STATE_FILE), out.contents(), forces);
        persistedState = state;
    }

    // ------------------------------------------------------------------------------------------ snapshots

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here {@code writer} runs on this log's snapshot thread, into {@code snapshot-<index>-<term>.tmp}, which is
     * forced and renamed to {@code .snap} when complete; the log switches to it at the next {@link #sync()} or
     * {@code takeSnapshot} after that, which also throws, once, what the writer threw.
     */
    @Override
    public boolean takeSnapshot(long index, long term, Snapshot.Writer writer) {
        checkWritable();
        Objects.requireNonNull(writer, "writer");
        applyFinishedSnapshot();
        if (snapshotTask != null) {
            return false;
        }
        if (index <= snapshotIndex()) {
            return true; // nothing new to cover
        }
        if (index > lastIndex() || term(index) != term) {
            throw new IllegalArgumentException("snapshot at " + index + "/" + term + " does not match the log");
        }
        if (snapshotExecutor == null) {
            snapshotExecutor = Executors.newSingleThreadExecutor(runnable -> {
                Thread thread = new Thread(runnable, "nodesync-log-snapshot-" + self);
                thread.setDaemon(true);
                return thread;
            });
        }
        Path tmp = directory.resolve(FileSnapshot.fileName(index, term, "tmp"));
        Path target = directory.resolve(FileSnapshot.fileName(index, term, "snap"));
        Future<?> done = snapshotExecutor.submit(() -> {
            writeSnapshotFile(tmp, target, index, term, writer);
            return null;
        });
        snapshotTask = new SnapshotTask(index, term, tmp, target, done);
        return true;
    }

    /** Runs on the snapshot thread: the whole file, durable under its final name, or nothing. */
    private void writeSnapshotFile(Path tmp, Path target, long index, long term, Snapshot.Writer writer)
            throws IOException {
        SnapshotFileWriter out = SnapshotFileWriter.create(tmp, index, term);
        try {
            writer.writeTo(out);
            out.finish(forces);
            LogFiles.moveAtomically(tmp, target, forces);
        } catch (IOException | RuntimeException | Error e) {
            out.abort();
            throw e;
        }
    }

    /**
     * On the node loop: if the background snapshot is done, switches to it (or throws its failure, once). Cheap when
     * there is none: one field read and {@link Future#isDone()}.
     */
    private void applyFinishedSnapshot() {
        SnapshotTask task = snapshotTask;
        if (task == null || !task.done().isDone()) {
            return;
        }
        snapshotTask = null;
        try {
            task.done().get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String message = "writing the snapshot at index " + task.index() + " term " + task.term() + " failed: "
                    + cause;
            if (cause instanceof IOException io) {
                throw new UncheckedIOException(message, io);
            }
            throw new IllegalStateException(message, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while collecting a finished snapshot", e);
        }
        if (task.index() <= snapshotIndex() || task.index() > lastIndex() || term(task.index()) != task.term()) {
            // Overtaken while it was written (a snapshot from the leader was installed): it is of no use now.
            LOG.info("{}: dropping the snapshot at index {} term {}, overtaken while it was written", directory,
                    task.index(), task.term());
            if (snapshot == null || !snapshot.path().equals(task.target())) {
                LogFiles.deleteQuietly(task.target());
            }
            return;
        }
        try {
            compactTo(FileSnapshot.open(task.target(), task.index(), task.term()), true);
        } catch (IOException e) {
            throw fail("compact", e);
        }
    }

    /**
     * Makes {@code next} (durable already) the log's snapshot: keeps the entries after it if {@code keepSuffix}, else
     * discards every entry; deletes the segments and snapshots it makes useless.
     */
    private void compactTo(FileSnapshot next, boolean keepSuffix) throws IOException {
        if (keepSuffix) {
            int drop = (int) Math.max(0, Math.min(entries.size(), next.index() - snapshotIndex()));
            if (drop > 0) {
                bytesBeforeFirst = ends.get(drop - 1);
                entries.subList(0, drop).clear();
                offsets.removeFirst(drop);
                ends.removeFirst(drop);
            }
            replaceSnapshot(next);
            deleteCoveredSegments(next.index());
        } else {
            segmentBuffer.clear();
            boolean deleted = !segments.isEmpty();
            for (Segment segment : segments) {
                deleteSegment(segment);
            }
            segments.clear();
            if (deleted && forces) {
                // Gone for good before the log continues after the snapshot: recovery must not mix old segments with
                // the new ones.
                LogFiles.forceDirectory(directory);
            }
            entries.clear();
            offsets.clear();
            ends.clear();
            bytesBeforeFirst = 0;
            replaceSnapshot(next);
        }
    }

    private void replaceSnapshot(FileSnapshot next) throws IOException {
        FileSnapshot previous = snapshot;
        snapshot = next;
        if (previous != null && previous != next) {
            if (retired != null) {
                retired.close();
            }
            retired = previous;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "snapshot-*.snap")) {
            for (Path file : files) {
                if (FileSnapshot.parseName(file.getFileName().toString()) != null && !file.equals(next.path())) {
                    Files.deleteIfExists(file);
                    directoryUnforced = true;
                }
            }
        }
    }

    /** Deletes the segments all of whose entries are at or below {@code index}. */
    private void deleteCoveredSegments(long index) throws IOException {
        while (!segments.isEmpty()) {
            Segment first = segments.get(0);
            boolean last = segments.size() == 1;
            long lastInFirst = last ? lastIndex() : segments.get(1).firstIndex() - 1;
            if (lastInFirst > index || first.firstIndex() > lastInFirst) {
                return; // holds a later entry, or is the empty segment the next entry goes to
            }
            if (last) {
                segmentBuffer.clear();
            }
            deleteSegment(segments.remove(0));
        }
    }

    @Override
    public void stageSnapshotChunk(long index, long term, long offset, byte[] data) {
        checkWritable();
        try {
            if (offset == 0) {
                discardStaged();
                staged = SnapshotFileWriter.create(directory.resolve(FileSnapshot.fileName(index, term, "staged")),
                        index, term);
                stagedIndex = index;
                stagedTerm = term;
            } else if (stagedSnapshotBytes(index, term) != offset) {
                throw new IllegalStateException("snapshot chunk " + index + "/" + term + "@" + offset
                        + " does not continue the staged one (" + stagedSnapshotBytes(index, term) + " bytes)");
            }
            staged.write(data, 0, data.length);
        } catch (IOException e) {
            discardStaged();
            throw new UncheckedIOException("cannot stage snapshot " + index + "/" + term + " in " + directory, e);
        }
    }

    @Override
    public long stagedSnapshotBytes(long index, long term) {
        return staged != null && stagedIndex == index && stagedTerm == term ? staged.dataBytes() : 0;
    }

    @Override
    public Snapshot installStagedSnapshot(long index, long term) {
        checkWritable();
        if (staged == null || stagedIndex != index || stagedTerm != term) {
            throw new IllegalStateException("no snapshot " + index + "/" + term + " staged");
        }
        boolean keepSuffix = index >= snapshotIndex() && index <= lastIndex() && term(index) == term;
        SnapshotFileWriter file = staged;
        staged = null;
        stagedIndex = -1;
        Path target = directory.resolve(FileSnapshot.fileName(index, term, "snap"));
        FileSnapshot installed;
        try {
            file.finish(forces);
            FileSnapshot.verify(file.path(), index, term); // catches bytes damaged on their way to the disk
            LogFiles.moveAtomically(file.path(), target, forces);
            installed = FileSnapshot.open(target, index, term);
        } catch (IOException | RuntimeException e) {
            file.abort();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot install snapshot " + index + "/" + term + " in " + directory,
                        io);
            }
            throw (RuntimeException) e;
        }
        try {
            compactTo(installed, keepSuffix);
        } catch (IOException e) {
            throw fail("install a snapshot in", e);
        }
        return installed;
    }

    private void discardStaged() {
        if (staged != null) {
            staged.abort();
            staged = null;
            stagedIndex = -1;
        }
    }

    // ------------------------------------------------------------------------------------------ pending writes

    @Override
    public void savePendingWrite(ClientCommand command) {
        checkWritable();
        pending.put(PendingKey.of(command), command);
        EntryCodec.writePendingAdd(pendingBuffer, command);
        pendingBufferedRecords++;
    }

    @Override
    public void settlePendingWrite(ClientCommand command) {
        checkWritable();
        if (pending.remove(PendingKey.of(command)) != null) {
            EntryCodec.writePendingSettle(pendingBuffer, command.session(), command.seq());
            pendingBufferedRecords++;
        }
    }

    @Override
    public List<ClientCommand> pendingWrites() {
        return List.copyOf(pending.values());
    }

    /** Writes the buffered pending-write records, or rewrites the whole file once settled records dominate it. */
    private void writePendingWrites() throws IOException {
        long records = pendingRecords + pendingBufferedRecords;
        if (records >= PENDING_COMPACTION_MIN_RECORDS && records > 2L * pending.size()) {
            compactPendingWrites();
            return;
        }
        if (pendingBuffer.size() == 0) {
            return;
        }
        ByteBuffer bytes = pendingBuffer.contents();
        int size = bytes.remaining();
        LogFiles.writeFully(pendingChannel, bytes, pendingBytes);
        pendingBytes += size;
        pendingRecords += pendingBufferedRecords;
        pendingBufferedRecords = 0;
        pendingBuffer.clear();
        pendingUnforced = true;
    }

    private void compactPendingWrites() throws IOException {
        Path tmp = pendingPath.resolveSibling(PENDING_FILE + ".tmp");
        long size = 0;
        pendingBuffer.clear(); // the rewrite below holds everything the buffered records said
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (ClientCommand command : pending.values()) {
                EntryCodec.writePendingAdd(pendingBuffer, command);
                if (pendingBuffer.size() >= 1024 * 1024) {
                    size += writeOut(channel, size);
                }
            }
            size += writeOut(channel, size);
            if (forces) {
                channel.force(true);
            }
        }
        pendingChannel.close();
        LogFiles.moveAtomically(tmp, pendingPath, forces);
        pendingChannel = FileChannel.open(pendingPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
        pendingBytes = size;
        pendingRecords = pending.size();
        pendingBufferedRecords = 0;
        pendingUnforced = false;
    }

    private long writeOut(FileChannel channel, long position) throws IOException {
        ByteBuffer bytes = pendingBuffer.contents();
        int size = bytes.remaining();
        LogFiles.writeFully(channel, bytes, position);
        pendingBuffer.clear();
        return size;
    }

    // ------------------------------------------------------------------------------------------ durability

    /**
     * Hands every write so far to the operating system and, as the {@link FsyncPolicy} says, forces it to the disk;
     * first switches to a snapshot finished in the background (or throws its failure).
     *
     * @throws IllegalStateException if the log is closed or failed earlier, or the background snapshot's writer threw
     *     something other than an I/O error (thrown once; the log goes on without that snapshot)
     * @throws UncheckedIOException if writing fails (the log then refuses further writes), or the background snapshot
     *     could not be written (thrown once; the log goes on without that snapshot)
     */
    /** Only under {@link FsyncPolicy#ALWAYS}: the other policies leave the forcing to a flusher, or to the OS. */
    @Override
    public boolean syncWaitsForDevice() {
        return options.fsyncPolicy() == FsyncPolicy.ALWAYS;
    }

    @Override
    public void sync() {
        checkWritable();
        applyFinishedSnapshot();
        try {
            persistStateIfChanged();
            writePendingWrites();
            writeSegmentBuffer();
            switch (options.fsyncPolicy()) {
                case ALWAYS:
                    for (Segment segment : unforcedSegments) {
                        segment.force();
                    }
                    if (pendingUnforced) {
                        pendingChannel.force(false);
                    }
                    if (directoryUnforced) {
                        LogFiles.forceDirectory(directory);
                    }
                    break;
                case BATCH:
                    List<FileChannel> channels = new ArrayList<>();
                    for (Segment segment : unforcedSegments) {
                        segment.forceIfLengthChanged(); // once a chunk; the flusher forces data only
                        channels.add(segment.channel());
                    }
                    if (pendingUnforced) {
                        channels.add(pendingChannel);
                    }
                    flusher.add(channels, directoryUnforced);
                    break;
                case NEVER:
                default:
                    break;
            }
            unforcedSegments.clear();
            pendingUnforced = false;
            directoryUnforced = false;
        } catch (IOException e) {
            throw fail("sync", e);
        }
    }

    /**
     * Stops the background threads (abandoning a snapshot still being written), hands what is buffered to the
     * operating system and forces it as the policy says (unless the log failed), and releases the files and the
     * directory lock. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (snapshotExecutor != null) {
            snapshotExecutor.shutdownNow();
            awaitSnapshotThread();
        }
        if (flusher != null) {
            flusher.close();
        }
        if (failure == null && (flusher == null || flusher.failure() == null)) {
            try {
                flushOnClose();
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: could not write the last buffered changes on close", directory, e);
            }
        }
        closed = true;
        discardStaged();
        for (Segment segment : segments) {
            segment.close();
        }
        LogFiles.closeQuietly(pendingChannel);
        if (snapshot != null) {
            snapshot.close();
        }
        if (retired != null) {
            retired.close();
        }
        LogFiles.closeQuietly(lock);
        LogFiles.closeQuietly(lockChannel);
        OPEN_IN_THIS_PROCESS.remove(lockKey);
    }

    private void awaitSnapshotThread() {
        try {
            if (!snapshotExecutor.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("{}: the snapshot writer did not stop within 10 s; leaving it behind", directory);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        SnapshotTask task = snapshotTask;
        if (task != null && !task.done().isDone()) {
            LogFiles.deleteQuietly(task.tmp());
        }
    }

    private void flushOnClose() throws IOException {
        persistStateIfChanged();
        writePendingWrites();
        writeSegmentBuffer();
        if (!segments.isEmpty()) {
            segments.get(segments.size() - 1).trimToRecords(); // a clean restart finds no zero-filled tail
        }
        if (forces) {
            for (Segment segment : segments) {
                segment.force();
            }
            pendingChannel.force(false);
            LogFiles.forceDirectory(directory);
        }
    }

    // ------------------------------------------------------------------------------------------ checks

    private void checkWritable() {
        if (closed) {
            throw new IllegalStateException("the log in " + directory + " is closed");
        }
        if (failure == null && flusher != null && flusher.failure() != null) {
            Exception cause = flusher.failure();
            failure = new UncheckedIOException("background fsync of the log in " + directory + " failed: " + cause,
                    cause instanceof IOException io ? io : new IOException(cause));
        }
        if (failure != null) {
            throw new IllegalStateException("the log in " + directory + " failed earlier and takes no more writes: "
                    + failure.getMessage(), failure);
        }
    }

    private UncheckedIOException fail(String what, IOException e) {
        UncheckedIOException failed = new UncheckedIOException("cannot " + what + " the log in " + directory + ": "
                + e, e);
        failure = failed;
        return failed;
    }

    @Override
    public String toString() {
        return "FileLog[" + directory + ", node " + self + ", entries " + firstIndex() + ".." + lastIndex() + "]";
    }
}
