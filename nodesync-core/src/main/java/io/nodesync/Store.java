package io.nodesync;

import io.nodesync.runtime.Blocking;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The replicated map an application uses: string keys to string values, shared by every node of the cluster.
 *
 * <p><b>Consistency.</b> Each call without a {@link ConsistencyPolicy} uses the cluster's current policy
 * ({@link #consistency()}); the overloads that take one use it for that call only. {@code compareAndSet} is always
 * linearizable. See {@link ConsistencyPolicy} for what each policy promises.
 *
 * <p><b>Threading.</b> Every method is thread-safe and non-blocking except the blocking ones, which wait at most
 * the node's request timeout plus a small margin. Futures complete on the node's callback thread, never on its node
 * loop, so a callback may call back into the store; the one exception is a request made on the thread that runs the
 * node's loop (its transport's event loop, for a node on a transport that hosts it), whose future completes on that
 * same thread after the loop's turn. A blocking call on that thread throws {@link IllegalStateException}. Failures arrive as {@link QuorumNotReachedException},
 * {@link NodeClosedException} or {@link LimitExceededException}; bad arguments ({@code null} or empty keys,
 * {@code null} values) throw at once.
 *
 * <p><b>Limits.</b> Keys and values over the configured sizes ({@link Limits}) fail with
 * {@link LimitExceededException} before anything is replicated.
 */
public interface Store {

    /** Reads a key with the cluster's current policy. Completes with empty when the key is absent. */
    CompletableFuture<Optional<String>> getAsync(String key);

    /** Reads a key with the given policy. */
    CompletableFuture<Optional<String>> getAsync(String key, ConsistencyPolicy policy);

    /** Writes a key with the cluster's current policy. */
    CompletableFuture<Void> putAsync(String key, String value);

    /** Writes a key with the given policy. */
    CompletableFuture<Void> putAsync(String key, String value, ConsistencyPolicy policy);

    /**
     * Deletes a key with the cluster's current policy. Completes with whether the key existed: at the moment the
     * delete was applied (strong), or in the contacted node's view (eventual).
     */
    CompletableFuture<Boolean> deleteAsync(String key);

    /** Deletes a key with the given policy. */
    CompletableFuture<Boolean> deleteAsync(String key, ConsistencyPolicy policy);

    /**
     * Sets {@code key} to {@code newValue} if and only if its committed value is {@code expected} ({@code null}:
     * the key is absent), linearizably whatever the policy. Completes with whether it swapped.
     */
    CompletableFuture<Boolean> compareAndSetAsync(String key, String expected, String newValue);

    /** The cluster-wide policy as this node sees it now (its own latest switch counts at once). */
    ConsistencyPolicy consistency();

    /**
     * Switches the cluster-wide policy. Takes effect at once on this node and spreads to every other node the way an
     * eventual write does, so it works during a partition and all nodes converge on the latest switch.
     */
    CompletableFuture<Void> setConsistencyAsync(ConsistencyPolicy policy);

    /** Blocking {@link #getAsync(String)}. */
    default Optional<String> get(String key) {
        return Blocking.await(getAsync(key));
    }

    /** Blocking {@link #getAsync(String, ConsistencyPolicy)}. */
    default Optional<String> get(String key, ConsistencyPolicy policy) {
        return Blocking.await(getAsync(key, policy));
    }

    /** Blocking {@link #putAsync(String, String)}. */
    default void put(String key, String value) {
        Blocking.await(putAsync(key, value));
    }

    /** Blocking {@link #putAsync(String, String, ConsistencyPolicy)}. */
    default void put(String key, String value, ConsistencyPolicy policy) {
        Blocking.await(putAsync(key, value, policy));
    }

    /** Blocking {@link #deleteAsync(String)}. */
    default boolean delete(String key) {
        return Blocking.await(deleteAsync(key));
    }

    /** Blocking {@link #deleteAsync(String, ConsistencyPolicy)}. */
    default boolean delete(String key, ConsistencyPolicy policy) {
        return Blocking.await(deleteAsync(key, policy));
    }

    /** Blocking {@link #compareAndSetAsync(String, String, String)}. */
    default boolean compareAndSet(String key, String expected, String newValue) {
        return Blocking.await(compareAndSetAsync(key, expected, newValue));
    }

    /** Blocking {@link #setConsistencyAsync(ConsistencyPolicy)}. */
    default void setConsistency(ConsistencyPolicy policy) {
        Blocking.await(setConsistencyAsync(policy));
    }
}
