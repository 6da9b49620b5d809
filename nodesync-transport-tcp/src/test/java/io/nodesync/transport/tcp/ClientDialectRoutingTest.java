package io.nodesync.transport.tcp;

import static io.nodesync.transport.tcp.TcpTesting.LOOPBACK;
import static io.nodesync.transport.tcp.TcpTesting.eventually;
import static io.nodesync.transport.tcp.TcpTesting.readUntilClosedByServer;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.nodesync.NodeId;
import io.nodesync.protocol.Message;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** One port, three protocols: the first byte of a connection picks the peer protocol, RESP or the line dialect. */
class ClientDialectRoutingTest {

    private static final NodeId NODE = NodeId.of("node");
    private static final NodeId PEER = NodeId.of("peer");

    /** A stand-in dialect: answers every line with a prefix and the line, so a test sees exactly what arrived. */
    private static final class EchoLines extends SimpleChannelInboundHandler<String> {
        private final String prefix;

        EchoLines(String prefix) {
            this.prefix = prefix;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, String line) {
            ctx.writeAndFlush(Unpooled.copiedBuffer(prefix + line + "\n", StandardCharsets.UTF_8));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static ClientDialect echo(String prefix, List<List<String>> pipelinesSeen) {
        return pipeline -> {
            pipelinesSeen.add(pipeline.names());
            pipeline.addLast(new LineBasedFrameDecoder(1024), new StringDecoder(StandardCharsets.UTF_8),
                    new EchoLines(prefix));
        };
    }

    private static String exchange(Socket socket, String request) throws IOException {
        socket.setSoTimeout((int) TcpTesting.WAIT.toMillis());
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    @Test
    void withoutDialectsClientsGetAOneLineRefusalAndAreClosed() throws Exception {
        try (TcpTransport node = TcpTesting.transport(NODE).bind()) {
            node.start(NODE, (from, message) -> { });
            int port = node.localAddress().getPort();

            try (Socket human = new Socket(LOOPBACK, port)) {
                human.getOutputStream().write("PING\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(readUntilClosedByServer(human), StandardCharsets.US_ASCII))
                        .isEqualTo("ERROR this port speaks only the peer protocol\n");
            }
            try (Socket redis = new Socket(LOOPBACK, port)) {
                redis.getOutputStream().write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(readUntilClosedByServer(redis), StandardCharsets.US_ASCII))
                        .isEqualTo("-ERR this port speaks only the peer protocol\r\n");
            }
            eventually().until(() -> node.counters().rejectedConnections() == 2);
        }
    }

    @Test
    void eachDialectGetsItsConnectionsWithTheFirstByteAndPeersShareThePort() throws Exception {
        List<List<String>> pipelinesSeen = new CopyOnWriteArrayList<>();
        TcpTesting.Inbox inbox = new TcpTesting.Inbox();
        try (TcpTransport node = TcpTesting.transport(NODE)
                .lineDialect(echo("line:", pipelinesSeen))
                .respDialect(echo("resp:", pipelinesSeen))
                .bind();
                TcpTransport peer = TcpTesting.transport(PEER).bind()) {
            node.start(NODE, inbox);
            peer.start(PEER, (from, message) -> { });
            peer.setPeerAddress(NODE, node.localAddress());
            int port = node.localAddress().getPort();

            try (Socket human = new Socket(LOOPBACK, port); Socket redis = new Socket(LOOPBACK, port)) {
                assertThat(exchange(human, "SET k hello world\n")).isEqualTo("line:SET k hello world");
                assertThat(exchange(redis, "*1\r\n")).isEqualTo("resp:*1");
                assertThat(exchange(human, "GET k\n")).as("later lines too").isEqualTo("line:GET k");

                Message message = new Message.Ping(1, 2);
                peer.send(NODE, message);
                eventually().alias("the peer's message on the same port").until(() -> inbox.contains(PEER, message));
            }
            assertThat(pipelinesSeen).hasSize(2).allSatisfy(names -> assertThat(names)
                    .startsWith(ClientDialect.IDLE_HANDLER, FirstByteRouter.NAME));
        }
    }

    @Test
    void aDialectThatFailsToInstallGetsTheConnectionRefusedNotTheNode() throws Exception {
        TcpTesting.Inbox inbox = new TcpTesting.Inbox();
        try (TcpTransport node = TcpTesting.transport(NODE)
                .lineDialect(pipeline -> {
                    throw new IllegalStateException("store not ready");
                })
                .bind();
                TcpTransport peer = TcpTesting.transport(PEER).bind()) {
            node.start(NODE, inbox);
            peer.start(PEER, (from, message) -> { });
            peer.setPeerAddress(NODE, node.localAddress());

            try (Socket human = new Socket(LOOPBACK, node.localAddress().getPort())) {
                human.getOutputStream().write("PING\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(readUntilClosedByServer(human), StandardCharsets.US_ASCII))
                        .startsWith("ERROR");
            }
            Message message = new Message.Ping(1, 2);
            peer.send(NODE, message);
            eventually().until(() -> inbox.contains(PEER, message));
        }
    }
}
