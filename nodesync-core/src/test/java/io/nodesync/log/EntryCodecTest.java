package io.nodesync.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.ClientCommand.Kind;
import io.nodesync.protocol.Command;
import io.nodesync.protocol.Entry;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class EntryCodecTest {

    private static final NodeId ORIGIN = NodeId.of("origin-1");
    private static final NodeId STAMPER = NodeId.of("5002");

    static Stream<Command> commands() {
        return Stream.of(
                Command.Noop.INSTANCE,
                new Command.PurgeTombstones(0),
                new Command.PurgeTombstones(Long.MIN_VALUE),
                new Command.PurgeTombstones(Long.MAX_VALUE),
                new ClientCommand(Kind.PUT, false, ORIGIN, 1, 2, "k", "v", null, 0, null),
                new ClientCommand(Kind.PUT, true, ORIGIN, Long.MIN_VALUE, Long.MAX_VALUE, "", "", null, -1, STAMPER),
                new ClientCommand(Kind.DELETE, true, ORIGIN, 3, 4, "gone", null, null, 99, STAMPER),
                new ClientCommand(Kind.DELETE, false, ORIGIN, 3, 5, "gone", null, null, 0, null),
                new ClientCommand(Kind.CAS, false, ORIGIN, 5, 6, "counter", "2", "1", 7, STAMPER),
                new ClientCommand(Kind.CAS, false, ORIGIN, 5, 7, "counter", "1", null, 7, STAMPER),
                new ClientCommand(Kind.SET_MODE, true, ORIGIN, 8, 9, null, "strong", null, 10, STAMPER),
                // Unicode: two- three- and four-byte UTF-8, combining marks, and unpaired surrogates, which UTF-8
                // cannot carry but a Java string can hold.
                new ClientCommand(Kind.PUT, false, ORIGIN, 1, 1, "ключ é 日本語", "😀 e\u0301 ∑", "\u0000nul", 1,
                        NodeId.of("ünï")),
                new ClientCommand(Kind.PUT, false, ORIGIN, 1, 1, "lone \uD83D high", "lone \uDE00 low", "\uDE00\uD83D",
                        1, STAMPER),
                new ClientCommand(Kind.PUT, false, ORIGIN, 1, 1, "end \uD83D", "x".repeat(100_000), null, 1, null));
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyCommandRoundTrips(Command command) throws Exception {
        Entry entry = new Entry(42, 7, command);
        RecordBuffer out = new RecordBuffer(16);
        EntryCodec.writeEntry(out, entry);

        assertThat(EntryCodec.readEntryPayload(out.contents())).isEqualTo(entry);
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyTruncationIsRejected(Command command) {
        RecordBuffer out = new RecordBuffer(16);
        EntryCodec.writeEntry(out, new Entry(1, 1, command));
        byte[] bytes = out.toByteArray();

        int step = Math.max(1, bytes.length / 500); // every prefix of small entries, a sample of the huge one
        for (int length = 0; length < bytes.length; length += step) {
            ByteBuffer prefix = ByteBuffer.wrap(bytes, 0, length).slice();
            assertThatThrownBy(() -> EntryCodec.readEntryPayload(prefix)).as("prefix of %d bytes", length)
                    .isInstanceOf(EntryCodec.Malformed.class);
        }
    }

    @Test
    void trailingBytesAreRejected() {
        RecordBuffer out = new RecordBuffer(16);
        EntryCodec.writeEntry(out, new Entry(1, 1, Command.Noop.INSTANCE));
        out.putByte(0);

        assertThatThrownBy(() -> EntryCodec.readEntryPayload(out.contents())).isInstanceOf(EntryCodec.Malformed.class)
                .hasMessageContaining("unexpected bytes");
    }

    @Test
    void fieldsTheEncoderNeverWritesAreRejected() {
        ClientCommand command = new ClientCommand(Kind.PUT, false, ORIGIN, 1, 2, "k", "v", null, 0, null);
        byte[] good = encode(new Entry(1, 1, command));
        int commandTag = 16;
        int kind = commandTag + 1;
        int flags = kind + 1;
        int originTag = flags + 1;

        assertMalformed(with(good, commandTag, 9), "unknown command tag");
        assertMalformed(with(good, kind, 4), "unknown command kind");
        assertMalformed(with(good, flags, 2), "unknown command flags");
        assertMalformed(with(good, originTag, 0), "without an origin");
        assertMalformed(with(good, originTag, 7), "unknown string tag");
        assertMalformed(with(good, originTag + 1, 0x80), "negative length");
        assertMalformed(with(good, originTag + 5, 0xC3), "not valid UTF-8"); // a lead byte without its follower
        assertMalformed(with(good, 7, 0), "must be positive"); // index 0

        byte[] noValue = encode(new Entry(1, 1, new ClientCommand(Kind.DELETE, false, ORIGIN, 1, 2, "k", null, null,
                0, null)));
        byte[] putWithoutValue = with(noValue, kind, 0); // a PUT without a value is not a command
        assertMalformed(putWithoutValue, "invalid command");
    }

    @Test
    void recordsAreFramedWithLengthAndChecksum() throws Exception {
        RecordBuffer out = new RecordBuffer(16);
        Entry entry = new Entry(3, 2, Command.Noop.INSTANCE);
        int size = EntryCodec.writeEntryRecord(out, entry);
        ByteBuffer bytes = out.contents();

        assertThat(size).isEqualTo(bytes.remaining()).isEqualTo(8 + 1 + 17);
        assertThat(bytes.getInt(0)).isEqualTo(size - 8);
        CRC32C crc = new CRC32C();
        crc.update(out.toByteArray(), 8, size - 8);
        assertThat(bytes.getInt(4)).isEqualTo((int) crc.getValue());
        assertThat(bytes.get(8)).isEqualTo(EntryCodec.ENTRY);

        RecordReader reader = new RecordReader(Path.of("x"), bytes, false);
        RecordReader.Record record = reader.next();
        assertThat(record.offset()).isZero();
        assertThat(EntryCodec.readEntryPayload(record.payload())).isEqualTo(entry);
        assertThat(reader.next()).isNull();
    }

    @Test
    void everyRecordTypeRoundTrips() throws Exception {
        ClientCommand command = new ClientCommand(Kind.PUT, true, ORIGIN, 1, 2, "k", "v", null, 3, STAMPER);
        RecordBuffer out = new RecordBuffer(16);
        EntryCodec.writePendingAdd(out, command);
        EntryCodec.writePendingSettle(out, 1, 2);
        EntryCodec.writeState(out, new EntryCodec.State(new Log.TermAndVote(9, STAMPER), Log.NOT_REJOINING));
        EntryCodec.writeState(out, new EntryCodec.State(new Log.TermAndVote(10, null), Log.REJOIN_TERM_UNKNOWN));
        EntryCodec.writeMeta(out, 1, ORIGIN);

        RecordReader reader = new RecordReader(Path.of("x"), out.contents(), false);
        List<RecordReader.Record> records = new ArrayList<>();
        for (RecordReader.Record record = reader.next(); record != null; record = reader.next()) {
            records.add(record);
        }
        assertThat(records).extracting(RecordReader.Record::type).containsExactly(EntryCodec.PENDING_ADD,
                EntryCodec.PENDING_SETTLE, EntryCodec.STATE, EntryCodec.STATE, EntryCodec.META);
        assertThat(EntryCodec.readPendingAddPayload(records.get(0).payload())).isEqualTo(command);
        assertThat(EntryCodec.readPendingSettlePayload(records.get(1).payload())).containsExactly(1, 2);
        assertThat(EntryCodec.readStatePayload(records.get(2).payload()))
                .isEqualTo(new EntryCodec.State(new Log.TermAndVote(9, STAMPER), Log.NOT_REJOINING));
        assertThat(EntryCodec.readStatePayload(records.get(3).payload()))
                .isEqualTo(new EntryCodec.State(new Log.TermAndVote(10, null), Log.REJOIN_TERM_UNKNOWN));
        assertThat(EntryCodec.readMetaPayload(records.get(4).payload())).isEqualTo(new EntryCodec.Meta(1, ORIGIN));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 100, 70_000})
    void stringsOfEveryLengthRoundTrip(int length) throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append((char) ('a' + i % 26));
        }
        RecordBuffer out = new RecordBuffer(1);
        out.putString(text.toString());

        assertThat(EntryCodec.readString(out.contents(), "text")).isEqualTo(text.toString());
    }

    private static byte[] encode(Entry entry) {
        RecordBuffer out = new RecordBuffer(16);
        EntryCodec.writeEntry(out, entry);
        return out.toByteArray();
    }

    private static byte[] with(byte[] bytes, int at, int value) {
        byte[] copy = bytes.clone();
        copy[at] = (byte) value;
        return copy;
    }

    private static void assertMalformed(byte[] bytes, String message) {
        assertThatThrownBy(() -> EntryCodec.readEntryPayload(ByteBuffer.wrap(bytes)))
                .isInstanceOf(EntryCodec.Malformed.class).hasMessageContaining(message);
    }
}
