package io.nodesync.store;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Command;
import io.nodesync.protocol.Entry;
import java.util.HashMap;
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
