package io.nodesync.transport.tcp.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Limits;
import io.nodesync.testing.LocalCluster;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input over the line dialect gets ERROR replies, never changes data, and never affects other connections:
 * over-long lines, binary garbage, keys and values over the node's limits, values that cannot travel as a line; and
 * many clients at once.
 */
class LineRobustnessTest {

    private static final int MAX_LINE = 1024;
    private static final Limits NODE_LIMITS = Limits.DEFAULT.withMaxKeyBytes(16).withMaxValueBytes(64);

    private ServedCluster served;

    @BeforeEach
    void startCluster() throws Exception {
        served = ServedCluster.start(LocalCluster.builder().nodes(3).limits(NODE_LIMITS),
                ClientLimits.DEFAULT.withMaxLineBytes(MAX_LINE));
    }

    @AfterEach
    void stopCluster() {
        served.close();
    }

    @Test
    void anOverlongLineIsAnsweredAndClosesOnlyItsOwnConnection() throws Exception {
        try (LineClient bystander = new LineClient(served.port(0));
                LineClient offender = new LineClient(served.port(0))) {
            assertThat(bystander.command("SET kept before")).isEqualTo("OK");

            assertThat(offender.command("PING")).isEqualTo("PONG");
            offender.send("SET kept " + "x".repeat(MAX_LINE) + "\n");
            assertThat(offender.readLine()).isEqualTo("ERROR line too long (the limit is 1024 bytes)");
            assertThat(offender.closedByServer()).isTrue();

            assertThat(bystander.command("GET kept")).as("nothing changed").isEqualTo("VALUE before");
        }
    }

    @Test
    void aLineThatNeverEndsIsCutOffAtTheLimitWithoutWaitingForItsEnd() throws Exception {
        try (LineClient offender = new LineClient(served.port(1))) {
            offender.send(new byte[MAX_LINE + 2]); // zeros, no newline: the server must not wait for one
            assertThat(offender.readLine()).startsWith("ERROR line too long");
            assertThat(offender.closedByServer()).isTrue();
        }
        try (LineClient next = new LineClient(served.port(1))) {
            assertThat(next.command("PING")).isEqualTo("PONG");
        }
    }

    @Test
    void binaryGarbageGetsOneErrorPerLineAndTheConnectionKeepsWorking() throws Exception {
        Random random = new Random(42);
        ByteArrayOutputStream garbage = new ByteArrayOutputStream();
        int lines = 200;
        for (int i = 0; i < lines; i++) {
            garbage.write(0xff); // no command starts with a byte that is not UTF-8
            int length = random.nextInt(100);
            for (int j = 0; j < length; j++) {
                int b = random.nextInt(256);
                garbage.write(b == '\n' ? 0 : b);
            }
            garbage.write('\n');
        }
        try (LineClient client = new LineClient(served.port(2));
                LineClient bystander = new LineClient(served.port(2))) {
            client.send(garbage.toByteArray());
            for (int i = 0; i < lines; i++) {
                assertThat(client.readLine()).as("reply %d", i).startsWith("ERROR ");
            }
            assertThat(client.command("PING")).isEqualTo("PONG");
            assertThat(bystander.command("SET after garbage")).isEqualTo("OK");
            assertThat(client.command("GET after")).isEqualTo("VALUE garbage");
        }
    }

    @Test
    void keysAndValuesOverTheNodesLimitsAreRefusedAndChangeNothing() throws Exception {
        try (LineClient client = new LineClient(served.port(0))) {
            assertThat(client.command("SET k " + "v".repeat(64))).isEqualTo("OK");
            assertThat(client.command("SET k " + "w".repeat(65)))
                    .isEqualTo("ERROR value of 65 bytes exceeds the limit of 64 bytes");
            assertThat(client.command("SET " + "k".repeat(17) + " v"))
                    .isEqualTo("ERROR key of 17 bytes exceeds the limit of 16 bytes");
            assertThat(client.command("CAS k " + "v".repeat(64) + " " + "w".repeat(65)))
                    .isEqualTo("ERROR new value of 65 bytes exceeds the limit of 64 bytes");
            assertThat(client.command("GET k")).isEqualTo("VALUE " + "v".repeat(64));
            assertThat(client.command("GET " + "k".repeat(17))).startsWith("ERROR key of 17 bytes");
            assertThat(client.command("")).isEqualTo("ERROR empty command");
            assertThat(client.command("GET k")).isEqualTo("VALUE " + "v".repeat(64));
        }
    }

    @Test
    void manyClientsPipeliningAtOnceEachGetTheirOwnRepliesInOrder() throws Exception {
        int clients = 20;
        int commandsEach = 200;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    StringBuilder batch = new StringBuilder();
                    for (int i = 0; i < commandsEach / 2; i++) {
                        batch.append("SET c").append(client).append("-").append(i).append(' ').append(i).append('\n');
                        batch.append("GET c").append(client).append("-").append(i).append('\n');
                    }
                    try (LineClient line = new LineClient(served.port(client % 3))) {
                        line.send(batch.toString());
                        List<String> replies = new ArrayList<>();
                        for (int i = 0; i < commandsEach; i++) {
                            replies.add(line.readLine());
                        }
                        return replies;
                    }
                }));
            }
            for (Future<List<String>> result : results) {
                List<String> replies = result.get(ServedCluster.WAIT.toSeconds(), TimeUnit.SECONDS);
                for (int i = 0; i < commandsEach / 2; i++) {
                    assertThat(replies.get(2 * i)).isEqualTo("OK");
                    assertThat(replies.get(2 * i + 1)).isEqualTo("VALUE " + i);
                }
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(ServedCluster.WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }
    }
}
