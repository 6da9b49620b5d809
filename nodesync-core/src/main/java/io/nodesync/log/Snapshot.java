package io.nodesync.log;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A durable image of the state machine as of one log entry: everything the entries up to {@link #index()} did. Its
 * bytes are opaque to the log; the state machine writes and reads them. Immutable once installed.
 */
public interface Snapshot {

    /** The index of the last entry the snapshot covers. */
    long index();

    /** The term of that entry. */
    long term();

    /** The size of the snapshot's bytes. */
    long size();

    /**
     * Up to {@code maxBytes} bytes from {@code offset} (fewer only at the end), for sending to a follower in chunks.
     *
     * @throws java.io.UncheckedIOException if the bytes cannot be read
     */
    byte[] read(long offset, int maxBytes);

    /**
     * The whole snapshot as a stream, for the state machine to restore from.
     *
     * @throws java.io.UncheckedIOException if the bytes cannot be read
     */
    InputStream open();

    /**
     * Serialises an immutable image of the state machine; may run on a thread other than the node loop's, and more
     * than once (the in-memory log counts the bytes first and makes them only when they are read): each call must
     * write the same bytes.
     */
    @FunctionalInterface
    interface Writer {
        /** Writes the image to {@code out} (not closing it). */
        void writeTo(OutputStream out) throws IOException;
    }
}
