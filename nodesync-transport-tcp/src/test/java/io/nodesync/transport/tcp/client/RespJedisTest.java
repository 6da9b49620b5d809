package io.nodesync.transport.tcp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.util.SafeEncoder;

/** A real Redis client library, Jedis, against a three-node cluster: what an application would do over RESP. */
class RespJedisTest {

    /** NodeSync's own commands, which Jedis does not know by name. */
    private enum NodeSyncCommand implements ProtocolCommand {
        CAS, CONSISTENCY, STATUS;

        @Override
        public byte[] getRaw() {
            return SafeEncoder.encode(name());
        }
    }

    private ServedCluster served;

    @BeforeEach
    void startCluster() throws Exception {
        served = ServedCluster.start();
    }

    @AfterEach
    void stopCluster() {
        served.close();
    }

    private Jedis jedis(int index) {
        return new Jedis(new HostAndPort("127.0.0.1", served.port(index)),
                DefaultJedisClientConfig.builder().socketTimeoutMillis((int) ServedCluster.WAIT.toMillis()).build());
    }

    @Test
    void setGetDelAndPingAsRedisAnswersThem() {
        try (Jedis jedis = jedis(0)) {
            assertThat(jedis.ping()).isEqualTo("PONG");
            assertThat(jedis.ping("hello")).isEqualTo("hello");
            assertThat(jedis.echo("echo me")).isEqualTo("echo me");
            assertThat(jedis.set("greeting", "hello world")).isEqualTo("OK");
            assertThat(jedis.get("greeting")).isEqualTo("hello world");
            assertThat(jedis.get("missing")).isNull();
            assertThat(jedis.set("lines", "one\r\ntwo")).isEqualTo("OK");
            assertThat(jedis.get("lines")).as("bulk strings carry any text").isEqualTo("one\r\ntwo");
            assertThat(jedis.del("greeting")).isEqualTo(1);
            assertThat(jedis.del("greeting")).isZero();
            assertThat(jedis.get("greeting")).isNull();
        }
        try (Jedis other = jedis(2)) {
            assertThat(other.get("lines")).as("written through another node").isEqualTo("one\r\ntwo");
        }
    }

    @Test
    void delOfSeveralKeysCountsThoseThatExisted() {
        try (Jedis jedis = jedis(1)) {
            jedis.set("a", "1");
            jedis.set("b", "2");
            jedis.set("c", "3");
            assertThat(jedis.del("a", "b", "nope", "c", "a")).isEqualTo(3);
            assertThat(jedis.get("a")).isNull();
            assertThat(jedis.get("c")).isNull();
        }
    }

    @Test
    void nodeSyncCommandsOverResp() {
        try (Jedis jedis = jedis(0)) {
            jedis.set("counter", "1");
            assertThat(jedis.sendCommand(NodeSyncCommand.CAS, "counter", "1", "2")).isEqualTo(1L);
            assertThat(jedis.sendCommand(NodeSyncCommand.CAS, "counter", "1", "3")).isEqualTo(0L);
            assertThat(jedis.get("counter")).isEqualTo("2");

            assertThat(text(jedis.sendCommand(NodeSyncCommand.CONSISTENCY))).isEqualTo("strong");
            assertThat(text(jedis.sendCommand(NodeSyncCommand.CONSISTENCY, "eventual"))).isEqualTo("OK");
            assertThat(text(jedis.sendCommand(NodeSyncCommand.CONSISTENCY))).isEqualTo("eventual");
            assertThat(text(jedis.sendCommand(NodeSyncCommand.STATUS))).startsWith("id=1 ").contains(" consistency=");
        }
    }

    private static String text(Object reply) {
        return new String((byte[]) reply, StandardCharsets.UTF_8);
    }

    @Test
    void errorsSurfaceAsExceptionsWithRedisStyleMessages() {
        try (Jedis jedis = jedis(0)) {
            assertThatThrownBy(() -> jedis.incr("n")).isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR unknown command 'INCR'");
            assertThatThrownBy(() -> jedis.set("k", "v", SetParams.setParams().ex(10)))
                    .isInstanceOf(JedisDataException.class).hasMessageStartingWith("ERR syntax error");
            assertThatThrownBy(() -> jedis.sendCommand(NodeSyncCommand.CONSISTENCY, "causal"))
                    .isInstanceOf(JedisDataException.class).hasMessage("ERR unknown consistency 'causal'");
            assertThatThrownBy(() -> jedis.select(1)).isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR DB index is out of range");
            assertThat(jedis.select(0)).isEqualTo("OK");
            assertThat(jedis.get("k")).as("the refused SET changed nothing").isNull();
            assertThat(jedis.ping()).as("the connection survives errors").isEqualTo("PONG");
        }
    }

    @Test
    void theQuorumFailureIsAnExceptionNamingIt() throws Exception {
        served.cluster().kill(served.cluster().id(1));
        served.cluster().kill(served.cluster().id(2));
        try (Jedis jedis = jedis(0)) {
            // Sent at once: the node may not know its peers are gone yet, and then the write times out with its
            // outcome unknown. Either way the client sees the one quorum failure.
            assertThatThrownBy(() -> jedis.set("k", "v")).isInstanceOf(JedisDataException.class)
                    .hasMessage("FAIL quorum not reached");
        }
    }

    @Test
    void pipelinedCommandsAnswerInOrder() {
        try (Jedis jedis = jedis(2)) {
            Pipeline pipeline = jedis.pipelined();
            List<Response<String>> sets = new ArrayList<>();
            List<Response<String>> gets = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                sets.add(pipeline.set("p" + i, "v" + i));
                gets.add(pipeline.get("p" + i));
            }
            Response<Long> deleted = pipeline.del("p0", "p1", "p2");
            Response<String> afterDelete = pipeline.get("p1");
            pipeline.sync();
            for (int i = 0; i < 500; i++) {
                assertThat(sets.get(i).get()).isEqualTo("OK");
                assertThat(gets.get(i).get()).isEqualTo("v" + i);
            }
            assertThat(deleted.get()).isEqualTo(3);
            assertThat(afterDelete.get()).isNull();
        }
    }

    @Test
    void theResp2HandshakeAndConnectionChatterOfAClientLibrary() {
        // With an explicit protocol Jedis opens with HELLO 2 and reads the server's facts from the reply.
        try (Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", served.port(0)), DefaultJedisClientConfig.builder()
                .protocol(RedisProtocol.RESP2).clientName("tester")
                .socketTimeoutMillis((int) ServedCluster.WAIT.toMillis()).build())) {
            assertThat(jedis.clientGetname()).isEqualTo("tester");
            assertThat(jedis.info()).contains("# Server").contains("redis_version:7.0.0");
            assertThat(jedis.configGet("*")).containsEntry("save", "").containsEntry("appendonly", "no");
            Map<String, String> appendOnly = jedis.configGet("append*");
            assertThat(appendOnly).containsOnlyKeys("appendonly");
            assertThat(jedis.set("after-handshake", "1")).isEqualTo("OK");
        }
    }
}
