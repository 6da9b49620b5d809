package io.nodesync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code printf 'SET a 1\nGET a\n' | nc host port}: the client sends its commands and half-closes at once. The node
 * must still answer every command, through a follower too (the writes wait for the leader), then close.
 */
class HalfClosingClientTest {

    private final List<ServedNode> nodes = new ArrayList<>();

    @AfterEach
    void closeNodes() {
        nodes.forEach(served -> served.node().close());
    }

    @Test
    void aClientThatHalfClosesAfterItsCommandsGetsEveryReplyThenTheEnd() throws Exception {
        List<Integer> ports = TestSupport.startLoopbackCluster(nodes);

        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), ports.get(0))) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("SET a 1\nGET a\nSET b two words\nGET b\nGET c\nSET unfinished"
                    .getBytes(StandardCharsets.UTF_8));
            socket.shutdownOutput();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            List<String> replies = new ArrayList<>();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                replies.add(line);
            }
            // The last command never got its end of line, so it is not a command.
            assertThat(replies).containsExactly("OK", "VALUE 1", "OK", "VALUE two words", "NOT_FOUND");
        }
    }
}
