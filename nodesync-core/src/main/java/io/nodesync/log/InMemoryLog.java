package io.nodesync.log;

import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Entry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.lang.ref.SoftReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;

/**
 * A {@link Log} kept in memory. It survives its node being closed and restarted within the same JVM (the in-process
 * cluster hands a restarted node the same instance), which models a disk; it does not survive the JVM.
 *
 * <p>It also remembers what was {@linkplain #sync() synced}, so a simulated crash can {@linkplain #loseUnsynced()
 * drop exactly the unsynced suffix} as a power cut would. Snapshots are taken synchronously by default (the
 * simulation stays deterministic), or on a thread of their own ({@link #withBackgroundSnapshots()}); either way they
 * become durable at a sync, like everything else. A snapshot's bytes are kept in chunks of 1 MiB, so that a large one
 * needs neither one huge array nor a doubling copy of it.
 */
public final class InMemoryLog extends RetainedEntriesLog {

    /** The size of each chunk of a snapshot's bytes but the last. */
    static final int CHUNK_BYTES = 1 << 20;

    private ArrayList<Entry> entries = new ArrayList<>();
    private TermAndVote termAndVote = new TermAndVote(0, null);
    private Snapshot snapshot;
    private long entryBytes;
    private final LinkedHashMap<PendingKey, ClientCommand> pending = new LinkedHashMap<>();

    // What a crash would leave: the synced state.
    private ArrayList<Entry> syncedEntries = new ArrayList<>();
    private TermAndVote syncedTermAndVote = termAndVote;
    private long rejoinTerm = NOT_REJOINING;
    private long syncedRejoinTerm = NOT_REJOINING;
    private Snapshot syncedSnapshot;
    private final LinkedHashMap<PendingKey, ClientCommand> syncedPending = new LinkedHashMap<>();
    /** Pending-write changes since the last sync (a value of {@code null} settles), so a sync costs what changed. */
    private final LinkedHashMap<PendingKey, ClientCommand> pendingChanges = new LinkedHashMap<>();
    private boolean dirty;
    /** How many leading entries are unchanged since the last sync (truncation and compaction lower it). */
    private int unchangedPrefix;

    private java.util.function.Consumer<List<Entry>> compactionListener = entries -> { };

    private final boolean backgroundSnapshots;
    /** Owner's thread only: a background snapshot is being written. */
    private boolean snapshotRunning;
    private volatile Snapshot finishedSnapshot;
    private volatile Throwable snapshotFailure;

    /**
     * A log that takes snapshots synchronously, on the caller's thread: deterministic, as the simulation and the
     * in-process cluster for tests need.
     */
    public InMemoryLog() {
        this(false);
    }

    private InMemoryLog(boolean backgroundSnapshots) {
        this.backgroundSnapshots = backgroundSnapshots;
    }

    /**
     * A log that serialises snapshots on a thread of their own and switches to each at the next {@link #sync()} after
     * it is complete, so that a node holding a large map does not stall while it is written (the default of a node
     * built without a log or a data directory).
     */
    public static InMemoryLog withBackgroundSnapshots() {
        return new InMemoryLog(true);
    }

    private long stagedIndex = -1;
    private long stagedTerm;
    private Chunks staged;

    private record PendingKey(long session, long seq) {
        static PendingKey of(ClientCommand command) {
            return new PendingKey(command.session(), command.seq());
        }
    }

    /** A snapshot's bytes: every chunk {@link #CHUNK_BYTES} long but the last, which is shorter or absent. */
    private record MemorySnapshot(long index, long term, byte[][] chunks, long size) implements Snapshot {

        MemorySnapshot(long index, long term, Chunks bytes) {
            this(index, term, bytes.finish(), bytes.size());
        }

        @Override
        public byte[] read(long offset, int maxBytes) {
            if (offset < 0 || maxBytes < 0) {
                throw new IllegalArgumentException("read of " + maxBytes + " bytes at " + offset);
            }
            long from = Math.min(offset, size);
            byte[] read = new byte[(int) Math.min(size - from, maxBytes)];
            int done = 0;
            while (done < read.length) {
                long at = from + done;
                byte[] chunk = chunks[(int) (at / CHUNK_BYTES)];
                int within = (int) (at % CHUNK_BYTES);
                int length = Math.min(read.length - done, chunk.length - within);
                System.arraycopy(chunk, within, read, done, length);
                done += length;
            }
            return read;
        }

        @Override
        public InputStream open() {
            List<InputStream> streams = new ArrayList<>(chunks.length);
            for (byte[] chunk : chunks) {
                streams.add(new ByteArrayInputStream(chunk));
            }
            return new SequenceInputStream(Collections.enumeration(streams));
        }
    }

    /**
     * A snapshot this log took. It keeps the state machine's writer, an immutable image that shares the map's
     * per-key arrays, rather than its bytes: a second copy of a large map in the heap (the bytes) was the largest
     * cost of an in-memory node. The bytes are made when first read (a follower needs the snapshot, or a restart
     * restores it) and held softly: the collector may drop them, and the next read makes them again from the image.
     */
    private static final class WrittenSnapshot implements Snapshot {
        private final long index;
        private final long term;
        private final long size;
        private final Snapshot.Writer writer;
        private SoftReference<MemorySnapshot> bytes = new SoftReference<>(null);

        WrittenSnapshot(long index, long term, Snapshot.Writer writer) {
            this.index = index;
            this.term = term;
            this.writer = writer;
            CountingStream counter = new CountingStream();
            try {
                writer.writeTo(counter);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.size = counter.count;
        }

        @Override
        public long index() {
            return index;
        }

        @Override
        public long term() {
            return term;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public synchronized byte[] read(long offset, int maxBytes) {
            return bytes().read(offset, maxBytes);
        }

        @Override
        public synchronized InputStream open() {
            return bytes().open();
        }

        private MemorySnapshot bytes() {
            MemorySnapshot made = bytes.get();
            if (made == null) {
                made = new MemorySnapshot(index, term, serialise(writer));
                if (made.size() != size) {
                    throw new IllegalStateException("the snapshot writer wrote " + size + " bytes, then "
                            + made.size() + ": an image must write the same bytes each time");
                }
                bytes = new SoftReference<>(made);
            }
            return made;
        }
    }

    /** Counts what is written to it, keeping nothing. */
    private static final class CountingStream extends OutputStream {
        private long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }

    /**
     * Collects bytes in chunks of {@link #CHUNK_BYTES}. Only the first grows (by doubling, from small, as
     * small snapshots are common); later ones are allocated full size, so nothing large is ever copied.
     */
    private static final class Chunks extends OutputStream {
        private final ArrayList<byte[]> full = new ArrayList<>();
        private byte[] current = new byte[256];
        private int used;
        private long size;

        @Override
        public void write(int b) {
            room();
            current[used++] = (byte) b;
            size++;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            Objects.checkFromIndexSize(offset, length, bytes.length);
            while (length > 0) {
                room();
                int n = Math.min(length, current.length - used);
                System.arraycopy(bytes, offset, current, used, n);
                used += n;
                offset += n;
                length -= n;
                size += n;
            }
        }

        /** Makes room for at least one more byte. */
        private void room() {
            if (used < current.length) {
                return;
            }
            if (current.length < CHUNK_BYTES) {
                current = Arrays.copyOf(current, Math.min(CHUNK_BYTES, current.length * 2));
            } else {
                full.add(current);
                current = new byte[CHUNK_BYTES];
                used = 0;
            }
        }

        long size() {
            return size;
        }

        /** The chunks, the last trimmed to its bytes; no more may be written. */
        byte[][] finish() {
            if (used > 0) {
                full.add(used == current.length ? current : Arrays.copyOf(current, used));
            }
            current = null;
            return full.toArray(new byte[0][]);
        }
    }

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
        long bytes = 0;
        int end = from;
        while (end < to) {
            bytes += approximateSize(entries.get(end));
            end++;
            if (bytes >= maxBytes) {
                break;
            }
        }
        return Collections.unmodifiableList(new ArrayList<>(entries.subList(from, end)));
    }

    private void recountEntryBytes() {
        entryBytes = 0;
        for (Entry entry : entries) {
            entryBytes += approximateSize(entry);
        }
    }

    /** A rough size of an entry's payload, used only to bound message sizes and decide on snapshots. */
    public static long approximateSize(Entry entry) {
        if (entry.command() instanceof ClientCommand command) {
            return 48 + length(command.key()) + length(command.value()) + length(command.expected());
        }
        return 24;
    }

    private static int length(String text) {
        return text == null ? 0 : text.length();
    }

    @Override
    public void append(List<Entry> newEntries) {
        for (Entry entry : newEntries) {
            if (entry.index() != lastIndex() + 1) {
                throw new IllegalStateException("append of index " + entry.index() + " after last index "
                        + lastIndex());
            }
            entries.add(entry);
            entryBytes += approximateSize(entry);
        }
        dirty |= !newEntries.isEmpty();
    }

    @Override
    public void truncateFrom(long index) {
        if (index <= snapshotIndex()) {
            throw new IllegalArgumentException("cannot truncate from index " + index + ", at or below the snapshot ("
                    + snapshotIndex() + ")");
        }
        if (index <= lastIndex()) {
            List<Entry> removed = entries.subList(position(index), entries.size());
            for (Entry entry : removed) {
                entryBytes -= approximateSize(entry);
            }
            removed.clear();
            unchangedPrefix = Math.min(unchangedPrefix, entries.size());
            dirty = true;
        }
    }

    @Override
    public long entryBytes() {
        return entryBytes;
    }

    @Override
    public TermAndVote termAndVote() {
        return termAndVote;
    }

    @Override
    public void saveTermAndVote(long term, NodeId votedFor) {
        termAndVote = new TermAndVote(term, votedFor);
        dirty = true;
    }

    @Override
    public long rejoinTerm() {
        return rejoinTerm;
    }

    @Override
    public void saveRejoinTerm(long term) {
        rejoinTerm = term;
        dirty = true;
    }

    /** A log of a node whose disk was lost: empty, and marked so that the node catches up before it votes again. */
    public static InMemoryLog afterDiskLoss() {
        InMemoryLog log = new InMemoryLog();
        log.saveRejoinTerm(REJOIN_TERM_UNKNOWN);
        log.sync();
        return log;
    }

    // ------------------------------------------------------------------------------------------ snapshots

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    @Override
    public boolean takeSnapshot(long index, long term, Snapshot.Writer writer) {
        adoptBackgroundSnapshot();
        if (index <= snapshotIndex()) {
            return true; // nothing new to cover
        }
        if (index > lastIndex() || term(index) != term) {
            throw new IllegalArgumentException("snapshot at " + index + "/" + term + " does not match the log");
        }
        if (backgroundSnapshots) {
            if (snapshotRunning) {
                return false;
            }
            snapshotRunning = true;
            Thread thread = new Thread(() -> {
                try {
                    finishedSnapshot = new WrittenSnapshot(index, term, writer);
                } catch (RuntimeException | Error e) {
                    snapshotFailure = e;
                }
            }, "nodesync-snapshot");
            thread.setDaemon(true); // nothing to lose if the JVM ends first: the log is in memory anyway
            thread.start();
            return true;
        }
        compact(new WrittenSnapshot(index, term, writer));
        return true;
    }

    private static Chunks serialise(Snapshot.Writer writer) {
        Chunks out = new Chunks();
        try {
            writer.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private void compact(Snapshot taken) {
        compactionListener.accept(Collections.unmodifiableList(new ArrayList<>(
                entries.subList(0, position(taken.index()) + 1))));
        compactTo(taken, true);
    }

    /** Switches to a snapshot written in the background, on the owner's thread (at sync or the next snapshot). */
    private void adoptBackgroundSnapshot() {
        if (!snapshotRunning) {
            return;
        }
        Throwable failure = snapshotFailure;
        if (failure != null) {
            snapshotFailure = null;
            snapshotRunning = false;
            throw new IllegalStateException("writing a snapshot failed: " + failure, failure);
        }
        Snapshot done = finishedSnapshot;
        if (done == null) {
            return;
        }
        finishedSnapshot = null;
        snapshotRunning = false;
        // An installed snapshot may have overtaken it meanwhile; then it covers nothing new.
        if (done.index() > snapshotIndex() && done.index() <= lastIndex() && term(done.index()) == done.term()) {
            compact(done);
        }
    }

    /**
     * Has {@code listener} called with the entries each {@linkplain #takeSnapshot snapshot} discards, just before it
     * does: checkers (the simulation's) see every committed entry even when it is compacted in the turn it committed.
     */
    public void onCompaction(java.util.function.Consumer<List<Entry>> listener) {
        compactionListener = java.util.Objects.requireNonNull(listener, "listener");
    }

    /** Makes {@code newSnapshot} the log's start, keeping the entries after it if {@code keepSuffix}. */
    private void compactTo(Snapshot newSnapshot, boolean keepSuffix) {
        ArrayList<Entry> kept = new ArrayList<>();
        if (keepSuffix) {
            kept.addAll(entries.subList((int) Math.min(entries.size(), newSnapshot.index() - snapshotIndex()),
                    entries.size()));
        }
        snapshot = newSnapshot;
        entries = kept;
        recountEntryBytes();
        unchangedPrefix = 0; // positions shifted: the next sync copies the whole (compacted) log
        dirty = true;
    }

    @Override
    public void stageSnapshotChunk(long index, long term, long offset, byte[] data) {
        if (offset == 0) {
            stagedIndex = index;
            stagedTerm = term;
            staged = new Chunks();
        } else if (stagedSnapshotBytes(index, term) != offset) {
            throw new IllegalStateException("snapshot chunk " + index + "/" + term + "@" + offset
                    + " does not continue the staged one (" + stagedSnapshotBytes(index, term) + " bytes)");
        }
        staged.write(data, 0, data.length);
    }

    @Override
    public long stagedSnapshotBytes(long index, long term) {
        return staged != null && stagedIndex == index && stagedTerm == term ? staged.size() : 0;
    }

    @Override
    public Snapshot installStagedSnapshot(long index, long term) {
        if (staged == null || stagedIndex != index || stagedTerm != term) {
            throw new IllegalStateException("no snapshot " + index + "/" + term + " staged");
        }
        boolean keepSuffix = index >= snapshotIndex() && index <= lastIndex() && term(index) == term;
        MemorySnapshot installed = new MemorySnapshot(index, term, staged);
        staged = null;
        stagedIndex = -1;
        compactTo(installed, keepSuffix);
        return installed;
    }

    // ------------------------------------------------------------------------------------------ pending writes

    @Override
    public void savePendingWrite(ClientCommand command) {
        PendingKey key = PendingKey.of(command);
        pending.put(key, command);
        pendingChanges.put(key, command);
        dirty = true;
    }

    @Override
    public void settlePendingWrite(ClientCommand command) {
        PendingKey key = PendingKey.of(command);
        if (pending.remove(key) != null) {
            if (syncedPending.containsKey(key)) {
                pendingChanges.put(key, null);
            } else {
                pendingChanges.remove(key);
            }
            dirty = true;
        }
    }

    @Override
    public List<ClientCommand> pendingWrites() {
        return List.copyOf(pending.values());
    }

    // ------------------------------------------------------------------------------------------ durability

    /** False: a sync here only moves a marker. */
    @Override
    public boolean syncWaitsForDevice() {
        return false;
    }

    @Override
    public void sync() {
        adoptBackgroundSnapshot();
        if (!dirty) {
            return;
        }
        if (syncedSnapshot != snapshot) {
            syncedEntries = new ArrayList<>(entries);
        } else {
            // Copy only what changed since the last sync: entries are immutable, so sharing them is safe.
            int common = Math.min(unchangedPrefix, syncedEntries.size());
            syncedEntries.subList(common, syncedEntries.size()).clear();
            syncedEntries.addAll(entries.subList(common, entries.size()));
        }
        syncedSnapshot = snapshot;
        syncedTermAndVote = termAndVote;
        syncedRejoinTerm = rejoinTerm;
        pendingChanges.forEach((key, command) -> {
            if (command == null) {
                syncedPending.remove(key);
            } else {
                syncedPending.put(key, command);
            }
        });
        pendingChanges.clear();
        unchangedPrefix = entries.size();
        dirty = false;
    }

    /** Drops everything written since the last {@link #sync()}, as a crash of the machine would. */
    public void loseUnsynced() {
        entries = new ArrayList<>(syncedEntries);
        snapshot = syncedSnapshot;
        termAndVote = syncedTermAndVote;
        rejoinTerm = syncedRejoinTerm;
        pending.clear();
        pending.putAll(syncedPending);
        pendingChanges.clear();
        staged = null;
        stagedIndex = -1;
        recountEntryBytes();
        unchangedPrefix = entries.size();
        dirty = false;
    }

}
