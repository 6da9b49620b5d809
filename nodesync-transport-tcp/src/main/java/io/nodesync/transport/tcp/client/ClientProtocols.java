package io.nodesync.transport.tcp.client;

import io.netty.channel.ChannelPipeline;
import io.nodesync.Node;
import java.util.Objects;

/**
 * Plugs the client dialects of {@code CLIENT-PROTOCOL.md} into a connection's Netty pipeline: what a node port's
 * first-byte router calls once it has decided which protocol a new connection speaks.
 *
 * <p>The router looks at the connection's first byte without consuming it: {@link #RESP_FIRST_BYTE} ({@code *})
 * means RESP2, the peer magic byte means the peer protocol, anything else the line dialect. For a client it calls
 * {@link #installLine} or {@link #installResp} on the connection's event loop, then removes its own handler; the
 * bytes it has buffered, first byte included, must then reach the handler installed here (a Netty
 * {@code ByteToMessageDecoder} that removes itself hands its buffered bytes on to the next handler by itself):
 *
 * <pre>{@code
 * protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
 *     byte first = in.getByte(in.readerIndex());             // peek, do not read
 *     if (first == PEER_MAGIC) {
 *         ...                                                // the peer protocol
 *     } else if (first == ClientProtocols.RESP_FIRST_BYTE) {
 *         ClientProtocols.installResp(ctx.pipeline(), node, limits);
 *     } else {
 *         ClientProtocols.installLine(ctx.pipeline(), node, limits);
 *     }
 *     ctx.pipeline().remove(this);                           // buffered bytes flow on to the dialect
 * }
 * }</pre>
 *
 * <p>Each call adds one handler, under {@link #LINE_HANDLER} or {@link #RESP_HANDLER}, at the end of the pipeline.
 * It reads {@code ByteBuf}s, writes {@code ByteBuf}s, answers every framing and command error itself, closes the
 * connection when its stream can no longer be trusted, and never blocks the event loop (commands run through the
 * node's asynchronous store). Handlers before it (an idle timeout, TLS, ...) are left alone; one that times out idle
 * connections will also close quiet interactive sessions such as redis-cli's. The node must be built before the
 * first client connection is routed; a router created before its node (the transport is a node's constructor
 * argument) holds the node in a reference set right after it is built. Thread-safe: call it from any connection's
 * event loop.
 */
public final class ClientProtocols {

    /** The first byte of every RESP2 request: an array. */
    public static final byte RESP_FIRST_BYTE = '*';
    /** The name of the line dialect's handler in the pipeline. */
    public static final String LINE_HANDLER = "nodesync-line-client";
    /** The name of the RESP dialect's handler in the pipeline. */
    public static final String RESP_HANDLER = "nodesync-resp-client";

    private ClientProtocols() {
    }

    /** Makes this connection speak the line dialect against {@code node}. */
    public static void installLine(ChannelPipeline pipeline, Node node, ClientLimits limits) {
        Objects.requireNonNull(limits, "limits");
        pipeline.addLast(LINE_HANDLER, new LineConnection(new CommandExecutor(node), limits));
    }

    /** Makes this connection speak RESP2 against {@code node}. */
    public static void installResp(ChannelPipeline pipeline, Node node, ClientLimits limits) {
        Objects.requireNonNull(limits, "limits");
        pipeline.addLast(RESP_HANDLER, new RespConnection(new CommandExecutor(node), new RespCommands(node), limits));
    }
}
