package io.nodesync.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.nodesync.NodeId;
import io.nodesync.protocol.Message;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Reads an inbound peer connection: first the handshake (which names the sender), then frames, each delivered to the
 * transport's inbound handler with that sender. Any malformed input, an unsupported version or a handshake meant for
 * another node closes this connection only, with the reason logged. One instance per connection, used on its event
 * loop thread only.
 */
final class PeerFrameDecoder extends ByteToMessageDecoder {

    /** This handler's name in the pipeline. */
    static final String NAME = "peer";

    private final TcpTransport transport;
    private final WireCodec codec;
    private NodeId sender;
    private boolean failed;

    PeerFrameDecoder(TcpTransport transport) {
        this.transport = transport;
        this.codec = transport.codec();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes()); // closing: nothing more from this connection is trusted
            return;
        }
        // A view of the readable bytes (the cumulation is one buffer, so no copy); its position is what we consumed.
        ByteBuffer view = in.nioBuffer(in.readerIndex(), in.readableBytes());
        try {
            if (sender == null) {
                WireCodec.Handshake handshake = WireCodec.decodeHandshake(view);
                if (handshake == null) {
                    return;
                }
                if (!handshake.receiver().equals(transport.self())) {
                    throw new WireFormatException("peer " + handshake.sender() + " meant to reach node "
                            + handshake.receiver() + ", but this is node " + transport.self()
                            + "; check that peer's address list");
                }
                sender = handshake.sender();
                transport.peerConnected(ctx.channel(), sender);
            }
            Message message;
            while ((message = codec.decodeFrame(view)) != null) {
                transport.deliver(sender, message);
            }
        } catch (WireFormatException e) {
            failed = true;
            view.position(view.limit());
            transport.rejectConnection(ctx.channel(), sender, e.getMessage());
        } finally {
            in.skipBytes(view.position());
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        super.decodeLast(ctx, in, out);
        if (in.isReadable() && !failed) {
            failed = true;
            int leftOver = in.readableBytes();
            // Consumed before closing: a channel may release the buffer inside close() (an EmbeddedChannel does).
            in.skipBytes(leftOver);
            transport.rejectConnection(ctx.channel(), sender, "connection ended inside a "
                    + (sender == null ? "handshake" : "frame") + " (" + leftOver + " bytes left over)");
        }
    }

    /** A peer that ends its side of the connection is gone: close ours (connections are allowed to half-close). */
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
