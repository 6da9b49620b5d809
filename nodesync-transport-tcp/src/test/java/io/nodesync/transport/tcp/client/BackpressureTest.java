package io.nodesync.transport.tcp.client;

import static io.nodesync.transport.tcp.client.ServedCluster.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.testing.LocalCluster;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The per-connection bound on commands in flight, over real sockets. */
class BackpressureTest {

    private static final int BOUND = 4;

    @Test
    void commandsInFlightNeverExceedTheBoundAndBufferedOnesStartAsRepliesLeave() throws Exception {
        ScriptedNode node = new ScriptedNode();
        int commands = 200;
        try (ClientServer server = ClientServer.start(node, new InetSocketAddress("127.0.0.1", 0),
                ClientLimits.DEFAULT.withMaxInFlightPerConnection(BOUND));
                LineClient client = new LineClient(server.port())) {
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < commands; i++) {
                batch.append("GET k").append(i).append('\n');
            }
            client.send(batch.toString());

            for (int answered = 0; answered < commands; answered++) {
                int expectedStarted = Math.min(commands, answered + BOUND);
                eventually().alias(expectedStarted + " started").until(() -> node.calls().size() >= expectedStarted);
                assertThat(node.calls().size() - answered).as("in flight after %d answered", answered)
                        .isEqualTo(Math.min(BOUND, commands - answered));
                ScriptedNode.Call call = node.call(answered);
                assertThat(call.key()).isEqualTo("k" + answered);
                call.complete(Optional.of("v" + answered));
                assertThat(client.readLine()).isEqualTo("VALUE v" + answered);
            }
        }
    }

    @Test
    void aSmallBoundStillServesAThousandPipelinedCommandsInOrder() throws Exception {
        try (ServedCluster served = ServedCluster.start(LocalCluster.builder().nodes(3),
                ClientLimits.DEFAULT.withMaxInFlightPerConnection(BOUND));
                LineClient client = new LineClient(served.port(0))) {
            StringBuilder batch = new StringBuilder();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                batch.append("SET b").append(i % 50).append(' ').append(i).append('\n');
                expected.add("OK");
                batch.append("GET b").append(i % 50).append('\n');
                expected.add("VALUE " + i);
            }
            client.send(batch.toString());
            List<String> replies = new ArrayList<>();
            for (int i = 0; i < expected.size(); i++) {
                replies.add(client.readLine());
            }
            assertThat(replies).containsExactlyElementsOf(expected);
        }
    }
}
