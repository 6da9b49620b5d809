package io.nodesync.transport.tcp;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Makes fuzz inputs: random bytes, soups of a protocol's tokens, and valid inputs broken by stacked mutations (bit
 * flips, byte insertions and deletions, truncation, duplicated, repeated and spliced chunks, decimal and binary
 * length fields set to huge, negative, zero and boundary values). Also splits inputs into the chunks a connection
 * would read. Stateless; all randomness comes from the caller's generator.
 */
public final class Mutator {

    /** Inputs are cut at this, so that one input stays fast: enough to cross the default 64 KiB line limit. */
    static final int MAX_INPUT_BYTES = 256 * 1024;

    /** Where a valid input keeps a binary length or count, for mutations that aim at it. */
    public record Field(int offset, int width) {
    }

    /** A valid input of a protocol, with its binary fields (none for the text protocols). */
    public record Valid(byte[] bytes, List<Field> fields) {
        public Valid(byte[] bytes) {
            this(bytes, List.of());
        }
    }

    /** A generated input, and whether it is a valid input left intact (so it must be accepted in full). */
    public record Input(byte[] bytes, boolean intact) {
    }

    private static final byte[] INTERESTING_BYTES = {0x00, (byte) 0xFF, 0x7F, (byte) 0x80, (byte) 0xC0, (byte) 0xC3,
        (byte) 0xE2, (byte) 0xED, (byte) 0xF0, (byte) 0xF5, 0x01, 0x02, '\r', '\n', ' ', '\t', '*', '$', ':', '+', '-',
        '0', '9', '?'};

    private static final String[] INTERESTING_NUMBERS = {"0", "-0", "1", "-1", "-2", "2", "3", "7", "16", "32", "33",
        "64", "1024", "1025", "65536", "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967296",
        "999999999999999999", "1000000000000000000", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "99999999999999999999", "", "+1", "1a", " 1", "0x10", "00000000000000000001",
        "\u0663"};

    /** Around the peer protocol's bounds (64-byte minimum frame, 1,020-byte ids, 16 MiB frames) and int's own. */
    private static final int[] INTERESTING_INTS = {0, 1, -1, 2, 63, 64, 65, 255, 256, 1020, 1021, 32767, 32768, 65535,
        65536, 1 << 24, (1 << 24) + 1, Integer.MAX_VALUE, Integer.MAX_VALUE - 1, Integer.MIN_VALUE, -2};

    private static final long[] INTERESTING_LONGS = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE,
        1L << 32};

    private Mutator() {
    }

    /**
     * One input for a target: 10% random bytes, 10% a soup of {@code tokens}, 15% a valid input, 65% a mutated one.
     * {@code firstByte}, if not null, starts half the random inputs so that they get past a dialect's first check.
     */
    public static Input generate(SplittableRandom random, Function<SplittableRandom, Valid> valid, List<byte[]> tokens,
            Byte firstByte) {
        int kind = random.nextInt(100);
        if (kind < 10) {
            byte[] bytes = randomBytes(random);
            if (firstByte != null && bytes.length > 0 && random.nextBoolean()) {
                bytes[0] = firstByte;
            }
            return new Input(bytes, false);
        }
        if (kind < 20) {
            return new Input(soup(random, tokens), false);
        }
        Valid original = valid.apply(random);
        if (kind < 35) {
            return new Input(original.bytes(), true);
        }
        return new Input(mutate(original, valid.apply(random), random), false);
    }

    /** Random bytes, mostly short, sometimes a few KiB. */
    public static byte[] randomBytes(SplittableRandom random) {
        int bound = random.nextInt(20) == 0 ? 16 * 1024 : random.nextInt(4) == 0 ? 1024 : 64;
        byte[] bytes = new byte[random.nextInt(bound + 1)];
        random.nextBytes(bytes);
        return bytes;
    }

    /** 1 to 40 tokens of a protocol, in random order: syntax-shaped garbage that reaches deeper than random bytes. */
    public static byte[] soup(SplittableRandom random, List<byte[]> tokens) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int count = 1 + random.nextInt(40);
        for (int i = 0; i < count; i++) {
            out.writeBytes(tokens.get(random.nextInt(tokens.size())));
        }
        return out.toByteArray();
    }

    /** 1 to 4 mutations of {@code original}, stacked; {@code donor} (another valid input) is spliced in sometimes. */
    public static byte[] mutate(Valid original, Valid donor, SplittableRandom random) {
        byte[] bytes = original.bytes();
        int count = 1 + random.nextInt(4);
        for (int i = 0; i < count; i++) {
            bytes = mutateOnce(bytes, original.fields(), donor.bytes(), random);
        }
        return bytes.length <= MAX_INPUT_BYTES ? bytes : Arrays.copyOf(bytes, MAX_INPUT_BYTES);
    }

    private static byte[] mutateOnce(byte[] bytes, List<Field> fields, byte[] donor, SplittableRandom random) {
        int length = bytes.length;
        switch (random.nextInt(11)) {
            case 0: { // flip one bit
                if (length == 0) {
                    return bytes;
                }
                byte[] out = bytes.clone();
                out[random.nextInt(length)] ^= (byte) (1 << random.nextInt(8));
                return out;
            }
            case 1: { // overwrite one byte
                if (length == 0) {
                    return bytes;
                }
                byte[] out = bytes.clone();
                out[random.nextInt(length)] = interestingOrRandomByte(random);
                return out;
            }
            case 2: { // insert a few bytes
                byte[] inserted = new byte[1 + random.nextInt(8)];
                for (int i = 0; i < inserted.length; i++) {
                    inserted[i] = interestingOrRandomByte(random);
                }
                return insert(bytes, random.nextInt(length + 1), inserted);
            }
            case 3: { // delete a range
                if (length == 0) {
                    return bytes;
                }
                int from = random.nextInt(length);
                int to = Math.min(length, from + 1 + random.nextInt(16));
                return remove(bytes, from, to);
            }
            case 4: // truncate
                return Arrays.copyOf(bytes, random.nextInt(length + 1));
            case 5: { // duplicate a chunk somewhere else (a frame or command twice, or torn in half)
                if (length == 0) {
                    return bytes;
                }
                int from = random.nextInt(length);
                int to = from + 1 + random.nextInt(Math.min(length - from, 64));
                return insert(bytes, random.nextInt(length + 1), Arrays.copyOfRange(bytes, from, to));
            }
            case 6: { // repeat a short chunk many times: long lines, long numbers, many stars or arguments
                if (length == 0) {
                    return bytes;
                }
                int from = random.nextInt(length);
                int to = Math.min(length, from + 1 + random.nextInt(8));
                byte[] chunk = Arrays.copyOfRange(bytes, from, to);
                int times = 2 + random.nextInt(random.nextBoolean() ? 40 : 2000);
                ByteArrayOutputStream repeated = new ByteArrayOutputStream();
                for (int i = 0; i < times && repeated.size() < MAX_INPUT_BYTES / 2; i++) {
                    repeated.writeBytes(chunk);
                }
                return insert(bytes, to, repeated.toByteArray());
            }
            case 7: { // splice: the start of one input with the end of another
                byte[] head = random.nextBoolean() ? bytes : donor;
                byte[] tail = head == bytes ? donor : bytes;
                byte[] out = Arrays.copyOf(head, random.nextInt(head.length + 1));
                return insert(out, out.length, Arrays.copyOfRange(tail, random.nextInt(tail.length + 1), tail.length));
            }
            case 8:
                return replaceNumber(bytes, random);
            case 9:
                return overwriteField(bytes, fields, random);
            default: { // insert a protocol-ish token: line ends, headers, multi-byte and broken UTF-8
                return insert(bytes, random.nextInt(length + 1), TEXT_TOKENS.get(random.nextInt(TEXT_TOKENS.size())));
            }
        }
    }

    private static final List<byte[]> TEXT_TOKENS = List.of(bytes("\r\n"), bytes("\n"), bytes("\r"), bytes(" "),
        bytes("  "), bytes("*"), bytes("$"), bytes("*-1\r\n"), bytes("$-1\r\n"), bytes("*0\r\n"), bytes("$0\r\n\r\n"),
        bytes("*1\r\n$4\r\nPING\r\n"), bytes("\u00e9"), bytes("\uD83D\uDE80"), new byte[] {(byte) 0xED, (byte) 0xA0,
            (byte) 0x80}, new byte[] {(byte) 0xC3}, new byte[] {(byte) 0xF5, 0x01}, bytes("\u0000"));

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte interestingOrRandomByte(SplittableRandom random) {
        return random.nextBoolean() ? INTERESTING_BYTES[random.nextInt(INTERESTING_BYTES.length)]
                : (byte) random.nextInt(256);
    }

    /** Replaces one decimal number of the text (a RESP length or count, a line's number) with a boundary value. */
    private static byte[] replaceNumber(byte[] bytes, SplittableRandom random) {
        List<int[]> numbers = new ArrayList<>();
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] >= '0' && bytes[i] <= '9') {
                int start = i > 0 && bytes[i - 1] == '-' ? i - 1 : i;
                while (i < bytes.length && bytes[i] >= '0' && bytes[i] <= '9') {
                    i++;
                }
                numbers.add(new int[] {start, i});
            }
        }
        if (numbers.isEmpty()) {
            return bytes;
        }
        int[] number = numbers.get(random.nextInt(numbers.size()));
        String replacement;
        if (random.nextInt(4) == 0) {
            // One off the original (its first 18 characters, so that it parses): the classic off-by-one lengths.
            int length = Math.min(number[1] - number[0], 18);
            long original = Long.parseLong(new String(bytes, number[0], length, StandardCharsets.US_ASCII));
            replacement = Long.toString(original + random.nextInt(-2, 3));
        } else {
            replacement = INTERESTING_NUMBERS[random.nextInt(INTERESTING_NUMBERS.length)];
        }
        byte[] removed = remove(bytes, number[0], number[1]);
        return insert(removed, number[0], bytes(replacement));
    }

    /** Overwrites a binary field (a known length field, or anywhere) with a boundary value of its width. */
    private static byte[] overwriteField(byte[] bytes, List<Field> fields, SplittableRandom random) {
        Field field;
        if (!fields.isEmpty() && random.nextInt(4) != 0) {
            field = fields.get(random.nextInt(fields.size()));
        } else {
            int[] widths = {1, 2, 4, 8};
            field = new Field(bytes.length == 0 ? 0 : random.nextInt(bytes.length), widths[random.nextInt(4)]);
        }
        if (field.offset() + field.width() > bytes.length) {
            return bytes;
        }
        ByteBuffer out = ByteBuffer.wrap(bytes.clone());
        int at = field.offset();
        switch (field.width()) {
            case 1 -> out.put(at, INTERESTING_BYTES[random.nextInt(INTERESTING_BYTES.length)]);
            case 2 -> {
                int[] shorts = {0, 1, 0xFFFF, 1020, 1021, 0x8000, out.getShort(at) + 1, out.getShort(at) - 1};
                out.putShort(at, (short) shorts[random.nextInt(shorts.length)]);
            }
            case 4 -> {
                int value = random.nextInt(3) == 0 ? out.getInt(at) + random.nextInt(-3, 4)
                        : random.nextInt(4) == 0 ? bytes.length - at - 4 + random.nextInt(-1, 2)
                        : INTERESTING_INTS[random.nextInt(INTERESTING_INTS.length)];
                out.putInt(at, value);
            }
            default -> out.putLong(at, INTERESTING_LONGS[random.nextInt(INTERESTING_LONGS.length)]);
        }
        return out.array();
    }

    private static byte[] insert(byte[] bytes, int at, byte[] inserted) {
        byte[] out = new byte[bytes.length + inserted.length];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(inserted, 0, out, at, inserted.length);
        System.arraycopy(bytes, at, out, at + inserted.length, bytes.length - at);
        return out;
    }

    private static byte[] remove(byte[] bytes, int from, int to) {
        byte[] out = new byte[bytes.length - (to - from)];
        System.arraycopy(bytes, 0, out, 0, from);
        System.arraycopy(bytes, to, out, from, bytes.length - to);
        return out;
    }

    /**
     * Where to cut {@code length} bytes into the chunks a connection reads: one chunk, a byte (or a few) at a time,
     * or a mix of tiny, small and large chunks. Byte-at-a-time is kept to inputs of a few KiB: a long input in
     * thousands of reads costs as many pipeline passes and teaches little more than a mix does.
     * Returns each chunk's end, ascending, the last being {@code length} (none for 0).
     */
    public static int[] chunkEnds(int length, SplittableRandom random) {
        int mode = random.nextInt(4);
        if (mode == 1 && length > 4096 || mode == 2 && length > 16384) {
            mode = 3;
        }
        List<Integer> ends = new ArrayList<>();
        int at = 0;
        while (at < length) {
            at += switch (mode) {
                case 0 -> length; // one read
                case 1 -> 1; // a byte at a time
                case 2 -> 1 + random.nextInt(8);
                default -> switch (random.nextInt(3)) {
                    case 0 -> 1 + random.nextInt(4);
                    case 1 -> 1 + random.nextInt(64);
                    default -> 1 + random.nextInt(Math.max(1, length / 8));
                };
            };
            ends.add(Math.min(at, length));
        }
        return ends.stream().mapToInt(Integer::intValue).toArray();
    }
}
