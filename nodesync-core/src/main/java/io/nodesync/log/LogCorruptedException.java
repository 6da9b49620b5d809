package io.nodesync.log;

import java.nio.file.Path;

/**
 * A {@link FileLog} found data it cannot trust where it is not a torn final write: a record whose checksum or length
 * is wrong with further records after it, a gap in the entry indexes, a snapshot whose checksum is wrong with no way
 * around it. The log refuses to open rather than serve wrong data; an operator has to look at {@link #file()} at
 * {@link #offset()} (or remove the node's data directory so that it catches up from its peers).
 */
public final class LogCorruptedException extends RuntimeException {

    private final Path file;
    private final long offset;
    private final String reason;

    /**
     * Creates the exception.
     *
     * @param file the damaged file
     * @param offset the byte offset in {@code file} where the damage starts
     * @param reason what is wrong there
     */
    public LogCorruptedException(Path file, long offset, String reason) {
        this(file, offset, reason, null);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param file the damaged file
     * @param offset the byte offset in {@code file} where the damage starts
     * @param reason what is wrong there
     * @param cause what detected it, or {@code null}
     */
    public LogCorruptedException(Path file, long offset, String reason, Throwable cause) {
        super("corrupted log file " + file + " at byte offset " + offset + ": " + reason, cause);
        this.file = file;
        this.offset = offset;
        this.reason = reason;
    }

    /** The damaged file. */
    public Path file() {
        return file;
    }

    /** The byte offset in {@link #file()} where the damage starts. */
    public long offset() {
        return offset;
    }

    /** What is wrong at {@link #offset()}, without the file and offset. */
    public String reason() {
        return reason;
    }
}
