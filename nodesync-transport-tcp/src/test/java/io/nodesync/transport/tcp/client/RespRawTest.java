package io.nodesync.transport.tcp.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RESP at the byte level: malformed requests get {@code -ERR Protocol error} and a closed connection while the node
 * serves on; the start-up chatter of redis-cli and redis-benchmark gets the replies those tools expect; inline
 * commands work. One cluster for the class: no test here changes the cluster's mode.
 */
class RespRawTest {

    private static ServedCluster served;

    @BeforeAll
    static void startCluster() throws Exception {
        served = ServedCluster.start();
    }

    @AfterAll
    static void stopCluster() {
        if (served != null) {
            served.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "*abc\r\n",
        "*1\r\n$-5\r\n",
        "*1\r\n$x\r\n",
        "*1\r\n$999999999\r\n",
        "*1\r\n:5\r\n",
        "*2\r\n$3\r\nGET\r\n$1\r\nkey\r\n",
        "*99999999\r\n",
        "*1111111111111111111111111111111111111111"})
    void malformedRequestsAreRefusedAndCloseOnlyTheirConnection(String malformed) throws Exception {
        try (RespClient bystander = new RespClient(served.port(0));
                RespClient offender = new RespClient(served.port(0))) {
            assertThat(bystander.command("SET", "raw-kept", "before")).isEqualTo("OK");

            offender.send(malformed);
            Object reply = offender.readReply();
            assertThat(reply).isInstanceOf(RespClient.Error.class);
            assertThat(((RespClient.Error) reply).message()).startsWith("ERR Protocol error: ");
            assertThat(offender.closedByServer()).isTrue();

            assertThat(bystander.command("GET", "raw-kept")).isEqualTo("before");
        }
    }

    @Test
    void repliesToWellFormedCommandsBeforeAMalformedOneStillArrive() throws Exception {
        try (RespClient client = new RespClient(served.port(1))) {
            client.send(RespClient.encode("SET", "raw-order", "1") + RespClient.encode("GET", "raw-order")
                    + "*1\r\n$-2\r\n" + RespClient.encode("SET", "raw-order", "never"));
            assertThat(client.readReply()).isEqualTo("OK");
            assertThat(client.readReply()).isEqualTo("1");
            assertThat(client.readReply()).isEqualTo(new RespClient.Error("ERR Protocol error: invalid bulk length"));
            assertThat(client.closedByServer()).isTrue();
        }
        try (RespClient check = new RespClient(served.port(1))) {
            assertThat(check.command("GET", "raw-order")).isEqualTo("1");
        }
    }

    @Test
    void theStartUpChatterOfRedisTools() throws Exception {
        try (RespClient client = new RespClient(served.port(2))) {
            // redis-benchmark reads these two settings before it starts.
            assertThat(client.command("CONFIG", "GET", "save")).isEqualTo(List.of("save", ""));
            assertThat(client.command("CONFIG", "GET", "appendonly")).isEqualTo(List.of("appendonly", "no"));
            assertThat(client.command("CONFIG", "GET", "no-such-setting")).isEqualTo(List.of());
            // redis-cli asks for command docs for its hints, and accepts having none.
            assertThat(client.command("COMMAND", "DOCS")).isEqualTo(List.of());
            assertThat(client.command("COMMAND", "COUNT")).isEqualTo(15L);
            assertThat(client.command("COMMAND")).asInstanceOf(InstanceOfAssertFactories.LIST).hasSize(15)
                    .contains(List.of("get", 2L, List.of("readonly"), 1L, 1L, 1L));
            assertThat(client.command("COMMAND", "INFO", "del", "nope"))
                    .isEqualTo(java.util.Arrays.asList(List.of("del", -2L, List.of("write"), 1L, -1L, 1L), null));

            assertThat(client.command("HELLO", "3")).isInstanceOf(RespClient.Error.class).asString()
                    .contains("NOPROTO");
            assertThat(client.command("HELLO", "2", "SETNAME", "raw")).asInstanceOf(InstanceOfAssertFactories.LIST)
                    .hasSize(14)
                    .startsWith("server", "redis", "version", "7.0.0", "proto", 2L);
            assertThat(client.command("CLIENT", "GETNAME")).isEqualTo("raw");
            assertThat(client.command("CLIENT", "SETNAME", "renamed")).isEqualTo("OK");
            assertThat(client.command("CLIENT", "SETINFO", "LIB-NAME", "raw-test")).isEqualTo("OK");
            assertThat(client.command("CLIENT", "GETNAME")).isEqualTo("renamed");
            assertThat(client.command("CLIENT", "ID")).isInstanceOf(Long.class);

            Object info = client.command("INFO");
            assertThat(info).asString().startsWith("# Server\r\n").contains("\r\nredis_version:7.0.0\r\n")
                    .contains("\r\nrole:").contains("\r\nconsistency:strong\r\n");
            assertThat(client.command("SELECT", "0")).isEqualTo("OK");
            assertThat(client.command("SELECT", "3")).isEqualTo(new RespClient.Error("ERR DB index is out of range"));
            assertThat(client.command("ECHO", "hi there")).isEqualTo("hi there");
            assertThat(client.command("PING")).isEqualTo("PONG");
            assertThat(client.command("GET")).isEqualTo(
                    new RespClient.Error("ERR wrong number of arguments for 'get' command"));

            assertThat(client.command("QUIT")).isEqualTo("OK");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void inlineCommandsAfterTheFirstArray() throws Exception {
        try (RespClient client = new RespClient(served.port(0))) {
            assertThat(client.command("PING")).isEqualTo("PONG");
            client.send("SET inline-key inline-value\r\n");
            assertThat(client.readReply()).isEqualTo("OK");
            client.send("\r\nGET   inline-key\n");
            assertThat(client.readReply()).isEqualTo("inline-value");
        }
    }

    @Test
    void aRequestTrickledInByteByByteIsOneCommand() throws Exception {
        String wire = RespClient.encode("SET", "trickled", "slow value");
        try (RespClient client = new RespClient(served.port(1))) {
            for (char c : wire.toCharArray()) {
                client.send(Character.toString(c));
            }
            assertThat(client.readReply()).isEqualTo("OK");
            assertThat(client.command("GET", "trickled")).isEqualTo("slow value");
        }
    }
}
