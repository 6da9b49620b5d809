package io.nodesync.store;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Command;
import io.nodesync.protocol.Entry;
import io.nodesync.protocol.Stamps;
import io.nodesync.log.Snapshot;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The replicated map: applies committed entries in log order, identically on every node.
 *
 * <p>Every write is last-writer-wins by its {@code (timestamp, stamper)}: a write older than what the key holds is a
 * no-op, so re-applying or reordering eventual writes cannot change the outcome. Deletes leave tombstones, so a
 * delayed older write cannot resurrect a deleted key. Strong commands ({@code eventual == false}) take effect at
 * most once per {@code (origin, session, seq)}. Compare-and-set compares against the committed value.
 *
 * <p>Each key's version is kept packed in one array (see {@code PackedVersion}), the value as UTF-8: a map of a
 * million keys costs about 220 bytes a key instead of 270. Reads decode the value again.
 *
 * <p>Pure and single-threaded: owned by one node loop.
 */
public final class KvStateMachine {

    /** What {@link #apply} returns for a strong command already applied once: its caller was answered already. */
    public static final Object DUPLICATE = new Object() {
        @Override
        public String toString() {
            return "DUPLICATE";
        }
    };

    /**
     * How far behind its newest strong sequence number an origin may still re-send a command and rely on it being
     * applied at most once.
     */
    public static final long RETRY_WINDOW = AppliedWindow.WIDTH / 2;

    /** How many client sessions are remembered for exactly-once; the least recently used is forgotten first. */
    static final int MAX_SESSIONS = 1024;

    private record SessionKey(NodeId origin, long session) {
    }

    /** Each key's {@link PackedVersion}, tombstones included. */
    private final HashMap<String, byte[]> data = new HashMap<>();
    private final StamperCodes stampers = new StamperCodes();
    private final LinkedHashMap<SessionKey, AppliedWindow> sessions = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<SessionKey, AppliedWindow> eldest) {
            return size() > MAX_SESSIONS;
        }
    };
    private final NodeId self;
    private final boolean tiePrefersSelf;
    private Versioned modeRegister;
    private long appliedIndex;
    private int liveKeys;
    /** Tombstoned keys, so that collecting them costs the number of tombstones, not the size of the map. */
    private final LinkedHashMap<String, Long> tombstones = new LinkedHashMap<>();
    private long purgeHorizon;

    /** A state machine whose last-writer-wins order is the same on every node, as it must be. */
    public KvStateMachine() {
        this(null, false);
    }

    /**
     * A state machine for node {@code self}; {@code tiePrefersSelf} plants the bug where equal timestamps go to
     * this node's own writes (for tests of the checkers only).
     */
    public KvStateMachine(NodeId self, boolean tiePrefersSelf) {
        this.self = self;
        this.tiePrefersSelf = tiePrefersSelf;
    }

    /**
     * Applies the next committed entry.
     *
     * @return the command's result: {@code null} for put and mode switch, a {@link Boolean} for delete (whether the
     *     key existed) and compare-and-set (whether it swapped), {@link #DUPLICATE} for a strong command applied
     *     before, {@code null} for a no-op entry
     */
    public Object apply(Entry entry) {
        if (entry.index() != appliedIndex + 1) {
            throw new IllegalStateException("applying index " + entry.index() + " after " + appliedIndex);
        }
        appliedIndex = entry.index();
        Command command = entry.command();
        if (command instanceof ClientCommand client) {
            return applyClient(client);
        }
        if (command instanceof Command.PurgeTombstones purge) {
            purgeTombstones(purge.horizon());
        }
        return null;
    }

    private Object applyClient(ClientCommand command) {
        if (!command.eventual()) {
            AppliedWindow window = sessions.computeIfAbsent(new SessionKey(command.origin(), command.session()),
                    key -> new AppliedWindow());
            if (window.contains(command.seq())) {
                return DUPLICATE;
            }
            window.add(command.seq());
        }
        if (command.eventual() && command.timestamp() < purgeHorizon) {
            // Older than collected tombstones: a late duplicate of a write applied before the purge (see
            // PurgeTombstones), which must not resurrect a key whose delete was collected.
            return command.kind() == ClientCommand.Kind.DELETE ? Boolean.FALSE : null;
        }
        String key = command.key();
        switch (command.kind()) {
            case PUT -> {
                write(key, data.get(key), command);
                return null;
            }
            case DELETE -> {
                byte[] current = data.get(key);
                write(key, current, command);
                return exists(current);
            }
            case CAS -> {
                byte[] current = data.get(key);
                boolean matches = exists(current) ? PackedVersion.valueEquals(current, command.expected())
                        : command.expected() == null;
                if (!matches || !newer(command.timestamp(), command.stamper(), current)) {
                    return false;
                }
                write(key, current, command);
                return true;
            }
            case SET_MODE -> {
                Versioned incoming = new Versioned(command.value(), command.timestamp(), command.stamper());
                if (incoming.newerThan(modeRegister)) {
                    modeRegister = incoming;
                }
                return null;
            }
            default -> throw new IllegalStateException("unknown command kind " + command.kind());
        }
    }

    /** Stores the command's value (a tombstone when it has none) over {@code current} if it wins. */
    private void write(String key, byte[] current, ClientCommand command) {
        long timestamp = command.timestamp();
        if (!wins(timestamp, command.stamper(), current)) {
            return;
        }
        // The one copy of the value: encoded straight into the record, and only once it is known to win.
        byte[] incoming = PackedVersion.of(command.value(), timestamp, stampers.codeOf(command.stamper()));
        data.put(key, incoming);
        boolean tombstone = PackedVersion.isTombstone(incoming);
        liveKeys += (tombstone ? 0 : 1) - (exists(current) ? 1 : 0);
        if (tombstone) {
            tombstones.put(key, timestamp);
        } else if (current != null && PackedVersion.isTombstone(current)) {
            tombstones.remove(key);
        }
    }

    private boolean wins(long timestamp, NodeId stamper, byte[] current) {
        if (tiePrefersSelf && current != null && timestamp == PackedVersion.timestamp(current)
                && !Objects.equals(stamper, stamperOf(current))) {
            return self.equals(stamper);
        }
        return newer(timestamp, stamper, current);
    }

    /** Whether the stamp {@code (timestamp, stamper)} wins over {@code current} ({@code null} counts as the oldest). */
    private boolean newer(long timestamp, NodeId stamper, byte[] current) {
        return current == null
                || Stamps.compare(timestamp, stamper, PackedVersion.timestamp(current), stamperOf(current)) > 0;
    }

    private NodeId stamperOf(byte[] record) {
        return stampers.idOf(PackedVersion.stamperCode(record));
    }

    private void purgeTombstones(long horizon) {
        if (horizon <= purgeHorizon) {
            return;
        }
        purgeHorizon = horizon;
        tombstones.entrySet().removeIf(tombstone -> {
            if (tombstone.getValue() < horizon) {
                data.remove(tombstone.getKey());
                return true;
            }
            return false;
        });
    }

    /** How many deleted keys still hold a tombstone. */
    public int tombstoneCount() {
        return tombstones.size();
    }

    /** Eventual writes stamped before this are duplicates and ignored; tombstones before it are collected. */
    public long purgeHorizon() {
        return purgeHorizon;
    }

    private static boolean exists(byte[] record) {
        return record != null && !PackedVersion.isTombstone(record);
    }

    /** The committed version of a key, tombstones included; {@code null} if never written. A new object each call. */
    public Versioned version(String key) {
        byte[] record = data.get(key);
        return record == null ? null
                : new Versioned(PackedVersion.value(record), PackedVersion.timestamp(record), stamperOf(record));
    }

    /** The committed value of a key, or {@code null} when absent or deleted. */
    public String get(String key) {
        byte[] record = data.get(key);
        return exists(record) ? PackedVersion.value(record) : null;
    }

    /** The committed consistency register, or {@code null} if no switch was ever committed. */
    public Versioned modeRegister() {
        return modeRegister;
    }

    /** The committed cluster mode, or {@code fallback} if no switch was ever committed. */
    public ConsistencyPolicy mode(ConsistencyPolicy fallback) {
        return modeRegister == null ? fallback : ConsistencyPolicy.parse(modeRegister.value());
    }

    /** The index of the last entry applied. */
    public long appliedIndex() {
        return appliedIndex;
    }

    /** How many keys hold a value (tombstones excluded). */
    public int size() {
        return liveKeys;
    }

    // ------------------------------------------------------------------------------------------ snapshots

    private static final int SNAPSHOT_MAGIC = 0x4E534B56; // "NSKV"
    private static final int SNAPSHOT_VERSION = 1;

    /**
     * An image of everything the applied entries did, to be written as a snapshot: values and tombstones, the mode
     * register, the tombstone horizon, and each session's applied sequence numbers (in least-recently-used order, so
     * a restored machine forgets the same session next as the original would: exactly-once must not diverge).
     *
     * <p>The image is copied now, on the caller's thread: the keys and their records (shared, as records are never
     * modified), about 8 bytes a key; the returned writer serialises that copy and may run on any thread.
     */
    public Snapshot.Writer snapshotWriter() {
        long index = appliedIndex;
        long horizon = purgeHorizon;
        Versioned mode = modeRegister;
        int count = data.size();
        String[] keys = new String[count];
        byte[][] records = new byte[count][];
        int at = 0;
        for (Map.Entry<String, byte[]> entry : data.entrySet()) {
            keys[at] = entry.getKey();
            records[at++] = entry.getValue();
        }
        byte[][] stamperNames = stampers.utf8Names();
        List<Map.Entry<SessionKey, AppliedWindow>> sessionsCopy = new ArrayList<>(sessions.size());
        for (Map.Entry<SessionKey, AppliedWindow> session : sessions.entrySet()) {
            sessionsCopy.add(Map.entry(session.getKey(), session.getValue().copy()));
        }
        return out -> {
            DataOutputStream image = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
            image.writeInt(SNAPSHOT_MAGIC);
            image.writeInt(SNAPSHOT_VERSION);
            image.writeLong(index);
            image.writeLong(horizon);
            image.writeBoolean(mode != null);
            if (mode != null) {
                writeString(image, mode.value());
                image.writeLong(mode.timestamp());
                writeString(image, mode.stamper() == null ? null : mode.stamper().value());
            }
            image.writeInt(count);
            for (int i = 0; i < count; i++) {
                writeString(image, keys[i]);
                writeRecord(image, records[i], stamperNames);
            }
            image.writeInt(sessionsCopy.size());
            for (Map.Entry<SessionKey, AppliedWindow> session : sessionsCopy) {
                writeString(image, session.getKey().origin().value());
                image.writeLong(session.getKey().session());
                image.writeLong(session.getValue().floor());
                long[] applied = session.getValue().appliedAboveFloor();
                image.writeInt(applied.length);
                for (long seq : applied) {
                    image.writeLong(seq);
                }
            }
            image.flush();
        };
    }

    /**
     * Replaces this machine's whole state with the snapshot's, which must cover entry {@code index} (a follower that
     * received the leader's snapshot, or a node restarting from its own).
     *
     * @throws IllegalStateException if the bytes are not a snapshot of this format, or of another index
     * @throws UncheckedIOException if they cannot be read
     */
    public void restore(long index, InputStream in) {
        try {
            DataInputStream image = new DataInputStream(new BufferedInputStream(in, 1 << 16));
            if (image.readInt() != SNAPSHOT_MAGIC) {
                throw new IllegalStateException("not a state machine snapshot");
            }
            int version = image.readInt();
            if (version != SNAPSHOT_VERSION) {
                throw new IllegalStateException("state machine snapshot version " + version + " is not supported");
            }
            long imageIndex = image.readLong();
            if (imageIndex != index) {
                throw new IllegalStateException("snapshot of index " + index + " holds the state of " + imageIndex);
            }
            data.clear();
            tombstones.clear();
            sessions.clear();
            stampers.clear();
            liveKeys = 0;
            appliedIndex = imageIndex;
            purgeHorizon = image.readLong();
            if (image.readBoolean()) {
                String value = readString(image);
                long timestamp = image.readLong();
                modeRegister = new Versioned(value, timestamp, readStamper(image));
            } else {
                modeRegister = null;
            }
            int keys = image.readInt();
            for (int i = 0; i < keys; i++) {
                String key = readString(image);
                byte[] stored = readRecord(image);
                data.put(key, stored);
                if (PackedVersion.isTombstone(stored)) {
                    tombstones.put(key, PackedVersion.timestamp(stored));
                } else {
                    liveKeys++;
                }
            }
            int sessionCount = image.readInt();
            for (int i = 0; i < sessionCount; i++) {
                SessionKey key = new SessionKey(NodeId.of(readString(image)), image.readLong());
                long floor = image.readLong();
                long[] applied = new long[image.readInt()];
                for (int j = 0; j < applied.length; j++) {
                    applied[j] = image.readLong();
                }
                sessions.put(key, AppliedWindow.restore(floor, applied));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the snapshot of index " + index, e);
        }
    }

    /** The latest stamp of any committed value, tombstone or mode switch; 0 when there is none. */
    public long latestTimestamp() {
        long latest = modeRegister == null ? 0 : modeRegister.timestamp();
        for (byte[] record : data.values()) {
            latest = Math.max(latest, PackedVersion.timestamp(record));
        }
        return latest;
    }

    // A version is written as (value, timestamp, stamper), each string as its UTF-8 length (-1: null) and bytes.
    // Records hold the value's UTF-8 already, so it is copied out and in as it is.

    private static void writeRecord(DataOutputStream out, byte[] record, byte[][] stamperNames) throws IOException {
        if (PackedVersion.isTombstone(record)) {
            out.writeInt(-1);
        } else {
            out.writeInt(PackedVersion.valueLength(record));
            out.write(record, PackedVersion.HEADER, PackedVersion.valueLength(record));
        }
        out.writeLong(PackedVersion.timestamp(record));
        byte[] stamper = stamperNames[PackedVersion.stamperCode(record)];
        if (stamper == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(stamper.length);
            out.write(stamper);
        }
    }

    private byte[] readRecord(DataInputStream in) throws IOException {
        byte[] record = PackedVersion.read(in, readLength(in));
        long timestamp = in.readLong();
        return PackedVersion.stamp(record, timestamp, stampers.codeOf(readStamper(in)));
    }

    private static NodeId readStamper(DataInputStream in) throws IOException {
        String stamper = readString(in);
        return stamper == null ? null : NodeId.of(stamper);
    }

    private static void writeString(DataOutputStream out, String text) throws IOException {
        if (text == null) {
            out.writeInt(-1);
            return;
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static int readLength(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < -1) {
            throw new IllegalStateException("corrupt snapshot: string length " + length);
        }
        return length;
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = readLength(in);
        if (length == -1) {
            return null;
        }
        byte[] bytes = in.readNBytes(length);
        if (bytes.length != length) {
            throw new java.io.EOFException("snapshot ends inside a string");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A copy of the live contents (no tombstones), for tests and convergence checks. */
    public Map<String, String> snapshot() {
        Map<String, String> copy = new HashMap<>();
        data.forEach((key, record) -> {
            if (exists(record)) {
                copy.put(key, PackedVersion.value(record));
            }
        });
        return copy;
    }
}
