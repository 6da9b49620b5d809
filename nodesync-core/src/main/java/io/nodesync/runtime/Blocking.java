package io.nodesync.runtime;

import io.nodesync.NodeClosedException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Turns the store's futures into blocking calls that rethrow NodeSync's own exceptions unwrapped. Public only for
 * {@link io.nodesync.Store}'s default methods; not an API of its own.
 */
public final class Blocking {

    /**
     * A safety net only: every future the node hands out is completed by the node itself (result, timeout or close)
     * well within this bound, so hitting it means the node is wedged.
     */
    public static final Duration MAX_WAIT = Duration.ofMinutes(5);

    private Blocking() {
    }

    /**
     * Waits for {@code future} and returns its result, or throws its failure unwrapped.
     *
     * @throws NodeClosedException if interrupted, or if the node did not answer within {@link #MAX_WAIT}
     */
    public static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(MAX_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                runtime.addSuppressed(new Exception("awaited here"));
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeClosedException("interrupted while waiting for the node", e);
        } catch (TimeoutException e) {
            throw new NodeClosedException("the node did not answer within " + MAX_WAIT + "; its loop is wedged", e);
        }
    }
}
