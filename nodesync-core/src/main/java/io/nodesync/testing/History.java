package io.nodesync.testing;

import io.nodesync.testing.Operation.Kind;
import io.nodesync.testing.Operation.Outcome;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;

/**
 * Records the operations clients run against a store, for {@link LinearizabilityChecker}: call
 * {@link #invoke} just before issuing an operation, then exactly one of {@link #ok}, {@link #okRead},
 * {@link #okCas}, {@link #fail} or {@link #unknown} when its outcome is known. An operation never completed counts
 * as {@link Outcome#UNKNOWN} (the client crashed or gave up: it may or may not have taken effect).
 *
 * <pre>{@code
 * History history = new History(System::nanoTime);
 * long h = history.invoke(client, "x", Kind.WRITE, "1", null);
 * try { store.put("x", "1"); history.ok(h); }
 * catch (QuorumNotReachedException e) { history.fail(h); }      // known not to have happened
 * catch (TimeoutException e) { history.unknown(h); }            // may have happened
 * CheckResult result = LinearizabilityChecker.check(history.operations());
 * }</pre>
 *
 * <p>Thread-safe and cheap, because a simulator records millions of operations: no lock per operation. Recording
 * is one atomic increment and two small allocations; a lock is taken only every {@value #CHUNK_SIZE} operations to
 * grow the storage. Any thread may complete any handle; completing a handle twice, or with the wrong method for its
 * kind, throws. The clock is read on the calling thread at invocation and at completion, so it must be safe to
 * call from every recording thread and monotonic across them.
 */
public final class History {

    private static final int CHUNK_BITS = 12;
    private static final int CHUNK_SIZE = 1 << CHUNK_BITS;
    private static final int CHUNK_MASK = CHUNK_SIZE - 1;

    private final LongSupplier clock;
    private final AtomicLong nextId = new AtomicLong();
    /** Chunks of invocations; replaced (copied, bigger) under {@link #growLock} only. */
    private volatile AtomicReferenceArray<AtomicReferenceArray<Invocation>> chunks = new AtomicReferenceArray<>(16);
    private final Object growLock = new Object();

    /** A recorder reading time from {@code clock} (any monotonic unit: nanoseconds, virtual ticks, ...). */
    public History(LongSupplier clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Records that {@code client} issues an operation and returns its handle (also its {@link Operation#id()}).
     *
     * @param value    {@code WRITE}: the value to write ({@code null} = delete); {@code CAS}: the new value;
     *                 {@code READ}: must be {@code null} (the value read is given to {@link #okRead})
     * @param expected {@code CAS}: the value to compare against ({@code null} = absent); otherwise {@code null}
     */
    public long invoke(int client, String key, Kind kind, String value, String expected) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.READ && value != null) {
            throw new IllegalArgumentException("a read is invoked without a value; give what it read to okRead");
        }
        if (kind != Kind.CAS && expected != null) {
            throw new IllegalArgumentException("only a CAS has an expected value, not a " + kind);
        }
        long id = nextId.getAndIncrement();
        Invocation invocation = new Invocation(id, client, key, kind, value, expected, clock.getAsLong());
        chunkFor(id).set((int) (id & CHUNK_MASK), invocation);
        return id;
    }

    /** A write completed: it took effect. */
    public void ok(long handle) {
        complete(handle, Kind.WRITE, new Completion(Outcome.OK, null, false, clock.getAsLong()));
    }

    /** A read completed and returned {@code valueOrNull} ({@code null} = the key was absent). */
    public void okRead(long handle, String valueOrNull) {
        complete(handle, Kind.READ, new Completion(Outcome.OK, valueOrNull, false, clock.getAsLong()));
    }

    /** A compare-and-set completed: it swapped, or found a different value and changed nothing. */
    public void okCas(long handle, boolean swapped) {
        complete(handle, Kind.CAS, new Completion(Outcome.OK, null, swapped, clock.getAsLong()));
    }

    /** The operation definitely had no effect (for instance rejected before it was sent). */
    public void fail(long handle) {
        complete(handle, null, new Completion(Outcome.FAIL, null, false, clock.getAsLong()));
    }

    /** The operation's outcome is not known: it may have taken effect at any point after its invocation, or never. */
    public void unknown(long handle) {
        complete(handle, null, Completion.UNKNOWN);
    }

    /** How many operations have been invoked so far. */
    public long size() {
        return nextId.get();
    }

    /**
     * A snapshot of every operation invoked so far, in invocation order (by id); those not completed yet are
     * {@link Outcome#UNKNOWN}. An invocation racing with this call may or may not be included.
     */
    public List<Operation> operations() {
        long count = nextId.get();
        List<Operation> snapshot = new ArrayList<>((int) Math.min(count, Integer.MAX_VALUE - 8));
        AtomicReferenceArray<AtomicReferenceArray<Invocation>> directory = chunks;
        for (long id = 0; id < count; id++) {
            int chunkIndex = (int) (id >>> CHUNK_BITS);
            AtomicReferenceArray<Invocation> chunk =
                    chunkIndex < directory.length() ? directory.get(chunkIndex) : null;
            Invocation invocation = chunk == null ? null : chunk.get((int) (id & CHUNK_MASK));
            if (invocation != null) {
                snapshot.add(invocation.toOperation());
            }
        }
        return snapshot;
    }

    private void complete(long handle, Kind requiredKind, Completion completion) {
        Invocation invocation = find(handle);
        if (requiredKind != null && invocation.kind != requiredKind) {
            throw new IllegalArgumentException("handle " + handle + " is a " + invocation.kind
                    + ", not a " + requiredKind + ": complete it with the matching method");
        }
        if (!Invocation.COMPLETION.compareAndSet(invocation, (Completion) null, completion)) {
            throw new IllegalStateException("operation " + handle + " was already completed: "
                    + invocation.toOperation());
        }
    }

    private Invocation find(long handle) {
        if (handle < 0 || handle >= nextId.get()) {
            throw new IllegalArgumentException("no operation with handle " + handle);
        }
        AtomicReferenceArray<AtomicReferenceArray<Invocation>> directory = chunks;
        int chunkIndex = (int) (handle >>> CHUNK_BITS);
        AtomicReferenceArray<Invocation> chunk = chunkIndex < directory.length() ? directory.get(chunkIndex) : null;
        Invocation invocation = chunk == null ? null : chunk.get((int) (handle & CHUNK_MASK));
        if (invocation == null) {
            // Only possible if the handle was guessed, or used before invoke() returned it.
            throw new IllegalArgumentException("operation " + handle + " is not recorded yet");
        }
        return invocation;
    }

    private AtomicReferenceArray<Invocation> chunkFor(long id) {
        int chunkIndex = Math.toIntExact(id >>> CHUNK_BITS);
        AtomicReferenceArray<AtomicReferenceArray<Invocation>> directory = chunks;
        if (chunkIndex < directory.length()) {
            AtomicReferenceArray<Invocation> chunk = directory.get(chunkIndex);
            if (chunk != null) {
                return chunk;
            }
        }
        // Once per chunk (and per racing thread): allocate it, growing the directory if needed.
        synchronized (growLock) {
            directory = chunks;
            if (chunkIndex >= directory.length()) {
                AtomicReferenceArray<AtomicReferenceArray<Invocation>> bigger =
                        new AtomicReferenceArray<>(Math.max(directory.length() * 2, chunkIndex + 1));
                for (int i = 0; i < directory.length(); i++) {
                    bigger.set(i, directory.get(i));
                }
                chunks = bigger;
                directory = bigger;
            }
            AtomicReferenceArray<Invocation> chunk = directory.get(chunkIndex);
            if (chunk == null) {
                chunk = new AtomicReferenceArray<>(CHUNK_SIZE);
                directory.set(chunkIndex, chunk);
            }
            return chunk;
        }
    }

    /** What is known when an operation is issued; the completion is published atomically, once. */
    private static final class Invocation {
        final long id;
        final int client;
        final String key;
        final Kind kind;
        final String argument;
        final String expected;
        final long invokedAt;
        /** Set once, by compare-and-set through {@link #COMPLETION}: one object less per operation than an atomic. */
        volatile Completion completion;

        static final VarHandle COMPLETION;

        static {
            try {
                COMPLETION = MethodHandles.lookup().findVarHandle(Invocation.class, "completion", Completion.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        Invocation(long id, int client, String key, Kind kind, String argument, String expected, long invokedAt) {
            this.id = id;
            this.client = client;
            this.key = key;
            this.kind = kind;
            this.argument = argument;
            this.expected = expected;
            this.invokedAt = invokedAt;
        }

        Operation toOperation() {
            Completion done = completion;
            if (done == null) {
                done = Completion.UNKNOWN;
            }
            String value = kind == Kind.READ ? done.readValue : argument;
            // A completion's clock reading may come from another thread; never let it precede the invocation.
            long completedAt = done.outcome == Outcome.UNKNOWN ? Long.MAX_VALUE : Math.max(done.at, invokedAt);
            return new Operation(id, client, key, kind, value, expected, done.swapped, invokedAt, completedAt,
                    done.outcome);
        }
    }

    private record Completion(Outcome outcome, String readValue, boolean swapped, long at) {
        static final Completion UNKNOWN = new Completion(Outcome.UNKNOWN, null, false, Long.MAX_VALUE);
    }
}
