package io.nodesync.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Command;
import io.nodesync.protocol.Entry;
import io.nodesync.protocol.Message;
import io.nodesync.transport.ProtocolSamples;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class WireCodecTest {

    private final WireCodec codec = new WireCodec();

    private Message roundTrip(Message message) throws WireFormatException {
        ByteBuffer frame = codec.encodeFrame(message);
        Message decoded = codec.decodeFrame(frame);
        assertThat(frame.hasRemaining()).as("bytes left after decoding one frame").isFalse();
        return decoded;
    }

    private static ByteBuffer bytes(int... values) {
        byte[] array = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            array[i] = (byte) values[i];
        }
        return ByteBuffer.wrap(array);
    }

    /** A frame from a type byte and a raw body, with a correct length prefix. */
    private static ByteBuffer frame(int type, byte[] body) {
        ByteBuffer frame = ByteBuffer.allocate(4 + 1 + body.length);
        frame.putInt(1 + body.length).put((byte) type).put(body).flip();
        return frame;
    }

    private static byte[] concat(ByteBuffer... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer part : parts) {
            byte[] array = new byte[part.remaining()];
            part.duplicate().get(array);
            out.writeBytes(array);
        }
        return out.toByteArray();
    }

    @Nested
    class RoundTrips {

        static Stream<Message> everyMessageType() {
            return PeerStreams.everyMessageType().stream();
        }

        @ParameterizedTest
        @MethodSource("everyMessageType")
        void everyMessageTypeRoundTripsExactly(Message message) throws Exception {
            assertThat(roundTrip(message)).isEqualTo(message);
        }

        @Test
        void theSamplesCoverEveryMessageType() {
            // The round trips, the streaming tests and the fuzzers all draw on these samples.
            assertThat(PeerStreams.everyMessageType().stream().map(Object::getClass).distinct())
                    .containsExactlyInAnyOrder(Message.class.getPermittedSubclasses());
        }

        @Test
        void snapshotChunksRoundTripEmptyAndLargeFirstAndLast() throws Exception {
            byte[] mebibyte = new byte[1024 * 1024];
            new Random(12).nextBytes(mebibyte);
            for (boolean done : new boolean[] {false, true}) {
                for (byte[] data : List.of(new byte[0], mebibyte)) {
                    Message message = new Message.InstallSnapshot(9, 1_000, 8, 3L * mebibyte.length, data, done);

                    Message.InstallSnapshot decoded = (Message.InstallSnapshot) roundTrip(message);

                    assertThat(decoded).isEqualTo(message);
                    assertThat(decoded.done()).isEqualTo(done);
                    assertThat(decoded.data()).hasSize(data.length);
                }
            }
        }

        @Test
        void aDecodedChunkOwnsItsBytes() throws Exception {
            // The peer decoder hands the codec a view of a network buffer that is reused after the frame.
            Message message = new Message.InstallSnapshot(1, 2, 1, 0, new byte[] {1, 2, 3}, true);
            ByteBuffer frame = codec.encodeFrame(message);
            ByteBuffer received = ByteBuffer.wrap(concat(frame));

            Message decoded = codec.decodeFrame(received);
            Arrays.fill(received.array(), (byte) 0x55);

            assertThat(decoded).isEqualTo(message);
        }

        @Test
        void snapshotAnswersRoundTrip() throws Exception {
            for (long value : new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE}) {
                for (boolean installed : new boolean[] {false, true}) {
                    Message message = new Message.InstallSnapshotResponse(value, value, value, value, installed);
                    assertThat(roundTrip(message)).isEqualTo(message);
                }
            }
        }

        @Test
        void everyCommandTypeRoundTripsInsideAnEntry() throws Exception {
            List<Entry> entries = new ArrayList<>();
            long index = 1;
            for (Command command : ProtocolSamples.everyCommandType()) {
                entries.add(new Entry(index++, 3, command));
            }
            for (ClientCommand command : ProtocolSamples.everyClientCommandKind()) {
                entries.add(new Entry(index++, 3, command));
            }
            Message message = new Message.AppendEntries(3, 0, 0, entries, 2);

            assertThat(roundTrip(message)).isEqualTo(message);
            assertThat(ProtocolSamples.everyCommandType().stream().map(Object::getClass).distinct())
                    .containsExactlyInAnyOrder(Command.class.getPermittedSubclasses());
        }

        @Test
        void emptyListsRoundTrip() throws Exception {
            for (Message message : List.of(new Message.AppendEntries(1, 0, 0, List.of(), 0),
                    new Message.ForwardCommands(List.of()), new Message.ReadIndexRequest(1, List.of()),
                    new Message.ReadIndexResponse(1, 2, List.of(), 3))) {
                assertThat(roundTrip(message)).isEqualTo(message);
            }
        }

        @Test
        void nullFieldsStayNullAndEmptyStringsStayEmpty() throws Exception {
            ClientCommand delete = new ClientCommand(ClientCommand.Kind.DELETE, true, NodeId.of("1"), 0, 0, "k", null,
                    null, 0, null);
            ClientCommand emptyValue = new ClientCommand(ClientCommand.Kind.PUT, false, NodeId.of("1"), 0, 1, "",
                    "", null, 0, null);
            ClientCommand casFromAbsent = new ClientCommand(ClientCommand.Kind.CAS, false, NodeId.of("1"), 0, 2, "k",
                    "v", null, 5, NodeId.of("2"));
            ClientCommand casFromEmpty = new ClientCommand(ClientCommand.Kind.CAS, false, NodeId.of("1"), 0, 3, "k",
                    "v", "", 5, NodeId.of("2"));
            Message message = new Message.ForwardCommands(List.of(delete, emptyValue, casFromAbsent, casFromEmpty));

            Message decoded = roundTrip(message);

            assertThat(decoded).isEqualTo(message);
            List<ClientCommand> commands = ((Message.ForwardCommands) decoded).commands();
            assertThat(commands.get(0).value()).isNull();
            assertThat(commands.get(0).stamper()).isNull();
            assertThat(commands.get(1).value()).isEmpty();
            assertThat(commands.get(2).expected()).isNull();
            assertThat(commands.get(3).expected()).isEmpty();
        }

        @Test
        void unicodeInKeysValuesAndNodeIdsRoundTrips() throws Exception {
            String text = "grüße 日本語 ключ 🚀🧪 e\u0301 \u0000 end"; // accents, CJK, Cyrillic, emoji, combining, NUL
            NodeId id = NodeId.of("nœud-東京-🚀");
            ClientCommand command = new ClientCommand(ClientCommand.Kind.PUT, true, id, 1, 1, text, text + text,
                    null, 42, id);
            Message message = new Message.ForwardCommands(List.of(command));

            assertThat(roundTrip(message)).isEqualTo(message);
        }

        @Test
        void extremeLongsRoundTrip() throws Exception {
            for (long value : new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0x0102030405060708L}) {
                Message message = new Message.ReadIndexResponse(value, value, List.of(value, value), value);
                assertThat(roundTrip(message)).isEqualTo(message);
            }
        }

        @Test
        void largeValueRoundTrips() throws Exception {
            String large = "x".repeat(3 * 1024 * 1024) + "é";
            ClientCommand command = new ClientCommand(ClientCommand.Kind.PUT, false, NodeId.of("1"), 1, 1, "big",
                    large, null, 1, NodeId.of("1"));
            Message message = new Message.AppendEntries(2, 1, 1, List.of(new Entry(2, 2, command)), 1);

            assertThat(roundTrip(message)).isEqualTo(message);
        }

        @Test
        void thousandsOfEntriesRoundTrip() throws Exception {
            List<Entry> entries = new ArrayList<>();
            for (int i = 1; i <= 5_000; i++) {
                entries.add(new Entry(i, 1, new ClientCommand(ClientCommand.Kind.PUT, i % 2 == 0, NodeId.of("n" + i % 3),
                        i, i, "key-" + i, "value-" + i, null, i, NodeId.of("n" + i % 3))));
            }
            Message message = new Message.AppendEntries(1, 0, 0, entries, 5_000);

            assertThat(roundTrip(message)).isEqualTo(message);
        }

        @Test
        void handshakeRoundTrips() throws Exception {
            byte[] handshake = WireCodec.encodeHandshake(NodeId.of("5001"), NodeId.of("nœud-🚀"));
            ByteBuffer in = ByteBuffer.wrap(handshake);

            assertThat(WireCodec.decodeHandshake(in))
                    .isEqualTo(new WireCodec.Handshake(WireCodec.VERSION, NodeId.of("5001"), NodeId.of("nœud-🚀")));
            assertThat(in.hasRemaining()).isFalse();
        }
    }

    @Nested
    class Streaming {

        @Test
        void theWireLayoutIsPinned() throws Exception {
            // Changing these bytes breaks mixed-version clusters: bump WireCodec.VERSION if it must change.
            ByteBuffer frame = codec.encodeFrame(new Message.Heartbeat(7, 44, 1));
            byte[] actual = new byte[frame.remaining()];
            frame.get(actual);
            assertThat(HexFormat.of().formatHex(actual)).isEqualTo("00000019" + "05"
                    + "0000000000000007" + "000000000000002c" + "0000000000000001");
            assertThat(HexFormat.of().formatHex(WireCodec.encodeHandshake(NodeId.of("a"), NodeId.of("bc"))))
                    .isEqualTo("f5" + "01" + "0001" + "61" + "0002" + "6263");
        }

        @Test
        void theSnapshotLayoutsArePinned() throws Exception {
            // Changing these bytes breaks mixed-version clusters: bump WireCodec.VERSION if it must change.
            ByteBuffer chunk = codec.encodeFrame(new Message.InstallSnapshot(7, 40, 6, 256, new byte[] {1, 2}, true));
            byte[] actual = new byte[chunk.remaining()];
            chunk.get(actual);
            assertThat(HexFormat.of().formatHex(actual)).isEqualTo("00000028" + "0c" + "0000000000000007"
                    + "0000000000000028" + "0000000000000006" + "0000000000000100" + "00000002" + "0102" + "01");
            ByteBuffer answer = codec.encodeFrame(new Message.InstallSnapshotResponse(7, 40, 6, 258, false));
            actual = new byte[answer.remaining()];
            answer.get(actual);
            assertThat(HexFormat.of().formatHex(actual)).isEqualTo("00000022" + "0d" + "0000000000000007"
                    + "0000000000000028" + "0000000000000006" + "0000000000000102" + "00");
        }

        @Test
        void framesArrivingByteByByteDecodeOnlyWhenComplete() throws Exception {
            List<Message> samples = PeerStreams.everyMessageType();
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            stream.writeBytes(WireCodec.encodeHandshake(NodeId.of("a"), NodeId.of("b")));
            for (Message message : samples) {
                stream.writeBytes(concat(codec.encodeFrame(message)));
            }
            byte[] all = stream.toByteArray();

            // Feed one more byte at a time, as a slow connection would, and decode whatever is complete.
            ByteBuffer buffer = ByteBuffer.allocate(all.length);
            WireCodec.Handshake handshake = null;
            List<Message> decoded = new ArrayList<>();
            for (byte b : all) {
                buffer.put(b);
                buffer.flip();
                if (handshake == null) {
                    handshake = WireCodec.decodeHandshake(buffer);
                }
                Message message;
                while (handshake != null && (message = codec.decodeFrame(buffer)) != null) {
                    decoded.add(message);
                }
                buffer.compact();
            }

            assertThat(handshake).isEqualTo(new WireCodec.Handshake(1, NodeId.of("a"), NodeId.of("b")));
            assertThat(decoded).containsExactlyElementsOf(samples);
            assertThat(buffer.position()).as("bytes left over").isZero();
        }

        @Test
        void anIncompleteFrameConsumesNothing() throws Exception {
            ByteBuffer whole = codec.encodeFrame(new Message.Ping(1, 2));
            ByteBuffer partial = ByteBuffer.wrap(concat(whole), 0, whole.remaining() - 1);

            assertThat(codec.decodeFrame(partial)).isNull();
            assertThat(partial.position()).isZero();
        }
    }

    @Nested
    class DecodeErrors {

        @Test
        void anOversizedLengthIsRefusedBeforeTheBodyArrives() {
            WireCodec small = new WireCodec(1024);
            assertThatThrownBy(() -> small.decodeFrame(bytes(0, 0, 4, 1)))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("frame length 1025");
            assertThatThrownBy(() -> codec.decodeFrame(bytes(0x7F, 0xFF, 0xFF, 0xFF)))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("outside 1 to");
        }

        @Test
        void zeroAndNegativeLengthsAreRefused() {
            assertThatThrownBy(() -> codec.decodeFrame(bytes(0, 0, 0, 0))).isInstanceOf(WireFormatException.class);
            assertThatThrownBy(() -> codec.decodeFrame(bytes(0xFF, 0xFF, 0xFF, 0xFF)))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("4294967295");
        }

        @Test
        void unknownMessageTypesAreRefused() {
            for (int type : new int[] {0, 17, 99, 255}) {
                assertThatThrownBy(() -> codec.decodeFrame(frame(type, new byte[8])))
                        .isInstanceOf(WireFormatException.class)
                        .hasMessageContaining("unknown message type " + type);
            }
        }

        @Test
        void aBodyShorterThanItsFieldsIsRefused() throws Exception {
            byte[] heartbeat = concat(codec.encodeFrame(new Message.Heartbeat(1, 2, 3)));
            byte[] body = Arrays.copyOfRange(heartbeat, 5, heartbeat.length - 3);

            assertThatThrownBy(() -> codec.decodeFrame(frame(5, body)))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("frame ends inside round");
        }

        @Test
        void trailingBytesInAFrameAreRefused() throws Exception {
            byte[] ping = concat(codec.encodeFrame(new Message.Ping(1, 2)));
            byte[] body = Arrays.copyOfRange(ping, 5, ping.length + 1); // one extra zero byte

            assertThatThrownBy(() -> codec.decodeFrame(frame(8, body)))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("1 unexpected bytes after a Ping");
        }

        @Test
        void aBooleanOtherThanZeroOrOneIsRefused() {
            ByteBuffer body = ByteBuffer.allocate(10).putLong(1).put((byte) 2).put((byte) 0);
            assertThatThrownBy(() -> codec.decodeFrame(frame(2, body.array())))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("granted must be 0 or 1");
        }

        @Test
        void aCountLargerThanTheFrameIsRefusedWithoutAllocating() {
            ByteBuffer body = ByteBuffer.allocate(12).putLong(1).putInt(Integer.MAX_VALUE);
            assertThatThrownBy(() -> codec.decodeFrame(frame(10, body.array())))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("readIds count 2147483647");
            ByteBuffer negative = ByteBuffer.allocate(4).putInt(-1);
            assertThatThrownBy(() -> codec.decodeFrame(frame(9, negative.array())))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("commands count -1");
        }

        @Test
        void aStringLongerThanTheFrameIsRefused() {
            // ForwardCommands with one PUT whose origin claims 1 GiB.
            ByteBuffer body = ByteBuffer.allocate(4 + 1 + 1 + 4 + 3).putInt(1).put((byte) 1).put((byte) 0)
                    .putInt(1 << 30).put("abc".getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> codec.decodeFrame(frame(9, body.array())))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("frame ends inside origin");
        }

        @Test
        void malformedUtf8IsRefused() {
            ByteBuffer body = ByteBuffer.allocate(4 + 1 + 1 + 4 + 2).putInt(1).put((byte) 1).put((byte) 0)
                    .putInt(2).put((byte) 0xC3).put((byte) 0x28);
            assertThatThrownBy(() -> codec.decodeFrame(frame(9, body.array())))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("origin is not valid UTF-8");
        }

        @Test
        void unknownCommandTypesAndKindsAreRefused() {
            ByteBuffer entryWithBadCommand = ByteBuffer.allocate(8 * 4 + 4 + 8 + 8 + 1)
                    .putLong(1).putLong(0).putLong(0).putLong(0).putInt(1).putLong(1).putLong(1).put((byte) 7);
            assertThatThrownBy(() -> codec.decodeFrame(frame(3, entryWithBadCommand.array())))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("unknown command type 7");
            ByteBuffer badKind = ByteBuffer.allocate(4 + 1).putInt(1).put((byte) 9);
            assertThatThrownBy(() -> codec.decodeFrame(frame(9, badKind.array())))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("unknown command kind 9");
        }

        @Test
        void valuesTheProtocolRecordsRejectAreDecodeErrors() {
            // An entry with index 0, which Entry refuses.
            ByteBuffer entryIndexZero = ByteBuffer.allocate(8 * 4 + 4 + 8 + 8 + 1)
                    .putLong(1).putLong(0).putLong(0).putLong(0).putInt(1).putLong(0).putLong(1).put((byte) 1);
            assertThatThrownBy(() -> codec.decodeFrame(frame(3, entryIndexZero.array())))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("invalid AppendEntries");
            // A PUT without a value, which ClientCommand refuses.
            ByteBuffer putWithoutValue = ByteBuffer.allocate(4 + 1 + 1 + 5 + 16 + 5 + 4 + 4 + 8 + 4)
                    .putInt(1).put((byte) 1).put((byte) 0).putInt(1).put((byte) 'o').putLong(1).putLong(1)
                    .putInt(1).put((byte) 'k').putInt(-1).putInt(-1).putLong(0).putInt(-1);
            assertThatThrownBy(() -> codec.decodeFrame(frame(9, putWithoutValue.array())))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("needs a value");
            // A node id with whitespace, which NodeId refuses.
            ByteBuffer spaceyOrigin = ByteBuffer.allocate(4 + 1 + 1 + 7).putInt(1).put((byte) 1).put((byte) 0)
                    .putInt(3).put("a b".getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> codec.decodeFrame(frame(9, spaceyOrigin.array())))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("invalid origin");
        }

        @Test
        void everyTruncationOfASnapshotChunkOrAnswerIsRefused() throws Exception {
            for (Message message : List.of(new Message.InstallSnapshot(3, 10, 2, 512, new byte[] {9, 8, 7, 6}, false),
                    new Message.InstallSnapshotResponse(3, 10, 2, 516, true))) {
                byte[] whole = concat(codec.encodeFrame(message));
                int type = whole[4];
                for (int length = 0; length < whole.length - 5; length++) {
                    byte[] body = Arrays.copyOfRange(whole, 5, 5 + length);
                    assertThatThrownBy(() -> codec.decodeFrame(frame(type, body)))
                            .as("%s cut to %d body bytes", message, length)
                            .isInstanceOf(WireFormatException.class).hasMessageContaining("frame ends inside");
                }
            }
            // Cut inside the bytes themselves: the chunk claims more than the frame holds.
            ByteBuffer shortChunk = ByteBuffer.allocate(8 * 4 + 4 + 2).putLong(1).putLong(1).putLong(1).putLong(0)
                    .putInt(3).put((byte) 1).put((byte) 2);
            assertThatThrownBy(() -> codec.decodeFrame(frame(12, shortChunk.array())))
                    .isInstanceOf(WireFormatException.class)
                    .hasMessageContaining("frame ends inside data: needs 3 bytes, 2 left");
        }

        @Test
        void aChunkLengthOutOfRangeIsRefusedWithoutAllocating() {
            ByteBuffer huge = ByteBuffer.allocate(8 * 4 + 4 + 1).putLong(1).putLong(1).putLong(1).putLong(0)
                    .putInt(Integer.MAX_VALUE).put((byte) 1);
            assertThatThrownBy(() -> codec.decodeFrame(frame(12, huge.array())))
                    .isInstanceOf(WireFormatException.class)
                    .hasMessageContaining("frame ends inside data: needs 2147483647 bytes, 1 left");
            for (int negative : new int[] {-1, Integer.MIN_VALUE}) {
                ByteBuffer body = ByteBuffer.allocate(8 * 4 + 4 + 1).putLong(1).putLong(1).putLong(1).putLong(0)
                        .putInt(negative).put((byte) 1);
                assertThatThrownBy(() -> codec.decodeFrame(frame(12, body.array())))
                        .isInstanceOf(WireFormatException.class)
                        .hasMessageContaining("data length " + negative + " is negative");
            }
        }

        @Test
        void malformedSnapshotChunksAndAnswersAreRefused() throws Exception {
            // A done flag other than 0 or 1.
            ByteBuffer badDone = ByteBuffer.allocate(8 * 4 + 4 + 1).putLong(1).putLong(1).putLong(1).putLong(0)
                    .putInt(0).put((byte) 2);
            assertThatThrownBy(() -> codec.decodeFrame(frame(12, badDone.array())))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("done must be 0 or 1, was 2");
            // A chunk length one short of the bytes sent: the chunk's last byte is read as done, the real one is left.
            ByteBuffer understated = ByteBuffer.allocate(8 * 4 + 4 + 2 + 1).putLong(1).putLong(1).putLong(1)
                    .putLong(0).putInt(1).put((byte) 1).put((byte) 1).put((byte) 0);
            assertThatThrownBy(() -> codec.decodeFrame(frame(12, understated.array())))
                    .isInstanceOf(WireFormatException.class)
                    .hasMessageContaining("1 unexpected bytes after a InstallSnapshot body");
            // An installed flag other than 0 or 1.
            ByteBuffer badInstalled = ByteBuffer.allocate(8 * 4 + 1).putLong(1).putLong(1).putLong(1).putLong(0)
                    .put((byte) 0xFF);
            assertThatThrownBy(() -> codec.decodeFrame(frame(13, badInstalled.array())))
                    .isInstanceOf(WireFormatException.class)
                    .hasMessageContaining("installed must be 0 or 1, was 255");
            // Trailing bytes after an answer.
            byte[] answer = concat(codec.encodeFrame(new Message.InstallSnapshotResponse(1, 1, 1, 0, false)));
            byte[] padded = Arrays.copyOfRange(answer, 5, answer.length + 2);
            assertThatThrownBy(() -> codec.decodeFrame(frame(13, padded)))
                    .isInstanceOf(WireFormatException.class)
                    .hasMessageContaining("2 unexpected bytes after a InstallSnapshotResponse body");
        }

        @Test
        void aSnapshotChunkOverTheFrameLimitIsNotEncodedOrDecoded() throws Exception {
            WireCodec small = new WireCodec(1024);
            Message tooBig = new Message.InstallSnapshot(1, 1, 1, 0, new byte[1024], false);

            assertThatThrownBy(() -> small.encodeFrame(tooBig))
                    .isInstanceOf(WireFormatException.class)
                    .hasMessageContaining("InstallSnapshot of 1062 bytes exceeds the maximum frame size of 1024 bytes");
            assertThatThrownBy(() -> small.decodeFrame(codec.encodeFrame(tooBig)))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("frame length 1062");
            // The largest chunk that fits: frame limit less type byte, four longs, length and done flag.
            Message fits = new Message.InstallSnapshot(1, 1, 1, 0, new byte[1024 - 1 - 32 - 4 - 1], true);
            assertThat(small.decodeFrame(small.encodeFrame(fits))).isEqualTo(fits);
        }

        @Test
        void aMessageOverTheFrameLimitIsNotEncoded() {
            WireCodec small = new WireCodec(1024);
            ClientCommand big = new ClientCommand(ClientCommand.Kind.PUT, true, NodeId.of("1"), 1, 1, "k",
                    "v".repeat(2000), null, 1, null);

            assertThatThrownBy(() -> small.encodeFrame(new Message.ForwardCommands(List.of(big))))
                    .isInstanceOf(WireFormatException.class)
                    .hasMessageContaining("exceeds the maximum frame size of 1024 bytes");
        }

        @Test
        void aHandshakeWithAnotherVersionIsRefusedAsSoonAsTheVersionArrives() {
            for (int version : new int[] {0, 2, 255}) {
                assertThatThrownBy(() -> WireCodec.decodeHandshake(bytes(0xF5, version)))
                        .isInstanceOf(WireFormatException.class)
                        .hasMessageContaining("unsupported protocol version " + version);
            }
        }

        @Test
        void malformedHandshakesAreRefused() {
            assertThatThrownBy(() -> WireCodec.decodeHandshake(bytes('*', 1)))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("first byte 0x2A");
            assertThatThrownBy(() -> WireCodec.decodeHandshake(bytes(0xF5, 1, 0, 0)))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("sender id of 0 bytes");
            assertThatThrownBy(() -> WireCodec.decodeHandshake(bytes(0xF5, 1, 0xFF, 0xFF)))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("sender id of 65535 bytes");
            assertThatThrownBy(() -> WireCodec.decodeHandshake(bytes(0xF5, 1, 0, 1, 0xFF)))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("not valid UTF-8");
            assertThatThrownBy(() -> WireCodec.decodeHandshake(bytes(0xF5, 1, 0, 1, ' ')))
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("invalid sender id");
        }

        @Test
        void anIncompleteHandshakeConsumesNothing() throws Exception {
            byte[] handshake = WireCodec.encodeHandshake(NodeId.of("abc"), NodeId.of("def"));
            for (int length = 0; length < handshake.length; length++) {
                ByteBuffer partial = ByteBuffer.wrap(handshake, 0, length);
                assertThat(WireCodec.decodeHandshake(partial)).as("handshake cut at %d bytes", length).isNull();
                assertThat(partial.position()).isZero();
            }
        }

        @Test
        void randomGarbageAndCorruptedFramesNeverFailOtherwise() throws Exception {
            // Whatever the bytes, decoding ends in a message, "not complete yet" or a WireFormatException: never
            // another exception, and never a huge allocation.
            WireCodec small = new WireCodec(64 * 1024);
            Random random = new Random(20_260_101L);
            List<byte[]> valid = new ArrayList<>();
            for (Message message : PeerStreams.everyMessageType()) {
                valid.add(concat(small.encodeFrame(message)));
            }
            int decodeErrors = 0;
            for (int i = 0; i < 20_000; i++) {
                byte[] input;
                if (i % 2 == 0) {
                    input = new byte[random.nextInt(64)];
                    random.nextBytes(input);
                } else {
                    byte[] original = valid.get(random.nextInt(valid.size()));
                    input = original.clone();
                    int flips = 1 + random.nextInt(3);
                    for (int f = 0; f < flips; f++) {
                        input[4 + random.nextInt(input.length - 4)] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                try {
                    small.decodeFrame(ByteBuffer.wrap(input));
                } catch (WireFormatException expected) {
                    decodeErrors++;
                }
            }
            assertThat(decodeErrors).as("inputs refused").isGreaterThan(5_000);
        }
    }
}
