package io.nodesync.store;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Command;
import io.nodesync.protocol.Entry;
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

    private final HashMap<String, Versioned> data = new HashMap<>();
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
        Versioned incoming = new Versioned(command.value(), command.timestamp(), command.stamper());
        switch (command.kind()) {
            case PUT -> {
                write(command.key(), incoming);
                return null;
            }
            case DELETE -> {
                boolean existed = exists(data.get(command.key()));
                write(command.key(), incoming);
                return existed;
            }
            case CAS -> {
                Versioned current = data.get(command.key());
                String currentValue = exists(current) ? current.value() : null;
                if (!Objects.equals(currentValue, command.expected()) || !incoming.newerThan(current)) {
                    return false;
                }
                write(command.key(), incoming);
                return true;
            }
            case SET_MODE -> {
                if (incoming.newerThan(modeRegister)) {
                    modeRegister = incoming;
                }
                return null;
            }
            default -> throw new IllegalStateException("unknown command kind " + command.kind());
        }
    }

    private void write(String key, Versioned incoming) {
        Versioned current = data.get(key);
        if (!wins(incoming, current)) {
            return;
        }
        data.put(key, incoming);
        liveKeys += (exists(incoming) ? 1 : 0) - (exists(current) ? 1 : 0);
        if (incoming.isTombstone()) {
            tombstones.put(key, incoming.timestamp());
        } else if (current != null && current.isTombstone()) {
            tombstones.remove(key);
        }
    }

    private boolean wins(Versioned incoming, Versioned current) {
        if (tiePrefersSelf && current != null && incoming.timestamp() == current.timestamp()
                && !Objects.equals(incoming.stamper(), current.stamper())) {
            return self.equals(incoming.stamper());
        }
        return incoming.newerThan(current);
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

    private static boolean exists(Versioned version) {
        return version != null && !version.isTombstone();
    }

    /** The committed version of a key, tombstones included; {@code null} if never written. */
    public Versioned version(String key) {
        return data.get(key);
    }

    /** The committed value of a key, or {@code null} when absent or deleted. */
    public String get(String key) {
        Versioned version = data.get(key);
        return exists(version) ? version.value() : null;
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
     * <p>The image is copied now, on the caller's thread (a shallow copy: {@link Versioned} is immutable); the
     * returned writer serialises that copy and may run on any thread.
     */
    public Snapshot.Writer snapshotWriter() {
        long index = appliedIndex;
        long horizon = purgeHorizon;
        Versioned mode = modeRegister;
        HashMap<String, Versioned> dataCopy = new HashMap<>(data);
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
                writeVersioned(image, mode);
            }
            image.writeInt(dataCopy.size());
            for (Map.Entry<String, Versioned> entry : dataCopy.entrySet()) {
                writeString(image, entry.getKey());
                writeVersioned(image, entry.getValue());
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
            liveKeys = 0;
            appliedIndex = imageIndex;
            purgeHorizon = image.readLong();
            modeRegister = image.readBoolean() ? readVersioned(image) : null;
            int keys = image.readInt();
            for (int i = 0; i < keys; i++) {
                String key = readString(image);
                Versioned stored = readVersioned(image);
                data.put(key, stored);
                if (stored.isTombstone()) {
                    tombstones.put(key, stored.timestamp());
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
        for (Versioned version : data.values()) {
            latest = Math.max(latest, version.timestamp());
        }
        return latest;
    }

    private static void writeVersioned(DataOutputStream out, Versioned version) throws IOException {
        writeString(out, version.value());
        out.writeLong(version.timestamp());
        writeString(out, version.stamper() == null ? null : version.stamper().value());
    }

    private static Versioned readVersioned(DataInputStream in) throws IOException {
        String value = readString(in);
        long timestamp = in.readLong();
        String stamper = readString(in);
        return new Versioned(value, timestamp, stamper == null ? null : NodeId.of(stamper));
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

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < -1) {
            throw new IllegalStateException("corrupt snapshot: string length " + length);
        }
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
        data.forEach((key, version) -> {
            if (exists(version)) {
                copy.put(key, version.value());
            }
        });
        return copy;
    }
}
