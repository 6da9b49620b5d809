package io.nodesync.transport.tcp.client;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.NodeListener;
import io.nodesync.NodeStatus;
import io.nodesync.Role;
import io.nodesync.Store;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A node whose store completes nothing by itself: every call is recorded with its future, and the test decides when
 * and how each completes. This is what lets a test complete replies out of order, or hold them, deterministically.
 */
final class ScriptedNode implements Node, Store {

    /** One store call: the operation, its arguments and the future the caller holds. */
    record Call(String op, String key, String value, CompletableFuture<Object> future) {
        @SuppressWarnings("unchecked")
        <T> void complete(T result) {
            ((CompletableFuture<T>) (CompletableFuture<?>) future).complete(result);
        }

        void fail(Throwable error) {
            future.completeExceptionally(error);
        }
    }

    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private volatile ConsistencyPolicy consistency = ConsistencyPolicy.STRONG;

    List<Call> calls() {
        return calls;
    }

    Call call(int index) {
        return calls.get(index);
    }

    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> record(String op, String key, String value) {
        CompletableFuture<Object> future = new CompletableFuture<>();
        calls.add(new Call(op, key, value, future));
        return (CompletableFuture<T>) (CompletableFuture<?>) future;
    }

    // ---------------------------------------------------------------------------------------------- Node

    @Override
    public NodeId id() {
        return NodeId.of("scripted");
    }

    @Override
    public Node start() {
        return this;
    }

    @Override
    public Store store() {
        return this;
    }

    @Override
    public NodeStatus status() {
        return new NodeStatus(id(), Role.FOLLOWER, 3, NodeId.of("2"), 10, 9, 11, 0, consistency,
                Map.of(NodeId.of("2"), NodeStatus.PeerState.UP), 0, 0, false);
    }

    @Override
    public boolean isRunning() {
        return true;
    }

    @Override
    public void addListener(NodeListener listener) {
    }

    @Override
    public void removeListener(NodeListener listener) {
    }

    @Override
    public void close() {
    }

    // ---------------------------------------------------------------------------------------------- Store

    @Override
    public CompletableFuture<Optional<String>> getAsync(String key) {
        return record("get", key, null);
    }

    @Override
    public CompletableFuture<Optional<String>> getAsync(String key, ConsistencyPolicy policy) {
        return record("get", key, null);
    }

    @Override
    public CompletableFuture<Void> putAsync(String key, String value) {
        return record("put", key, value);
    }

    @Override
    public CompletableFuture<Void> putAsync(String key, String value, ConsistencyPolicy policy) {
        return record("put", key, value);
    }

    @Override
    public CompletableFuture<Boolean> deleteAsync(String key) {
        return record("delete", key, null);
    }

    @Override
    public CompletableFuture<Boolean> deleteAsync(String key, ConsistencyPolicy policy) {
        return record("delete", key, null);
    }

    @Override
    public CompletableFuture<Boolean> compareAndSetAsync(String key, String expected, String newValue) {
        return record("cas", key, expected + "->" + newValue);
    }

    @Override
    public ConsistencyPolicy consistency() {
        return consistency;
    }

    @Override
    public CompletableFuture<Void> setConsistencyAsync(ConsistencyPolicy policy) {
        consistency = policy;
        return record("consistency", null, policy.wireName());
    }
}
