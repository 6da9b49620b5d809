package io.nodesync.log;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A growable, reusable byte buffer that records are encoded into before one write hands them to a file. Big-endian.
 * Owned by one thread.
 *
 * <p>Record frame: a 4-byte length of what follows the checksum, a 4-byte CRC32C of the type and payload, a 1-byte
 * type, then the payload ({@link EntryCodec} encodes the payloads).
 */
final class RecordBuffer {

    /** Bytes before the type: the length and the checksum. */
    static final int FRAME_HEADER_BYTES = 8;
    /** The largest type-plus-payload a record may have; a bigger length on disk is damage, not data. */
    static final int MAX_RECORD_BYTES = 256 * 1024 * 1024;

    private final CRC32C crc = new CRC32C();
    private final int initialCapacity;
    private byte[] bytes;
    private int size;

    RecordBuffer(int initialCapacity) {
        this.initialCapacity = initialCapacity;
        this.bytes = new byte[initialCapacity];
    }

    int size() {
        return size;
    }

    /** Forgets the contents, and gives back the memory of an unusually large turn. */
    void clear() {
        size = 0;
        if (bytes.length > 16 * initialCapacity) {
            bytes = new byte[initialCapacity];
        }
    }

    /** A view of the contents for a write; valid until the next change. */
    ByteBuffer contents() {
        return ByteBuffer.wrap(bytes, 0, size);
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    // ------------------------------------------------------------------------------------------ framing

    /** Starts a record of {@code type}; returns its start, to pass to {@link #finishRecord}. */
    int startRecord(byte type) {
        int start = size;
        ensure(FRAME_HEADER_BYTES + 1);
        size += FRAME_HEADER_BYTES;
        bytes[size++] = type;
        return start;
    }

    /**
     * Fills in the length and checksum of the record started at {@code start}, which ends here.
     *
     * @return the record's size, frame included
     * @throws IllegalArgumentException if the record is larger than {@link #MAX_RECORD_BYTES}: writing it would make
     *     a log this code refuses to read
     */
    int finishRecord(int start) {
        int length = size - start - FRAME_HEADER_BYTES;
        if (length > MAX_RECORD_BYTES) {
            size = start;
            throw new IllegalArgumentException("record of " + length + " bytes exceeds the limit of "
                    + MAX_RECORD_BYTES);
        }
        crc.reset();
        crc.update(bytes, start + FRAME_HEADER_BYTES, length);
        setInt(start, length);
        setInt(start + 4, (int) crc.getValue());
        return size - start;
    }

    // ------------------------------------------------------------------------------------------ fields

    void putByte(int value) {
        ensure(1);
        bytes[size++] = (byte) value;
    }

    void putInt(int value) {
        ensure(4);
        setInt(size, value);
        size += 4;
    }

    void putLong(long value) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            bytes[size++] = (byte) (value >>> shift);
        }
    }

    /**
     * Writes a string so that any Java string comes back identical: a tag ({@link EntryCodec#STRING_NULL},
     * {@link EntryCodec#STRING_UTF8}, or {@link EntryCodec#STRING_UTF16} for the rare string with an unpaired
     * surrogate, which UTF-8 cannot represent), then for a non-null string a 4-byte byte count and the bytes.
     */
    void putString(String text) {
        if (text == null) {
            putByte(EntryCodec.STRING_NULL);
            return;
        }
        int tagAt = size;
        putByte(EntryCodec.STRING_UTF8);
        int lengthAt = size;
        putInt(0);
        int length = text.length();
        ensure(3 * length); // no char needs more than 3 UTF-8 bytes (a surrogate pair takes 4 for 2 chars)
        int at = size;
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes[at++] = (byte) c;
            } else if (c < 0x800) {
                bytes[at++] = (byte) (0xC0 | (c >> 6));
                bytes[at++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 == length || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    size = tagAt;
                    putUtf16(text);
                    return;
                }
                int codePoint = Character.toCodePoint(c, text.charAt(++i));
                bytes[at++] = (byte) (0xF0 | (codePoint >> 18));
                bytes[at++] = (byte) (0x80 | ((codePoint >> 12) & 0x3F));
                bytes[at++] = (byte) (0x80 | ((codePoint >> 6) & 0x3F));
                bytes[at++] = (byte) (0x80 | (codePoint & 0x3F));
            } else {
                bytes[at++] = (byte) (0xE0 | (c >> 12));
                bytes[at++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                bytes[at++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        setInt(lengthAt, at - size);
        size = at;
    }

    private void putUtf16(String text) {
        putByte(EntryCodec.STRING_UTF16);
        putInt(2 * text.length());
        ensure(2 * text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            bytes[size++] = (byte) (c >> 8);
            bytes[size++] = (byte) c;
        }
    }

    private void setInt(int at, int value) {
        bytes[at] = (byte) (value >>> 24);
        bytes[at + 1] = (byte) (value >>> 16);
        bytes[at + 2] = (byte) (value >>> 8);
        bytes[at + 3] = (byte) value;
    }

    private void ensure(int more) {
        long needed = (long) size + more;
        if (needed > bytes.length) {
            if (needed > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("record buffer cannot grow to " + needed + " bytes");
            }
            bytes = Arrays.copyOf(bytes, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(needed, 2L * bytes.length)));
        }
    }
}
