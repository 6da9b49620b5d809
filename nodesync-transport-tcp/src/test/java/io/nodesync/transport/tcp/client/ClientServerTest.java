package io.nodesync.transport.tcp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.ChannelException;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The standalone server: port 0, first-byte sniffing between the dialects, a failed bind, and a clean close. */
class ClientServerTest {

    private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

    /** The live event loop threads of servers in front of a {@link ScriptedNode}, which only this class starts. */
    private static long serverThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("nodesync-clients-scripted-") && thread.isAlive())
                .count();
    }

    /**
     * Waits for the server threads to be gone: Netty reports an event loop terminated from the loop's last lines,
     * so the thread itself may still be alive for a moment after close() returned.
     */
    private static void awaitNoServerThreads() {
        ServedCluster.eventually().alias("server threads ended").until(() -> serverThreads() == 0);
    }

    @Test
    void portZeroBindsAFreePortAndTheFirstByteChoosesTheDialect() throws Exception {
        ScriptedNode node = new ScriptedNode();
        try (ClientServer server = ClientServer.start(node, ANY_PORT, ClientLimits.DEFAULT)) {
            assertThat(server.port()).isPositive();
            assertThat(server.localAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
            try (LineClient line = new LineClient(server.port()); RespClient resp = new RespClient(server.port())) {
                assertThat(line.command("PING")).isEqualTo("PONG");
                assertThat(resp.command("PING")).isEqualTo("PONG");
                resp.send("PING\r\n");
                assertThat(resp.readReply()).as("inline, but the connection speaks RESP").isEqualTo("PONG");
                line.send("*1\r\n");
                assertThat(line.readLine()).as("'*' later on a line connection is just text")
                        .isEqualTo("ERROR unknown command '*1'");
            }
        }
    }

    @Test
    void aPortInUseFailsTheStartAndLeavesNoThreadBehind() {
        ScriptedNode node = new ScriptedNode();
        try (ClientServer first = ClientServer.start(node, ANY_PORT, ClientLimits.DEFAULT)) {
            assertThatThrownBy(() -> ClientServer.start(node, first.localAddress(), ClientLimits.DEFAULT))
                    .isInstanceOf(ChannelException.class).hasMessageContaining(first.localAddress().toString());
        }
        awaitNoServerThreads();
    }

    @Test
    void closingTheServerClosesItsConnectionsAndEndsItsThreads() throws Exception {
        ClientServer server = ClientServer.start(new ScriptedNode(), ANY_PORT, ClientLimits.DEFAULT);
        try (LineClient client = new LineClient(server.port())) {
            assertThat(client.command("PING")).isEqualTo("PONG");
            server.close();
            assertThat(client.closedByServer()).isTrue();
        }
        awaitNoServerThreads();
    }
}
