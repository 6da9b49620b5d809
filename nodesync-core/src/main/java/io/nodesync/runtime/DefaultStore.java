package io.nodesync.runtime;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.LimitExceededException;
import io.nodesync.Limits;
import io.nodesync.Store;
import io.nodesync.consensus.ClientRequest;
import io.nodesync.consensus.ClientRequest.Op;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** The {@link Store} facade: checks arguments on the caller's thread, then hands requests to the node loop. */
final class DefaultStore implements Store {

    /** Blocking calls waiting right now, in every node of the JVM: they share its CPUs. */
    private static final AtomicInteger BLOCKED_CALLS = new AtomicInteger();

    private final NodeLoop loop;
    private final Limits limits;
    private final long spinNanos;
    private final AtomicLong requestIds = new AtomicLong();

    DefaultStore(NodeLoop loop, Limits limits, Duration blockingCallSpin) {
        this.loop = loop;
        this.limits = limits;
        this.spinNanos = blockingCallSpin.toNanos();
    }

    @Override
    public CompletableFuture<Optional<String>> getAsync(String key) {
        return getAsync(key, null, false);
    }

    @Override
    public CompletableFuture<Optional<String>> getAsync(String key, ConsistencyPolicy policy) {
        return getAsync(key, policy, true);
    }

    @SuppressWarnings("unchecked")
    private CompletableFuture<Optional<String>> getAsync(String key, ConsistencyPolicy policy, boolean explicit) {
        requirePolicy(policy, explicit);
        String problem = checkKey(key);
        return (CompletableFuture<Optional<String>>) (CompletableFuture<?>) submit(Op.GET, key, null, null, policy,
                problem, false);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Optional<String> get(String key) {
        String problem = checkKey(key);
        return (Optional<String>) awaitBlocking(submit(Op.GET, key, null, null, null, problem, true));
    }

    @Override
    @SuppressWarnings("unchecked")
    public Optional<String> get(String key, ConsistencyPolicy policy) {
        requirePolicy(policy, true);
        String problem = checkKey(key);
        return (Optional<String>) awaitBlocking(submit(Op.GET, key, null, null, policy, problem, true));
    }

    @Override
    public CompletableFuture<Void> putAsync(String key, String value) {
        return putAsync(key, value, null, false);
    }

    @Override
    public CompletableFuture<Void> putAsync(String key, String value, ConsistencyPolicy policy) {
        return putAsync(key, value, policy, true);
    }

    @SuppressWarnings("unchecked")
    private CompletableFuture<Void> putAsync(String key, String value, ConsistencyPolicy policy, boolean explicit) {
        requirePolicy(policy, explicit);
        String problem = firstProblem(checkKey(key), checkValue(value, "value"));
        return (CompletableFuture<Void>) (CompletableFuture<?>) submit(Op.PUT, key, value, null, policy, problem,
                false);
    }

    @Override
    public void put(String key, String value) {
        String problem = firstProblem(checkKey(key), checkValue(value, "value"));
        awaitBlocking(submit(Op.PUT, key, value, null, null, problem, true));
    }

    @Override
    public void put(String key, String value, ConsistencyPolicy policy) {
        requirePolicy(policy, true);
        String problem = firstProblem(checkKey(key), checkValue(value, "value"));
        awaitBlocking(submit(Op.PUT, key, value, null, policy, problem, true));
    }

    @Override
    public CompletableFuture<Boolean> deleteAsync(String key) {
        return deleteAsync(key, null, false);
    }

    @Override
    public CompletableFuture<Boolean> deleteAsync(String key, ConsistencyPolicy policy) {
        return deleteAsync(key, policy, true);
    }

    @SuppressWarnings("unchecked")
    private CompletableFuture<Boolean> deleteAsync(String key, ConsistencyPolicy policy, boolean explicit) {
        requirePolicy(policy, explicit);
        String problem = checkKey(key);
        return (CompletableFuture<Boolean>) (CompletableFuture<?>) submit(Op.DELETE, key, null, null, policy,
                problem, false);
    }

    @Override
    public boolean delete(String key) {
        return (Boolean) awaitBlocking(submit(Op.DELETE, key, null, null, null, checkKey(key), true));
    }

    @Override
    public boolean delete(String key, ConsistencyPolicy policy) {
        requirePolicy(policy, true);
        return (Boolean) awaitBlocking(submit(Op.DELETE, key, null, null, policy, checkKey(key), true));
    }

    @Override
    @SuppressWarnings("unchecked")
    public CompletableFuture<Boolean> compareAndSetAsync(String key, String expected, String newValue) {
        String problem = firstProblem(checkKey(key), expected == null ? null : checkValue(expected, "expected"),
                checkValue(newValue, "new value"));
        return (CompletableFuture<Boolean>) (CompletableFuture<?>) submit(Op.CAS, key, newValue, expected,
                ConsistencyPolicy.STRONG, problem, false);
    }

    @Override
    public boolean compareAndSet(String key, String expected, String newValue) {
        String problem = firstProblem(checkKey(key), expected == null ? null : checkValue(expected, "expected"),
                checkValue(newValue, "new value"));
        return (Boolean) awaitBlocking(submit(Op.CAS, key, newValue, expected, ConsistencyPolicy.STRONG, problem,
                true));
    }

    @Override
    public ConsistencyPolicy consistency() {
        return loop.status().consistency();
    }

    @Override
    public void setConsistency(ConsistencyPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        awaitBlocking(submit(Op.SET_MODE, null, policy.wireName(), null, null, null, true));
    }

    @Override
    @SuppressWarnings("unchecked")
    public CompletableFuture<Void> setConsistencyAsync(ConsistencyPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        return (CompletableFuture<Void>) (CompletableFuture<?>) submit(Op.SET_MODE, null, policy.wireName(), null,
                null, null, false);
    }

    /**
     * Hands a request to the loop. A blocking call's future never leaves this class, so nothing but the waiting
     * caller depends on it: the loop completes it itself ({@link LoopCompleted}), which saves the hop through the
     * callback thread. Futures returned to the application are completed on the callback thread, so that its
     * callbacks never run on the loop, except those asked for on the loop's own thread (see {@link NodeLoop}).
     * Every blocking method of {@link Store} is overridden here, so that none can wait on the loop's own thread.
     */
    private CompletableFuture<Object> submit(Op op, String key, String value, String expected,
            ConsistencyPolicy policy, String limitProblem, boolean blocking) {
        if (blocking && loop.onLoopThread()) {
            // The transport's event loop runs the node's turns too: waiting there would wait for itself.
            throw new IllegalStateException("a blocking Store call on the thread that runs node " + loop.id()
                    + "'s loop (its transport's event loop) would never return; use the async methods there");
        }
        CompletableFuture<Object> future = blocking ? new LoopCompleted() : new CompletableFuture<>();
        if (limitProblem != null) {
            future.completeExceptionally(new LimitExceededException(limitProblem));
            return future;
        }
        loop.submit(new ClientRequest(requestIds.incrementAndGet(), op, key, value, expected, policy), future);
        return future;
    }

    /** A future only a blocked caller waits on: safe to complete on the node loop. */
    static final class LoopCompleted extends CompletableFuture<Object> {
    }

    /**
     * Waits for a blocking call's future: busy for up to the configured spin, then parked. Only the one blocking call
     * waiting in the JVM spins, so that with many blocked threads none burns a CPU the nodes need.
     */
    private Object awaitBlocking(CompletableFuture<Object> future) {
        int waiting = BLOCKED_CALLS.incrementAndGet();
        try {
            if (waiting == 1 && spinNanos > 0) {
                long deadline = System.nanoTime() + spinNanos;
                while (!future.isDone() && System.nanoTime() - deadline < 0 && BLOCKED_CALLS.get() == 1) {
                    Thread.onSpinWait();
                }
            }
            return Blocking.await(future);
        } finally {
            BLOCKED_CALLS.decrementAndGet();
        }
    }

    private static void requirePolicy(ConsistencyPolicy policy, boolean explicit) {
        if (explicit) {
            Objects.requireNonNull(policy, "policy");
        }
    }

    /** Null and empty keys are programming errors and throw; an oversized key is a limit and fails the future. */
    private String checkKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key must not be empty");
        }
        int bytes = utf8Length(key);
        return bytes > limits.maxKeyBytes()
                ? "key of " + bytes + " bytes exceeds the limit of " + limits.maxKeyBytes() + " bytes" : null;
    }

    private String checkValue(String value, String what) {
        Objects.requireNonNull(value, what);
        int bytes = utf8Length(value);
        return bytes > limits.maxValueBytes()
                ? what + " of " + bytes + " bytes exceeds the limit of " + limits.maxValueBytes() + " bytes" : null;
    }

    private static String firstProblem(String... problems) {
        for (String problem : problems) {
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    /** The UTF-8 length of a string, without encoding it. */
    static int utf8Length(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
