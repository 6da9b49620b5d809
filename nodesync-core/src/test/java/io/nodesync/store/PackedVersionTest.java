package io.nodesync.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A packed version holds exactly the stamp and the UTF-8 bytes {@code String.getBytes} would give its value. */
class PackedVersionTest {

    private static final List<String> SAMPLES = List.of("", "plain ascii", "\u007f", "é", "ünïcødé ключ", "値 ü 😀",
            "\uD83D\uDE00", "a\uD800b", "\uD800", "\uDC00x", "\uD800\uD800\uDC00", "x\uDBFF", "\u0800\uFFFF\u07FF");

    private static byte[] valueBytes(byte[] record) {
        return Arrays.copyOfRange(record, PackedVersion.HEADER, record.length);
    }

    @Test
    void valuesAreEncodedAsStringGetBytesEncodesThem() {
        for (String value : SAMPLES) {
            byte[] record = PackedVersion.of(value, 42, 7);
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            assertThat(valueBytes(record)).as(value).isEqualTo(utf8);
            assertThat(PackedVersion.valueLength(record)).isEqualTo(utf8.length);
            assertThat(PackedVersion.value(record)).isEqualTo(new String(utf8, StandardCharsets.UTF_8));
        }
    }

    @Test
    void randomTextWithSurrogatesEncodesLikeTheJdk() {
        Random random = new Random(11);
        char[] alphabet = {'a', '~', '\u0080', '\u00ff', '\u07ff', '\u0800', '\u20ac', '\uD800', '\uDBFF', '\uDC00',
            '\uDFFF', '\uFFFF'};
        for (int round = 0; round < 20_000; round++) {
            char[] text = new char[random.nextInt(12)];
            for (int i = 0; i < text.length; i++) {
                text[i] = random.nextInt(3) == 0 ? (char) random.nextInt(0x10000) : alphabet[random.nextInt(
                        alphabet.length)];
            }
            String value = new String(text);
            assertThat(valueBytes(PackedVersion.of(value, 1, 1))).as(value)
                    .isEqualTo(value.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void theStampAndTombstoneFlagAreKept() {
        for (long timestamp : new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0x0123456789ABCDEFL}) {
            for (int code : new int[] {0, 1, 255, 256, StamperCodes.MAX_CODE}) {
                byte[] value = PackedVersion.of("v", timestamp, code);
                byte[] tombstone = PackedVersion.of(null, timestamp, code);
                assertThat(PackedVersion.timestamp(value)).isEqualTo(timestamp);
                assertThat(PackedVersion.timestamp(tombstone)).isEqualTo(timestamp);
                assertThat(PackedVersion.stamperCode(value)).isEqualTo(code);
                assertThat(PackedVersion.stamperCode(tombstone)).isEqualTo(code);
                assertThat(PackedVersion.isTombstone(value)).isFalse();
                assertThat(PackedVersion.isTombstone(tombstone)).isTrue();
                assertThat(PackedVersion.value(tombstone)).isNull();
            }
        }
        assertThat(PackedVersion.isTombstone(PackedVersion.of("", 1, 1))).isFalse(); // empty is not deleted
    }

    @Test
    void valueEqualsComparesWithoutConfusingTombstonesOrPrefixes() {
        for (String value : SAMPLES) {
            byte[] record = PackedVersion.of(value, 1, 1);
            String decoded = PackedVersion.value(record);
            assertThat(PackedVersion.valueEquals(record, decoded)).as(value).isTrue();
            assertThat(PackedVersion.valueEquals(record, decoded + "x")).isFalse();
            assertThat(PackedVersion.valueEquals(record, null)).isFalse();
        }
        assertThat(PackedVersion.valueEquals(PackedVersion.of("abc", 1, 1), "abd")).isFalse();
        assertThat(PackedVersion.valueEquals(PackedVersion.of("é", 1, 1), "e")).isFalse();
        assertThat(PackedVersion.valueEquals(PackedVersion.of(null, 1, 1), "")).isFalse();
    }

    @Test
    void aRecordReadFromAStreamMatchesOneMadeFromItsValue() throws IOException {
        for (String value : SAMPLES) {
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(utf8));
            byte[] read = PackedVersion.stamp(PackedVersion.read(in, utf8.length), 42, 7);
            assertThat(valueBytes(read)).as(value).isEqualTo(valueBytes(PackedVersion.of(value, 42, 7)));
            assertThat(PackedVersion.timestamp(read)).isEqualTo(42);
            assertThat(PackedVersion.stamperCode(read)).isEqualTo(7);
            assertThat(PackedVersion.value(read)).isEqualTo(new String(utf8, StandardCharsets.UTF_8));
        }
        DataInputStream empty = new DataInputStream(new ByteArrayInputStream(new byte[0]));
        assertThat(PackedVersion.stamp(PackedVersion.read(empty, -1), 3, 2)).isEqualTo(PackedVersion.of(null, 3, 2));
    }

    @Test
    void aLargeValueIsReadWhole() throws IOException {
        byte[] large = new byte[(1 << 20) + 5];
        Arrays.fill(large, (byte) 'x');
        large[large.length - 1] = (byte) 0xC3; // not ASCII: decodes as UTF-8 (malformed: replaced)
        byte[] read = PackedVersion.read(new DataInputStream(new ByteArrayInputStream(large)), large.length);
        assertThat(valueBytes(read)).isEqualTo(large);
        assertThat(PackedVersion.value(read)).isEqualTo(new String(large, StandardCharsets.UTF_8));
    }
}
