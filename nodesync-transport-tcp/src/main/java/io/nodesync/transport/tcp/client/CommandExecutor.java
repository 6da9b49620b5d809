package io.nodesync.transport.tcp.client;

import io.nodesync.LimitExceededException;
import io.nodesync.Node;
import io.nodesync.NodeClosedException;
import io.nodesync.QuorumNotReachedException;
import io.nodesync.Store;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs client {@link Request}s against a node through its asynchronous {@link Store} and turns the outcome into a
 * {@link Reply}. Never blocks: every store call returns a future, and the reply completes when it does (on the
 * node's callback thread, or at once). The returned future never fails: every failure becomes an error reply, so a
 * connection cannot be broken by what the node reports. Thread-safe (it holds only the node).
 */
final class CommandExecutor {

    private static final Logger log = LoggerFactory.getLogger(CommandExecutor.class);

    private final Node node;

    CommandExecutor(Node node) {
        this.node = Objects.requireNonNull(node, "node");
    }

    /** Starts the request; the future completes with its reply, never exceptionally. */
    CompletableFuture<Reply> execute(Request request) {
        CompletableFuture<Reply> reply;
        try {
            reply = start(request, node.store());
        } catch (RuntimeException e) {
            // The store refuses some arguments by throwing on the caller's thread (an empty key, say).
            return CompletableFuture.completedFuture(failure(e));
        }
        return reply.exceptionally(CommandExecutor::failure);
    }

    private CompletableFuture<Reply> start(Request request, Store store) {
        if (request instanceof Request.Answered answered) {
            return CompletableFuture.completedFuture(answered.reply());
        } else if (request instanceof Request.Get get) {
            return store.getAsync(get.key()).thenApply(value -> value.<Reply>map(Reply.Value::new)
                    .orElse(Reply.NOT_FOUND));
        } else if (request instanceof Request.Set set) {
            return store.putAsync(set.key(), set.value()).thenApply(done -> Reply.OK);
        } else if (request instanceof Request.Delete delete) {
            return deleteAll(store, delete.keys());
        } else if (request instanceof Request.CompareAndSet cas) {
            return store.compareAndSetAsync(cas.key(), cas.expected(), cas.newValue()).thenApply(Reply.Swapped::new);
        } else if (request instanceof Request.Ping ping) {
            return CompletableFuture.completedFuture(new Reply.Pong(ping.message()));
        } else if (request instanceof Request.GetConsistency) {
            return CompletableFuture.completedFuture(new Reply.Consistency(store.consistency()));
        } else if (request instanceof Request.SetConsistency switchTo) {
            return store.setConsistencyAsync(switchTo.policy()).thenApply(done -> Reply.OK);
        } else if (request instanceof Request.Status) {
            return CompletableFuture.completedFuture(new Reply.Status(node.status().toLine()));
        }
        throw new IllegalStateException("no handling for " + request.getClass().getSimpleName());
    }

    /**
     * Several keys are deleted independently, as Redis Cluster does across slots: the reply counts those that
     * existed, or reports the first failure (the other deletes may still have taken effect).
     */
    private static CompletableFuture<Reply> deleteAll(Store store, List<String> keys) {
        if (keys.size() == 1) {
            return store.deleteAsync(keys.get(0)).thenApply(existed -> new Reply.Deleted(existed ? 1 : 0));
        }
        List<CompletableFuture<Boolean>> deletes = keys.stream().map(store::deleteAsync).toList();
        return CompletableFuture.allOf(deletes.toArray(CompletableFuture<?>[]::new))
                .thenApply(done -> new Reply.Deleted(deletes.stream().filter(CompletableFuture::join).count()));
    }

    /** Maps what went wrong to the reply the protocol defines for it; unexpected failures say little and log. */
    static Reply failure(Throwable thrown) {
        Throwable cause = unwrap(thrown);
        if (cause instanceof QuorumNotReachedException) {
            return Reply.QUORUM_NOT_REACHED; // also OutcomeUnknownException: the client must treat it as "maybe"
        }
        if (cause instanceof LimitExceededException) {
            return Reply.error(cause.getMessage());
        }
        if (cause instanceof NodeClosedException) {
            return Reply.error("node closed");
        }
        if (cause instanceof IllegalArgumentException && cause.getMessage() != null) {
            return Reply.error(cause.getMessage());
        }
        log.warn("A client command failed unexpectedly", cause);
        return Reply.error("internal error (" + cause.getClass().getSimpleName() + ")");
    }

    private static Throwable unwrap(Throwable thrown) {
        Throwable cause = thrown;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
