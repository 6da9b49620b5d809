package io.nodesync.log;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Writes a snapshot file in {@link FileSnapshot}'s format: the header at creation, the state machine's bytes as they
 * come (buffered), and the checksum trailer at {@link #finish}. Used by one thread at a time.
 */
final class SnapshotFileWriter extends OutputStream {

    private final Path path;
    private final FileChannel channel;
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private long written;
    private long dataBytes;
    private boolean finished;

    private SnapshotFileWriter(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /** Creates (or empties) {@code path} and writes the header of snapshot {@code (index, term)}. */
    static SnapshotFileWriter create(Path path, long index, long term) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        SnapshotFileWriter writer = new SnapshotFileWriter(path, channel);
        try {
            writer.buffer.putInt(FileSnapshot.MAGIC).putInt(FileSnapshot.FORMAT_VERSION).putLong(index).putLong(term);
            writer.drain();
        } catch (IOException | RuntimeException e) {
            LogFiles.closeQuietly(channel);
            throw e;
        }
        return writer;
    }

    Path path() {
        return path;
    }

    /** The state machine's bytes written so far, header excluded. */
    long dataBytes() {
        return dataBytes;
    }

    @Override
    public void write(int b) throws IOException {
        checkOpen();
        if (!buffer.hasRemaining()) {
            drain();
        }
        buffer.put((byte) b);
        dataBytes++;
    }

    @Override
    public void write(byte[] data, int offset, int length) throws IOException {
        checkOpen();
        java.util.Objects.checkFromIndexSize(offset, length, data.length);
        int at = offset;
        int left = length;
        while (left > 0) {
            if (!buffer.hasRemaining()) {
                drain();
            }
            int n = Math.min(left, buffer.remaining());
            buffer.put(data, at, n);
            at += n;
            left -= n;
        }
        dataBytes += length;
    }

    /** Hands what is buffered to the operating system (snapshot writers may call it; it does not force). */
    @Override
    public void flush() throws IOException {
        checkOpen();
        drain();
    }

    /** Does not end the file: {@link #finish} does; a writer closing the stream it was given changes nothing. */
    @Override
    public void close() {
    }

    /** Writes the trailer, forces the file if {@code force}, and closes it. */
    void finish(boolean force) throws IOException {
        checkOpen();
        drain();
        ByteBuffer trailer = ByteBuffer.allocate(FileSnapshot.TRAILER_BYTES).putInt((int) crc.getValue()).flip();
        LogFiles.writeFully(channel, trailer, written);
        if (force) {
            channel.force(true);
        }
        finished = true;
        channel.close();
    }

    /** Closes the file without finishing it and deletes it. */
    void abort() {
        finished = true;
        LogFiles.closeQuietly(channel);
        LogFiles.deleteQuietly(path);
    }

    private void drain() throws IOException {
        buffer.flip();
        crc.update(buffer.duplicate());
        int bytes = buffer.remaining();
        LogFiles.writeFully(channel, buffer, written);
        written += bytes;
        buffer.clear();
    }

    private void checkOpen() throws IOException {
        if (finished) {
            throw new IOException("snapshot file " + path + " is already finished");
        }
    }
}
