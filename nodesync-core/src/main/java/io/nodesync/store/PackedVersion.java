package io.nodesync.store;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A {@link Versioned} packed into one {@code byte[]}, as {@link KvStateMachine} keeps each key: a header of
 * {@value #HEADER} bytes, then the value's UTF-8 bytes (none for a tombstone).
 *
 * <pre>
 *   [0]      flags: {@link #TOMBSTONE}, {@link #ASCII}
 *   [1..2]   stamper code, unsigned big-endian (see {@link StamperCodes}; 0 is no stamper)
 *   [3..10]  timestamp, big-endian
 *   [11..]   value, UTF-8
 * </pre>
 *
 * <p>One array instead of a {@code Versioned}, a {@code String} and its array saves about 50 bytes a key. A record is
 * never modified once made, so snapshot images may share it with the live map.
 */
final class PackedVersion {

    /** Bytes before the value. */
    static final int HEADER = 11;

    private static final byte TOMBSTONE = 1;
    /** Every value byte is below 0x80, so the value decodes as ISO-8859-1 (a plain copy). */
    private static final byte ASCII = 2;

    /** Values up to this long are read from a snapshot straight into their record. */
    private static final int TRUSTED_LENGTH = 1 << 20;

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private PackedVersion() {
    }

    /**
     * A record of {@code value} ({@code null}: a tombstone) stamped {@code (timestamp, stamperCode)}: the value is
     * encoded straight into the record, exactly as {@code value.getBytes(UTF_8)} would encode it.
     */
    static byte[] of(String value, long timestamp, int stamperCode) {
        if (value == null) {
            return header(new byte[HEADER], TOMBSTONE, stamperCode, timestamp);
        }
        // The JDK's own encoder is vectorised for Latin-1 strings (a char-by-char loop was 9% of the loop's time
        // under load). One byte per char means every char was ASCII: any other encodes to two or more bytes, and
        // a lone surrogate to the ASCII '?'.
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        byte[] record = new byte[HEADER + utf8.length];
        System.arraycopy(utf8, 0, record, HEADER, utf8.length);
        return header(record, utf8.length == value.length() ? ASCII : 0, stamperCode, timestamp);
    }

    /**
     * A record whose value is the next {@code length} bytes of {@code in} ({@code -1}: a tombstone), read straight
     * into it, for a snapshot being restored; its stamp is zero until {@link #stamp}ed.
     */
    static byte[] read(DataInputStream in, int length) throws IOException {
        if (length < 0) {
            return header(new byte[HEADER], TOMBSTONE, 0, 0);
        }
        if (length > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("corrupt snapshot: value length " + length);
        }
        byte[] record;
        if (length <= TRUSTED_LENGTH) {
            record = new byte[HEADER + length];
            in.readFully(record, HEADER, length);
        } else {
            // A corrupt length must not allocate a huge array before the stream shows it holds that many bytes.
            byte[] value = in.readNBytes(length);
            if (value.length != length) {
                throw new EOFException("snapshot ends inside a value");
            }
            record = new byte[HEADER + length];
            System.arraycopy(value, 0, record, HEADER, length);
        }
        int flags = ASCII;
        for (int i = HEADER; i < record.length; i++) {
            if (record[i] < 0) {
                flags = 0;
                break;
            }
        }
        return header(record, flags, 0, 0);
    }

    /** Sets the stamp of a record {@link #read} just now (the snapshot format has it after the value). */
    static byte[] stamp(byte[] record, long timestamp, int stamperCode) {
        return header(record, record[0], stamperCode, timestamp);
    }

    private static byte[] header(byte[] record, int flags, int stamperCode, long timestamp) {
        record[0] = (byte) flags;
        record[1] = (byte) (stamperCode >>> 8);
        record[2] = (byte) stamperCode;
        LONG.set(record, 3, timestamp);
        return record;
    }

    static boolean isTombstone(byte[] record) {
        return (record[0] & TOMBSTONE) != 0;
    }

    static long timestamp(byte[] record) {
        return (long) LONG.get(record, 3);
    }

    static int stamperCode(byte[] record) {
        return (record[1] & 0xFF) << 8 | (record[2] & 0xFF);
    }

    /** The value's UTF-8 length; the value starts at {@link #HEADER}. Meaningless for a tombstone. */
    static int valueLength(byte[] record) {
        return record.length - HEADER;
    }

    /** The value, or {@code null} for a tombstone. */
    static String value(byte[] record) {
        if (isTombstone(record)) {
            return null;
        }
        return new String(record, HEADER, record.length - HEADER,
                (record[0] & ASCII) != 0 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
    }

    /** Whether the record holds a value equal to {@code text} (never for a tombstone), without decoding an ASCII one. */
    static boolean valueEquals(byte[] record, String text) {
        if (isTombstone(record) || text == null) {
            return false;
        }
        if ((record[0] & ASCII) == 0) {
            return text.equals(value(record));
        }
        if (text.length() != record.length - HEADER) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) != record[HEADER + i]) {
                return false;
            }
        }
        return true;
    }
}
