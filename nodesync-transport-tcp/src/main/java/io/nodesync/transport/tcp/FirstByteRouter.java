package io.nodesync.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The first handler of every accepted connection: looks at the first byte without consuming it and rebuilds the
 * pipeline for the protocol it announces (see {@code CLIENT-PROTOCOL.md}): {@link WireCodec#MAGIC} for the peer
 * protocol, {@code '*'} for RESP2, anything else for the line dialect. Then it removes itself; Netty hands the
 * bytes it had buffered, first byte included, to the handlers that follow. A client dialect with no
 * {@link ClientDialect} installed gets a one-line error and is closed. One instance per connection.
 */
final class FirstByteRouter extends ByteToMessageDecoder {

    /** This handler's name in the pipeline. */
    static final String NAME = "router";
    /** Every RESP2 request is an array, and arrays start with this byte. */
    static final byte RESP_FIRST_BYTE = '*';

    static final String LINE_REFUSAL = "ERROR this port speaks only the peer protocol\n";
    static final String RESP_REFUSAL = "-ERR this port speaks only the peer protocol\r\n";

    private final TcpTransport transport;
    private boolean refused;

    FirstByteRouter(TcpTransport transport) {
        this.transport = transport;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (refused) {
            in.skipBytes(in.readableBytes()); // the connection is closing; ignore whatever else arrives
            return;
        }
        byte first = in.getByte(in.readerIndex());
        ChannelPipeline pipeline = ctx.pipeline();
        if (first == WireCodec.MAGIC) {
            pipeline.addAfter(NAME, PeerFrameDecoder.NAME, new PeerFrameDecoder(transport));
            pipeline.remove(this);
            return;
        }
        boolean resp = first == RESP_FIRST_BYTE;
        ClientDialect dialect = resp ? transport.respDialect() : transport.lineDialect();
        if (dialect == null) {
            refuse(ctx, in, resp ? RESP_REFUSAL : LINE_REFUSAL,
                    (resp ? "RESP" : "line-dialect") + " client, and no handler is installed for it");
            return;
        }
        try {
            dialect.install(pipeline);
        } catch (RuntimeException e) {
            transport.logDialectFailure(ctx.channel(), e);
            refuse(ctx, in, resp ? RESP_REFUSAL : LINE_REFUSAL, "the client dialect failed to install");
            return;
        }
        pipeline.remove(this);
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf in, String reply, String reason) {
        refused = true;
        in.skipBytes(in.readableBytes());
        transport.countRejected(ctx.channel(), reason);
        ctx.writeAndFlush(Unpooled.copiedBuffer(reply, StandardCharsets.US_ASCII))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** A connection that ends its input before saying anything gets nothing more: close it. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        super.userEventTriggered(ctx, event);
        if (event instanceof ChannelInputShutdownEvent) {
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        transport.connectionFailed(ctx, cause);
    }
}
