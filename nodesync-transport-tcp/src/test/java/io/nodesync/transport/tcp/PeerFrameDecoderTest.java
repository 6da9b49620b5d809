package io.nodesync.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.nodesync.NodeId;
import io.nodesync.protocol.Message;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The peer decoder on an embedded channel, whose {@code close()} runs {@code channelInactive} at once, inside the
 * decoder's own call: refusing a connection must not touch the input buffer after closing, since closing may
 * release it. Found by fuzzing ({@code PeerDecoderFuzzTest}).
 */
class PeerFrameDecoderTest {

    private static final NodeId SELF = NodeId.of("self");

    private static TcpTransport transport;
    private static final TcpTesting.Inbox INBOX = new TcpTesting.Inbox();
    private EmbeddedChannel channel;

    @BeforeAll
    static void bindTransport() throws Exception {
        transport = TcpTesting.transport(SELF).bind();
        transport.start(SELF, INBOX);
    }

    @AfterAll
    static void closeTransport() {
        transport.close();
    }

    @AfterEach
    void closeChannel() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private EmbeddedChannel connection() {
        channel = new EmbeddedChannel(new PeerFrameDecoder(transport));
        return channel;
    }

    private static ByteBuf bytes(byte[]... parts) {
        ByteBuf buffer = Unpooled.buffer();
        for (byte[] part : parts) {
            buffer.writeBytes(part);
        }
        return buffer;
    }

    private static byte[] frame(Message message) throws WireFormatException {
        ByteBuffer frame = transport.codec().encodeFrame(message);
        byte[] bytes = new byte[frame.remaining()];
        frame.get(bytes);
        return bytes;
    }

    @Test
    void aStreamEndingInsideItsHandshakeIsRefusedOnceWithoutAnException() {
        long refusedBefore = transport.counters().rejectedConnections();
        connection().writeInbound(bytes(new byte[] {WireCodec.MAGIC, WireCodec.VERSION, 0, 4, '5', '0', '0', '1', 0}));
        assertThat(channel.isOpen()).isTrue();

        channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);

        channel.checkException();
        assertThat(channel.isOpen()).isFalse();
        assertThat(transport.counters().rejectedConnections() - refusedBefore).isEqualTo(1);
    }

    @Test
    void aMalformedFrameClosesTheConnectionWithoutAnExceptionAfterTheFramesBeforeIt() throws Exception {
        long refusedBefore = transport.counters().rejectedConnections();
        Message ping = new Message.Ping(1, 2);
        connection().writeInbound(bytes(WireCodec.encodeHandshake(NodeId.of("peer"), SELF), frame(ping),
                new byte[] {0, 0, 0, 0}));

        channel.checkException();
        assertThat(INBOX.contains(NodeId.of("peer"), ping)).isTrue();
        assertThat(channel.isOpen()).isFalse();
        assertThat(transport.counters().rejectedConnections() - refusedBefore).isEqualTo(1);
    }
}
