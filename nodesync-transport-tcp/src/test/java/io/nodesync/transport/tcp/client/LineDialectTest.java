package io.nodesync.transport.tcp.client;

import static io.nodesync.transport.tcp.client.ServedCluster.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every command and reply of the line dialect's contract, over plain sockets to a three-node cluster. */
class LineDialectTest {

    private ServedCluster served;

    @BeforeEach
    void startCluster() throws Exception {
        served = ServedCluster.start();
    }

    @AfterEach
    void stopCluster() {
        served.close();
    }

    @Test
    void everyCommandAndReplyOfTheContract() throws Exception {
        try (LineClient client = new LineClient(served.port(0))) {
            assertThat(client.command("PING")).isEqualTo("PONG");

            assertThat(client.command("SET colour blue")).isEqualTo("OK");
            assertThat(client.command("GET colour")).isEqualTo("VALUE blue");
            assertThat(client.command("SET motto  more than one  word ")).isEqualTo("OK");
            assertThat(client.command("GET motto")).isEqualTo("VALUE  more than one  word ");
            assertThat(client.command("GET nothing-here")).isEqualTo("NOT_FOUND");

            assertThat(client.command("DEL colour")).isEqualTo("OK");
            assertThat(client.command("DEL colour")).isEqualTo("NOT_FOUND");
            assertThat(client.command("GET colour")).isEqualTo("NOT_FOUND");

            assertThat(client.command("SET counter 1")).isEqualTo("OK");
            assertThat(client.command("CAS counter 1 2")).isEqualTo("OK");
            assertThat(client.command("CAS counter 1 3")).isEqualTo("FAIL: mismatch");
            assertThat(client.command("CAS absent 1 2")).isEqualTo("FAIL: mismatch");
            assertThat(client.command("GET counter")).isEqualTo("VALUE 2");
            assertThat(client.command("GET absent")).isEqualTo("NOT_FOUND");

            assertThat(client.command("FLY away")).isEqualTo("ERROR unknown command 'FLY'");
            assertThat(client.command("GET")).isEqualTo("ERROR wrong number of arguments, usage: GET <key>");
        }
    }

    @Test
    void writesThroughOneNodeAreReadThroughEveryNode() throws Exception {
        try (LineClient writer = new LineClient(served.port(0))) {
            assertThat(writer.command("SET shared across-the-cluster")).isEqualTo("OK");
        }
        for (int i = 0; i < 3; i++) {
            try (LineClient reader = new LineClient(served.port(i))) {
                // Strong reads are linearizable: once the write was acknowledged, every node returns it.
                assertThat(reader.command("GET shared")).isEqualTo("VALUE across-the-cluster");
            }
        }
    }

    @Test
    void consistencyIsQueriedSwitchedForTheWholeClusterAndUnknownModesAreRefused() throws Exception {
        try (LineClient client = new LineClient(served.port(1))) {
            assertThat(client.command("CONSISTENCY")).isEqualTo("CONSISTENCY strong");
            assertThat(client.command("CONSISTENCY eventual")).isEqualTo("OK");
            assertThat(client.command("CONSISTENCY")).as("at once on the contacted node")
                    .isEqualTo("CONSISTENCY eventual");
            assertThat(client.command("CONSISTENCY causal")).isEqualTo("ERROR unknown consistency 'causal'");
            assertThat(client.command("CONSISTENCY")).isEqualTo("CONSISTENCY eventual");
        }
        for (int i = 0; i < 3; i++) {
            int port = served.port(i);
            eventually().alias("node " + i + " sees the switch").until(() -> {
                try (LineClient other = new LineClient(port)) {
                    return other.command("CONSISTENCY").equals("CONSISTENCY eventual");
                }
            });
        }
        try (LineClient client = new LineClient(served.port(2))) {
            assertThat(client.command("consistency STRONG")).isEqualTo("OK");
            assertThat(client.command("CONSISTENCY")).isEqualTo("CONSISTENCY strong");
        }
    }

    @Test
    void statusHasEveryFieldOfTheContract() throws Exception {
        Node node = served.cluster().node(0);
        try (LineClient client = new LineClient(served.port(0))) {
            assertThat(client.command("SET counted 1")).isEqualTo("OK");
            eventually().alias("a leader known and both peers UP").until(() -> {
                Map<String, String> status = status(client);
                return !status.get("leader").equals("none") && status.get("peers").split(",").length == 2
                        && !status.get("peers").contains("DOWN");
            });
            Map<String, String> status = status(client);
            assertThat(status).containsKeys("id", "role", "term", "leader", "commit", "applied", "pending",
                    "consistency", "peers");
            assertThat(status.get("id")).isEqualTo(node.id().value());
            assertThat(status.get("role")).isIn("leader", "follower");
            // Read from one snapshot, so they agree even if leadership has just moved.
            assertThat(status.get("role").equals("leader")).isEqualTo(status.get("leader").equals(node.id().value()));
            assertThat(served.cluster().ids()).extracting(id -> id.value()).contains(status.get("leader"));
            assertThat(Long.parseLong(status.get("term"))).isPositive();
            assertThat(Long.parseLong(status.get("commit"))).isPositive();
            assertThat(Long.parseLong(status.get("applied"))).isPositive();
            assertThat(status.get("pending")).isEqualTo("0");
            assertThat(status.get("consistency")).isEqualTo("strong");
            List<String> expectedPeers = new ArrayList<>();
            for (int i = 1; i < 3; i++) {
                expectedPeers.add(served.cluster().id(i) + ":UP");
            }
            assertThat(status.get("peers").split(",")).containsExactlyInAnyOrderElementsOf(expectedPeers);
        }
    }

    /** The STATUS line as name-value pairs; it must be pairs only. */
    private static Map<String, String> status(LineClient client) throws Exception {
        String line = client.command("STATUS");
        Map<String, String> pairs = new HashMap<>();
        for (String pair : line.split(" ")) {
            int equals = pair.indexOf('=');
            assertThat(equals).as("'%s' in '%s' is a name=value pair", pair, line).isPositive();
            pairs.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
        return pairs;
    }

    @Test
    void commandNamesIgnoreCaseAndCrLfEndingsAreAccepted() throws Exception {
        try (LineClient client = new LineClient(served.port(0))) {
            client.send("set Key v1\r\n");
            assertThat(client.readLine()).as("no \\r in replies").isEqualTo("OK");
            client.send("gEt Key\r\n");
            assertThat(client.readLine()).isEqualTo("VALUE v1");
            client.send("ping\r\n");
            assertThat(client.readLine()).isEqualTo("PONG");
            assertThat(client.command("get key")).as("keys keep their case").isEqualTo("NOT_FOUND");
        }
    }

    /** What the seed's PowerShell example sent: a fresh TcpClient per command, WriteLine's CRLF endings. */
    @Test
    void theSeedsPowerShellSequenceEachCommandOnANewConnection() throws Exception {
        String[][] exchange = {
            {"CONSISTENCY eventual", "OK"},
            {"SET foo bar", "OK"},
            {"GET foo", "VALUE bar"},
            {"CONSISTENCY strong", "OK"},
            {"SET x 1", "OK"},
            {"GET x", "VALUE 1"}};
        for (String[] step : exchange) {
            try (LineClient client = new LineClient(served.port(0))) {
                client.send(step[0] + "\r\n");
                assertThat(client.readLine()).as(step[0]).isEqualTo(step[1]);
            }
        }
    }

    @Test
    void aThousandPipelinedCommandsInOneWriteAreAnsweredInOrder() throws Exception {
        StringBuilder batch = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            batch.append("SET p").append(i).append(" value ").append(i).append('\n');
            expected.add("OK");
            batch.append("GET p").append(i).append('\n');
            expected.add("VALUE value " + i);
            batch.append(i % 2 == 0 ? "PING\n" : "NOPE\n");
            expected.add(i % 2 == 0 ? "PONG" : "ERROR unknown command 'NOPE'");
            batch.append("DEL p").append(i).append('\n');
            expected.add("OK");
        }
        try (LineClient client = new LineClient(served.port(1))) {
            client.send(batch.toString());
            List<String> replies = new ArrayList<>();
            for (int i = 0; i < expected.size(); i++) {
                replies.add(client.readLine());
            }
            assertThat(replies).containsExactlyElementsOf(expected);
            assertThat(client.command("PING")).isEqualTo("PONG");
        }
    }
}
