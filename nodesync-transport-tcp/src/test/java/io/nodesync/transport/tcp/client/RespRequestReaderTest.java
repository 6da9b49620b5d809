package io.nodesync.transport.tcp.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Framing RESP requests: whole, split anywhere, inline, and every kind of malformed or oversized input. */
class RespRequestReaderTest {

    private static final ClientLimits SMALL = ClientLimits.DEFAULT.withMaxBulkBytes(10).withMaxArrayElements(4)
            .withMaxRequestBytes(16).withMaxInlineBytes(12);

    /** Reads every request in {@code wire}, fed all at once. */
    private static List<Object> readAll(String wire, ClientLimits limits) {
        RespRequestReader reader = new RespRequestReader(limits);
        ByteBuf in = Unpooled.copiedBuffer(wire, StandardCharsets.UTF_8);
        try {
            List<Object> requests = new ArrayList<>();
            for (Object request = reader.read(in); request != null; request = reader.read(in)) {
                requests.add(request);
                if (request instanceof RespRequestReader.ProtocolError) {
                    break;
                }
            }
            return requests;
        } finally {
            in.release();
        }
    }

    private static String errorOf(String wire) {
        List<Object> requests = readAll(wire, SMALL);
        assertThat(requests).last().isInstanceOf(RespRequestReader.ProtocolError.class);
        return ((RespRequestReader.ProtocolError) requests.get(requests.size() - 1)).message();
    }

    @Test
    void arraysOfBulkStringsAreCommands() {
        assertThat(readAll("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$11\r\nhello world\r\n*1\r\n$4\r\nPING\r\n",
                ClientLimits.DEFAULT))
                .containsExactly(List.of("SET", "key", "hello world"), List.of("PING"));
    }

    @Test
    void bulkStringsAreBinarySafeAndMayBeEmpty() {
        assertThat(readAll("*3\r\n$3\r\nSET\r\n$0\r\n\r\n$4\r\na\r\nb\r\n", ClientLimits.DEFAULT))
                .containsExactly(List.of("SET", "", "a\r\nb"));
    }

    @Test
    void aRequestSplitAtEveryByteReadsTheSame() {
        String wire = "*2\r\n$3\r\nGET\r\n$4\r\nk\u00e9y\r\n*1\r\n$4\r\nPING\r\n";
        byte[] bytes = wire.getBytes(StandardCharsets.UTF_8);
        RespRequestReader reader = new RespRequestReader(ClientLimits.DEFAULT);
        ByteBuf in = Unpooled.buffer();
        List<Object> requests = new ArrayList<>();
        try {
            for (byte b : bytes) {
                in.writeByte(b);
                for (Object request = reader.read(in); request != null; request = reader.read(in)) {
                    assertThat(request).isInstanceOf(List.class);
                    requests.add(request);
                }
            }
        } finally {
            in.release();
        }
        assertThat(requests).containsExactly(List.of("GET", "k\u00e9y"), List.of("PING"));
    }

    @Test
    void inlineCommandsAndEmptyRequestsAsRedisReadsThem() {
        assertThat(readAll("*0\r\n*-1\r\n\r\nGET  key\r\nPING\n*1\r\n$4\r\nPING\r\n", ClientLimits.DEFAULT))
                .containsExactly(List.of("GET", "key"), List.of("PING"), List.of("PING"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "*x\\r\\n|Protocol error: invalid multibulk length",
        "*\\r\\n|Protocol error: invalid multibulk length",
        "*1\\n|Protocol error: invalid multibulk length",
        "*5\\r\\n|Protocol error: invalid multibulk length (the limit is 4 arguments)",
        "*99999999999999999999\\r\\n|Protocol error: invalid multibulk length",
        "*1\\r\\n:5\\r\\n|Protocol error: expected '$', got ':'",
        "*1\\r\\n$-1\\r\\n|Protocol error: invalid bulk length",
        "*1\\r\\n$abc\\r\\n|Protocol error: invalid bulk length",
        "*1\\r\\n$11\\r\\n|Protocol error: invalid bulk length (the limit is 10 bytes)",
        "*2\\r\\n$9\\r\\n123456789\\r\\n$9\\r\\n|Protocol error: request too large (the limit is 16 bytes)",
        "*1\\r\\n$2\\r\\nabc\\r\\n|Protocol error: expected CRLF after a bulk string of 2 bytes",
        "GET 0123456789\\r\\n|Protocol error: too big inline request (the limit is 12 bytes)"})
    void malformedOrOversizedInputIsAProtocolError(String wire, String message) {
        assertThat(errorOf(wire.replace("\\r", "\r").replace("\\n", "\n"))).isEqualTo(message);
    }

    @Test
    void aControlByteIsShownEscapedInTheError() {
        assertThat(errorOf("*1\r\n\u0001")).isEqualTo("Protocol error: expected '$', got '\\x01'");
    }

    @Test
    void headersThatNeverEndAreCutOffEarly() {
        assertThat(errorOf("*" + "1".repeat(40))).isEqualTo("Protocol error: too big multibulk count string");
        assertThat(errorOf("*1\r\n$" + "1".repeat(40))).isEqualTo("Protocol error: too big bulk count string");
        assertThat(errorOf("GET " + "k".repeat(20))).startsWith("Protocol error: too big inline request");
    }

    @Test
    void aDeclaredLengthIsCheckedBeforeItsBytesArrive() {
        // Nothing of the 1 GB body has come: the reader must refuse on the header, not wait for (or allocate) it.
        assertThat(errorOf("*1\r\n$1000000000\r\n")).startsWith("Protocol error: invalid bulk length");
        assertThat(errorOf("*100000000\r\n")).startsWith("Protocol error: invalid multibulk length");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aLongInlineCommandArrivingAByteAtATimeIsNotRescannedOnEveryByte() {
        // Found by fuzzing: each read searched the whole line so far for its end again, so a line of n bytes sent in
        // n reads cost n * n / 2 byte checks; at this length, tens of seconds of an event loop.
        int length = 256 * 1024;
        byte[] wire = ("GET " + "k".repeat(length - 4) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        RespRequestReader reader = new RespRequestReader(ClientLimits.DEFAULT.withMaxInlineBytes(length));
        ByteBuf in = Unpooled.buffer(wire.length);
        List<Object> requests = new ArrayList<>();
        try {
            for (byte b : wire) {
                in.writeByte(b);
                for (Object request = reader.read(in); request != null; request = reader.read(in)) {
                    requests.add(request);
                }
            }
        } finally {
            in.release();
        }
        assertThat(requests).singleElement().isEqualTo(List.of("GET", "k".repeat(length - 4)));
    }
}
