package io.nodesync.transport.tcp.client;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Decides when a connection's next command may start, so that pipelining keeps the order a client can observe
 * while commands on different keys still run concurrently.
 *
 * <p>The store promises nothing about two requests in flight at once: a strong {@code GET} started while the
 * {@code SET} of the same key before it is still being replicated may be served first and miss it. A Redis client
 * pipelining {@code SET k v; GET k} expects {@code v}. So a command waits for the connection's earlier commands on
 * any of its keys, and a command that {@link Request#waitsForAll() waits for all} (the consistency switch, status)
 * waits for every earlier command and holds back every later one. Commands on other keys overlap, which is what
 * makes a pipeline fast: the node batches them into one log append.
 *
 * <p>One per connection, used on its event loop only. A command whose predecessors are still running starts on the
 * thread that completes the last of them (the node's callback thread), which the store allows.
 */
final class ExecutionOrder {

    private static final int MIN_PURGE_THRESHOLD = 1024;

    /** The latest command started per key; entries whose command is done are purged now and then. */
    private final Map<String, CompletableFuture<Reply>> latestByKey = new HashMap<>();
    private int purgeAt = MIN_PURGE_THRESHOLD;
    /** The latest command that waits for all, until it is done. */
    private CompletableFuture<Reply> latestBarrier;

    /**
     * Starts {@code request} with {@code execute} once the commands it must follow are done.
     *
     * @param earlier the replies of this connection's commands not yet answered (all earlier commands still running
     *     are among them)
     * @return its reply, which never fails
     */
    CompletableFuture<Reply> start(Request request, Function<Request, CompletableFuture<Reply>> execute,
            Iterable<CompletableFuture<Reply>> earlier) {
        List<CompletableFuture<Reply>> predecessors = new ArrayList<>();
        if (latestBarrier != null && !latestBarrier.isDone()) {
            predecessors.add(latestBarrier);
        }
        if (request.waitsForAll()) {
            for (CompletableFuture<Reply> reply : earlier) {
                if (!reply.isDone()) {
                    predecessors.add(reply);
                }
            }
        } else {
            for (String key : request.keys()) {
                CompletableFuture<Reply> previous = latestByKey.get(key);
                if (previous != null && !previous.isDone()) {
                    predecessors.add(previous);
                }
            }
        }
        CompletableFuture<Reply> reply = predecessors.isEmpty() ? execute.apply(request)
                : CompletableFuture.allOf(predecessors.toArray(CompletableFuture<?>[]::new))
                        .thenCompose(done -> execute.apply(request));
        if (request.waitsForAll()) {
            latestBarrier = reply;
        }
        for (String key : request.keys()) {
            latestByKey.put(key, reply);
        }
        purgeFinished();
        return reply;
    }

    /** Forgets keys whose latest command is done; amortised, as the threshold doubles with what stays. */
    private void purgeFinished() {
        if (latestByKey.size() < purgeAt) {
            return;
        }
        latestByKey.values().removeIf(CompletableFuture::isDone);
        purgeAt = Math.max(MIN_PURGE_THRESHOLD, 2 * latestByKey.size());
    }
}
