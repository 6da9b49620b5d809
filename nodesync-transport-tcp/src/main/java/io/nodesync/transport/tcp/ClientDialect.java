package io.nodesync.transport.tcp;

import io.netty.channel.ChannelPipeline;

/**
 * Plugs a client protocol (the line dialect or RESP2, see {@code CLIENT-PROTOCOL.md}) into the node's one port.
 *
 * <p>The transport reads the first byte of every accepted connection: its own {@link WireCodec#MAGIC magic byte}
 * starts the peer protocol, {@code '*'} selects the dialect given to {@link TcpTransport.Builder#respDialect}, and
 * anything else the one given to {@link TcpTransport.Builder#lineDialect}. It then calls {@link #install} once, on
 * the connection's event loop thread, and removes its own routing handler; every byte received so far, the first one
 * included, then flows to the handlers the dialect added, and so does everything after.
 *
 * <p>At that point the pipeline holds one handler of the transport's, named {@link #IDLE_HANDLER}: a read timeout
 * that closes the connection when the client sends nothing for the transport's idle timeout. A dialect that wants
 * another policy (say, redis-cli sessions left open for hours) removes or replaces it. The dialect's handlers must
 * not block the event loop (hand slow work to a {@code CompletableFuture} and write the reply when it completes) and
 * should handle {@code exceptionCaught} themselves (log and close).
 *
 * <pre>{@code
 * TcpTransport transport = TcpTransport.builder(NodeId.of("5000"))
 *         .listen(new InetSocketAddress("0.0.0.0", 5000))
 *         .peers(peerAddresses)
 *         .lineDialect(pipeline -> pipeline.addLast(
 *                 new LineBasedFrameDecoder(64 * 1024),
 *                 new LineCommandHandler(storeHolder)))
 *         .bind();
 * }</pre>
 *
 * <p>Implementations are called concurrently from several event loop threads, so they must be thread-safe; a
 * stateless lambda that creates fresh handlers per call is the usual shape.
 */
@FunctionalInterface
public interface ClientDialect {

    /** The name of the transport's idle-timeout handler, still in the pipeline when {@link #install} runs. */
    String IDLE_HANDLER = "idle";

    /** Adds this dialect's handlers to the end of a new client connection's pipeline. */
    void install(ChannelPipeline pipeline);
}
