package io.nodesync.log;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Reads the framed records of one file held in memory (see {@link RecordBuffer} for the frame), telling a torn final
 * write apart from damage.
 *
 * <p>A record is bad when fewer than a header's bytes are left, its length is impossible (below 1, beyond
 * {@link RecordBuffer#MAX_RECORD_BYTES}) or runs past the end of the file, or its checksum does not match. A bad
 * record is a torn tail, to be cut off, only in a file that may have one (the last segment, the pending-writes file)
 * and only if no well-formed record (plausible length, known type, matching checksum) starts anywhere after it: a
 * write cut short by a crash leaves a prefix of its bytes, or zeros, but never a complete record after the damage.
 * Anything else is a {@link LogCorruptedException} at the bad record's offset.
 */
final class RecordReader {

    /** One record: where it starts, its type, and its payload (a view into the file's bytes). */
    record Record(long offset, byte type, ByteBuffer payload, int size) {
    }

    private final Path file;
    private final ByteBuffer data;
    private final boolean mayHaveTornTail;
    private final CRC32C crc = new CRC32C();
    private int position;
    private long tornAt = -1;
    private String tornReason;

    /**
     * @param file the file the bytes come from, for messages
     * @param data the whole file, from position 0 to its limit
     * @param mayHaveTornTail whether a torn final write is expected here (the last file written)
     */
    RecordReader(Path file, ByteBuffer data, boolean mayHaveTornTail) {
        this.file = file;
        this.data = data;
        this.mayHaveTornTail = mayHaveTornTail;
    }

    /**
     * The next record, or {@code null} at the end of the file or at a torn tail ({@link #tornAt()}).
     *
     * @throws LogCorruptedException if a bad record is not a torn tail
     */
    Record next() {
        int limit = data.limit();
        if (position >= limit) {
            return null;
        }
        String problem = problemAt(position);
        if (problem != null) {
            if (!mayHaveTornTail) {
                throw new LogCorruptedException(file, position, problem);
            }
            int later = nextWellFormedRecordAfter(position);
            if (later >= 0) {
                throw new LogCorruptedException(file, position, problem + ", yet a well-formed record follows at byte "
                        + later);
            }
            tornAt = position;
            tornReason = problem;
            position = limit;
            return null;
        }
        int length = data.getInt(position);
        ByteBuffer payload = data.duplicate();
        payload.position(position + RecordBuffer.FRAME_HEADER_BYTES + 1);
        payload.limit(position + RecordBuffer.FRAME_HEADER_BYTES + length);
        Record record = new Record(position, data.get(position + RecordBuffer.FRAME_HEADER_BYTES), payload.slice(),
                RecordBuffer.FRAME_HEADER_BYTES + length);
        position += record.size();
        return record;
    }

    /** Where a torn tail starts, or -1 if the file ended cleanly (so far). */
    long tornAt() {
        return tornAt;
    }

    /** What was wrong at {@link #tornAt()}. */
    String tornReason() {
        return tornReason;
    }

    /** How many bytes of the file hold whole records: the length to keep. */
    long validLength() {
        return tornAt >= 0 ? tornAt : position;
    }

    /** Why the record at {@code at} is bad, or {@code null} if it is whole and its checksum matches. */
    private String problemAt(int at) {
        int left = data.limit() - at;
        if (left < RecordBuffer.FRAME_HEADER_BYTES + 1) {
            return allZero(at) ? "zero-filled tail" : "incomplete record header (" + left + " bytes)";
        }
        int length = data.getInt(at);
        if (length == 0 && allZero(at)) {
            return "zero-filled tail";
        }
        if (length < 1 || length > RecordBuffer.MAX_RECORD_BYTES) {
            return "impossible record length " + length;
        }
        if (length > left - RecordBuffer.FRAME_HEADER_BYTES) {
            return "record length " + length + " runs past the end of the file";
        }
        if (checksum(at, length) != data.getInt(at + 4)) {
            return "checksum mismatch";
        }
        return null;
    }

    private int nextWellFormedRecordAfter(int at) {
        int limit = data.limit();
        for (int candidate = at + 1; candidate <= limit - RecordBuffer.FRAME_HEADER_BYTES - 1; candidate++) {
            int length = data.getInt(candidate);
            // The cheap tests first: most offsets fail on length or type before any checksum is computed.
            if (length >= 1 && length <= limit - candidate - RecordBuffer.FRAME_HEADER_BYTES
                    && length <= RecordBuffer.MAX_RECORD_BYTES
                    && EntryCodec.isKnownType(data.get(candidate + RecordBuffer.FRAME_HEADER_BYTES))
                    && checksum(candidate, length) == data.getInt(candidate + 4)) {
                return candidate;
            }
        }
        return -1;
    }

    private int checksum(int at, int length) {
        ByteBuffer covered = data.duplicate();
        covered.position(at + RecordBuffer.FRAME_HEADER_BYTES);
        covered.limit(at + RecordBuffer.FRAME_HEADER_BYTES + length);
        crc.reset();
        crc.update(covered);
        return (int) crc.getValue();
    }

    private boolean allZero(int from) {
        for (int i = from; i < data.limit(); i++) {
            if (data.get(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
