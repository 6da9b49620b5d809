package io.nodesync.transport.tcp.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.nodesync.LimitExceededException;
import io.nodesync.NodeClosedException;
import io.nodesync.OutcomeUnknownException;
import io.nodesync.QuorumNotReachedException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The connection machinery on an embedded channel with a scripted node, so that the test decides when each command
 * completes: replies in request order whatever the completion order, the in-flight bound and auto-read, one flush
 * per batch, close-after replies, and the mapping of every failure to its reply.
 */
class PipelinedConnectionTest {

    private final ScriptedNode node = new ScriptedNode();
    private final FlushCounter flushes = new FlushCounter();
    private EmbeddedChannel channel;

    /** Counts the flushes that reach the socket end of the pipeline. */
    private static final class FlushCounter extends ChannelOutboundHandlerAdapter {
        int count;

        @Override
        public void flush(ChannelHandlerContext ctx) {
            count++;
            ctx.flush();
        }
    }

    private EmbeddedChannel lineChannel(ClientLimits limits) {
        channel = new EmbeddedChannel(flushes, new LineConnection(new CommandExecutor(node), limits));
        return channel;
    }

    private EmbeddedChannel respChannel(ClientLimits limits) {
        channel = new EmbeddedChannel(flushes,
                new RespConnection(new CommandExecutor(node), new RespCommands(node), limits));
        return channel;
    }

    @AfterEach
    void closeChannel() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private void send(String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    /** Everything written to the client so far, as text. */
    private String output() {
        StringBuilder text = new StringBuilder();
        for (Object message = channel.readOutbound(); message != null; message = channel.readOutbound()) {
            ByteBuf bytes = (ByteBuf) message;
            text.append(bytes.toString(StandardCharsets.UTF_8));
            bytes.release();
        }
        return text.toString();
    }

    @Test
    void repliesLeaveInRequestOrderWhateverOrderTheirCommandsComplete() {
        lineChannel(ClientLimits.DEFAULT);
        send("GET a\nGET b\nGET c\n");
        assertThat(node.calls()).extracting(ScriptedNode.Call::key).containsExactly("a", "b", "c");

        node.call(2).complete(Optional.of("C"));
        node.call(1).complete(Optional.empty());
        assertThat(output()).as("c and b are done, but a goes first").isEmpty();

        int flushesBefore = flushes.count;
        node.call(0).complete(Optional.of("A"));
        assertThat(output()).isEqualTo("VALUE A\nNOT_FOUND\nVALUE C\n");
        assertThat(flushes.count - flushesBefore).as("three ready replies, one flush").isEqualTo(1);
    }

    @Test
    void aCommandWaitsForTheConnectionsEarlierCommandsOnItsKeysOnly() {
        lineChannel(ClientLimits.DEFAULT);
        send("SET k 1\nGET k\nSET other 2\nCAS k 1 3\n");
        assertThat(node.calls()).as("GET k and CAS k wait for SET k; SET other does not")
                .extracting(ScriptedNode.Call::op, ScriptedNode.Call::key)
                .containsExactly(Tuple.tuple("put", "k"),
                        Tuple.tuple("put", "other"));

        node.call(0).complete(null);
        assertThat(node.calls()).extracting(ScriptedNode.Call::op).containsExactly("put", "put", "get");
        node.call(2).complete(Optional.of("1"));
        assertThat(node.calls()).extracting(ScriptedNode.Call::op).containsExactly("put", "put", "get", "cas");
        node.call(1).complete(null);
        node.call(3).complete(true);
        assertThat(output()).isEqualTo("OK\nVALUE 1\nOK\nOK\n");
    }

    @Test
    void aConsistencySwitchWaitsForEverythingBeforeItAndHoldsBackEverythingAfter() {
        lineChannel(ClientLimits.DEFAULT);
        send("SET a 1\nCONSISTENCY eventual\nSET b 2\nPING\n");
        assertThat(node.calls()).extracting(ScriptedNode.Call::op).containsExactly("put");

        node.call(0).complete(null);
        assertThat(node.calls()).extracting(ScriptedNode.Call::op).containsExactly("put", "consistency");
        assertThat(output()).isEqualTo("OK\n");

        node.call(1).complete(null);
        assertThat(node.calls()).extracting(ScriptedNode.Call::op).containsExactly("put", "consistency", "put");
        node.call(2).complete(null);
        assertThat(output()).isEqualTo("OK\nOK\nPONG\n");
    }

    @Test
    void aPipelinedBatchOfReadyRepliesIsFlushedOnce() {
        lineChannel(ClientLimits.DEFAULT);
        send("PING\n".repeat(100) + "CONSISTENCY\nSTATUS\n");
        String[] lines = output().split("\n");
        assertThat(lines).hasSize(102);
        assertThat(lines[99]).isEqualTo("PONG");
        assertThat(lines[100]).isEqualTo("CONSISTENCY strong");
        assertThat(lines[101]).startsWith("id=scripted role=follower term=3 leader=2 ");
        assertThat(flushes.count).isEqualTo(1);
    }

    @Test
    void atTheInFlightBoundTheConnectionStopsReadingAndResumesWhenRepliesDrain() {
        lineChannel(ClientLimits.DEFAULT.withMaxInFlightPerConnection(4));
        StringBuilder commands = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            commands.append("SET k").append(i).append(" v\n");
        }
        send(commands.toString());
        assertThat(node.calls()).as("only the bound is started").hasSize(4);
        assertThat(channel.config().isAutoRead()).isFalse();

        node.call(0).complete(null);
        assertThat(output()).isEqualTo("OK\n");
        assertThat(node.calls()).as("commands already read refill the bound").hasSize(5);
        assertThat(channel.config().isAutoRead()).as("reading resumes only at half the bound").isFalse();

        node.call(1).complete(null);
        assertThat(output()).isEqualTo("OK\n");
        assertThat(node.calls()).hasSize(6);
        assertThat(channel.config().isAutoRead()).isFalse();

        for (int i = 2; i < 10; i++) {
            node.call(i).complete(null);
        }
        assertThat(output()).isEqualTo("OK\n".repeat(8));
        assertThat(node.calls()).extracting(ScriptedNode.Call::key)
                .containsExactly("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9");
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void failuresMapToTheProtocolsRepliesWithoutLeakingDetails() {
        lineChannel(ClientLimits.DEFAULT);
        send("SET a 1\nSET b 2\nGET c\nDEL d\nCAS e 1 2\nSET f 3\n");
        node.call(0).fail(new QuorumNotReachedException("no majority", false));
        node.call(1).fail(new OutcomeUnknownException("timed out"));
        node.call(2).fail(new LimitExceededException("key of 2000 bytes exceeds the limit of 1024 bytes"));
        node.call(3).fail(new NodeClosedException("node scripted is closed"));
        node.call(4).complete(false);
        node.call(5).fail(new IllegalStateException("secret internals at line 42"));
        assertThat(output()).isEqualTo("FAIL: quorum not reached\n"
                + "FAIL: quorum not reached\n"
                + "ERROR key of 2000 bytes exceeds the limit of 1024 bytes\n"
                + "ERROR node closed\n"
                + "FAIL: mismatch\n"
                + "ERROR internal error (IllegalStateException)\n");
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void respRendersTheSameOutcomesAsRedisTypes() {
        respChannel(ClientLimits.DEFAULT);
        send("*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n*3\r\n$3\r\nDEL\r\n$1\r\nc\r\n$1\r\nd\r\n"
                + "*4\r\n$3\r\nCAS\r\n$1\r\ne\r\n$1\r\n1\r\n$1\r\n2\r\n*3\r\n$3\r\nSET\r\n$1\r\nf\r\n$1\r\n1\r\n");
        node.call(0).complete(Optional.of("x y\r\nz"));
        node.call(1).complete(Optional.empty());
        node.call(2).complete(true);
        node.call(3).complete(false);
        node.call(4).complete(true);
        node.call(5).fail(new QuorumNotReachedException("no majority", false));
        assertThat(output()).isEqualTo("$6\r\nx y\r\nz\r\n$-1\r\n:1\r\n:1\r\n-FAIL quorum not reached\r\n");
    }

    @Test
    void aClientSlowToTakeRepliesIsServedInWritableSizedBatches() {
        lineChannel(ClientLimits.DEFAULT.withMaxInFlightPerConnection(4));
        // Four replies overflow this buffer: each batch makes the channel unwritable until its flush drains it,
        // and that flush's writability event must resume the connection.
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        send("PING\n".repeat(100));
        assertThat(output()).isEqualTo("PONG\n".repeat(100));
        assertThat(flushes.count).isEqualTo(25);
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void anOverlongLineIsAnsweredInItsTurnAndClosesTheConnection() {
        lineChannel(ClientLimits.DEFAULT.withMaxLineBytes(16));
        send("GET a\n" + "x".repeat(17) + "\nPING\n");
        assertThat(output()).isEmpty();
        assertThat(channel.isOpen()).isTrue();
        node.call(0).complete(Optional.of("1"));
        assertThat(output()).isEqualTo("VALUE 1\nERROR line too long (the limit is 16 bytes)\n");
        channel.runPendingTasks();
        assertThat(channel.isOpen()).isFalse();
        assertThat(node.calls()).as("nothing after the long line runs").hasSize(1);
    }

    @Test
    void aLineOfExactlyTheLimitIsAcceptedWithEitherEnding() {
        lineChannel(ClientLimits.DEFAULT.withMaxLineBytes(10));
        send("SET a 1234\r\nSET b 5678\n");
        assertThat(node.calls()).extracting(ScriptedNode.Call::value).containsExactly("1234", "5678");
        send("SET k 123456\r\n");
        node.call(0).complete(null);
        node.call(1).complete(null);
        assertThat(output()).isEqualTo("OK\nOK\nERROR line too long (the limit is 10 bytes)\n");
    }

    @Test
    void aLineArrivingInPiecesIsOneCommand() {
        lineChannel(ClientLimits.DEFAULT);
        for (char c : "SET key a value with spaces\r\n".toCharArray()) {
            send(Character.toString(c));
        }
        assertThat(node.calls()).hasSize(1);
        assertThat(node.call(0).value()).isEqualTo("a value with spaces");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aLongLineArrivingAByteAtATimeIsNotRescannedOnEveryByte() {
        // Found by fuzzing: each read searched the whole line so far for its end again, so a line of n bytes sent in
        // n reads cost n * n / 2 byte checks; at this length, tens of seconds of an event loop.
        int length = 256 * 1024;
        lineChannel(ClientLimits.DEFAULT.withMaxLineBytes(length));
        byte[] line = ("SET k " + "v".repeat(length - 6) + "\n").getBytes(StandardCharsets.US_ASCII);
        for (byte b : line) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertThat(node.calls()).singleElement().extracting(ScriptedNode.Call::value)
                .isEqualTo("v".repeat(length - 6));
    }

    @Test
    void respQuitAnswersOkAndNothingPipelinedAfterItRuns() {
        respChannel(ClientLimits.DEFAULT);
        send("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nQUIT\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n");
        assertThat(output()).isEqualTo("+PONG\r\n+OK\r\n");
        channel.runPendingTasks();
        assertThat(channel.isOpen()).isFalse();
        assertThat(node.calls()).isEmpty();
    }

    @Test
    void commandsReadAfterQuitAreNotRunWhileQuitWaitsForItsTurn() {
        // Found by fuzzing: QUIT waited behind an unanswered GET, and a later read's SET was framed and run.
        respChannel(ClientLimits.DEFAULT);
        send("*2\r\n$3\r\nGET\r\n$1\r\na\r\n*1\r\n$4\r\nQUIT\r\n");
        send("*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n1\r\n");
        assertThat(node.calls()).extracting(ScriptedNode.Call::op).containsExactly("get");

        node.call(0).complete(Optional.of("1"));
        assertThat(output()).isEqualTo("$1\r\n1\r\n+OK\r\n");
        channel.runPendingTasks();
        assertThat(channel.isOpen()).isFalse();
        assertThat(node.calls()).as("nothing after QUIT ran").hasSize(1);
    }

    @Test
    void linesReadAfterAnOverlongLineAreNotRunWhileItsErrorWaitsForItsTurn() {
        lineChannel(ClientLimits.DEFAULT.withMaxLineBytes(16));
        send("GET a\n" + "x".repeat(17) + "\n");
        send("SET b 1\n");
        assertThat(node.calls()).extracting(ScriptedNode.Call::op).containsExactly("get");

        node.call(0).complete(Optional.empty());
        assertThat(output()).isEqualTo("NOT_FOUND\nERROR line too long (the limit is 16 bytes)\n");
        channel.runPendingTasks();
        assertThat(channel.isOpen()).isFalse();
        assertThat(node.calls()).as("nothing after the long line ran").hasSize(1);
    }

    @Test
    void repliesCompletingAfterTheClientLeftAreDropped() {
        lineChannel(ClientLimits.DEFAULT);
        send("GET a\nGET b\n");
        channel.close();
        node.call(1).complete(Optional.of("late"));
        node.call(0).complete(Optional.of("later"));
        assertThat(output()).isEmpty();
    }
}
