package io.nodesync.log;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * A snapshot in a file {@code snapshot-<index>-<term>.snap}: a header (magic, format version, index, term), the
 * state machine's bytes, and a CRC32C of everything before it. Reads are positional on a channel opened once, so a
 * leader can send chunks while the node loop goes on. Thread-safe.
 *
 * <p>Once a newer snapshot replaces this one its file is deleted, but the open channel keeps the bytes readable
 * (a follower transfer in flight can finish) until the snapshot after that replaces it too and
 * {@link #close()} is called; reads after that fail with an {@link UncheckedIOException}.
 */
final class FileSnapshot implements Snapshot {

    static final int MAGIC = 0x4E53534E; // "NSSN"
    static final int FORMAT_VERSION = 1;
    static final int HEADER_BYTES = 4 + 4 + 8 + 8;
    static final int TRAILER_BYTES = 4;

    private static final Pattern NAME = Pattern.compile("snapshot-(\\d{1,20})-(\\d{1,20})\\.snap");

    private final Path path;
    private final long index;
    private final long term;
    private final long size;
    private final FileChannel channel;

    private FileSnapshot(Path path, long index, long term, long size, FileChannel channel) {
        this.path = path;
        this.index = index;
        this.term = term;
        this.size = size;
        this.channel = channel;
    }

    /** The file name of snapshot {@code (index, term)} with {@code suffix} ({@code "snap"}, {@code "tmp"}, ...). */
    static String fileName(long index, long term, String suffix) {
        return String.format(Locale.ROOT, "snapshot-%020d-%020d.%s", index, term, suffix);
    }

    /** {@code {index, term}} if {@code name} is a snapshot's file name, else {@code null}. */
    static long[] parseName(String name) {
        Matcher matcher = NAME.matcher(name);
        if (!matcher.matches()) {
            return null;
        }
        try {
            return new long[] {Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2))};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Opens a snapshot file already {@linkplain #verify verified}. */
    static FileSnapshot open(Path path, long index, long term) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = channel.size() - HEADER_BYTES - TRAILER_BYTES;
            if (size < 0) {
                throw new LogCorruptedException(path, 0, "snapshot file shorter than its header and trailer");
            }
            return new FileSnapshot(path, index, term, size, channel);
        } catch (RuntimeException e) {
            LogFiles.closeQuietly(channel);
            throw e;
        }
    }

    /**
     * Checks the header names {@code (index, term)} and the checksum matches, reading the whole file.
     *
     * @throws LogCorruptedException if not
     */
    static void verify(Path path, long index, long term) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long fileSize = channel.size();
            if (fileSize < HEADER_BYTES + TRAILER_BYTES) {
                throw new LogCorruptedException(path, 0, "snapshot file of " + fileSize
                        + " bytes is shorter than its header and trailer");
            }
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
            LogFiles.readFully(channel, header, 0, path);
            header.flip();
            int magic = header.getInt();
            if (magic != MAGIC) {
                throw new LogCorruptedException(path, 0, String.format("not a snapshot (magic 0x%08X)", magic));
            }
            int version = header.getInt();
            if (version != FORMAT_VERSION) {
                throw new LogCorruptedException(path, 4, "unsupported snapshot format version " + version);
            }
            long headerIndex = header.getLong();
            long headerTerm = header.getLong();
            if (headerIndex != index || headerTerm != term) {
                throw new LogCorruptedException(path, 8, "header says index " + headerIndex + " term " + headerTerm
                        + ", the file name " + index + " and " + term);
            }
            CRC32C crc = new CRC32C();
            crc.update(header.flip());
            long checksummed = fileSize - TRAILER_BYTES;
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            for (long at = HEADER_BYTES; at < checksummed; ) {
                chunk.clear().limit((int) Math.min(chunk.capacity(), checksummed - at));
                LogFiles.readFully(channel, chunk, at, path);
                at += chunk.position();
                crc.update(chunk.flip());
            }
            ByteBuffer trailer = ByteBuffer.allocate(TRAILER_BYTES);
            LogFiles.readFully(channel, trailer, checksummed, path);
            if (trailer.flip().getInt() != (int) crc.getValue()) {
                throw new LogCorruptedException(path, checksummed, "snapshot checksum mismatch");
            }
        }
    }

    Path path() {
        return path;
    }

    @Override
    public long index() {
        return index;
    }

    @Override
    public long term() {
        return term;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public byte[] read(long offset, int maxBytes) {
        if (offset < 0 || maxBytes < 0) {
            throw new IllegalArgumentException("offset " + offset + " and maxBytes " + maxBytes
                    + " must not be negative");
        }
        long from = Math.min(offset, size);
        ByteBuffer bytes = ByteBuffer.allocate((int) Math.min(maxBytes, size - from));
        try {
            LogFiles.readFully(channel, bytes, HEADER_BYTES + from, path);
        } catch (IOException e) {
            throw unreadable(e);
        }
        return bytes.array();
    }

    @Override
    public InputStream open() {
        return new BufferedInputStream(new Input(), 64 * 1024);
    }

    /** Releases the channel; later reads fail. */
    void close() {
        LogFiles.closeQuietly(channel);
    }

    private UncheckedIOException unreadable(IOException e) {
        return new UncheckedIOException(unreadableMessage(e), e);
    }

    private String unreadableMessage(IOException e) {
        String why = e instanceof ClosedChannelException ? " (superseded by newer snapshots and released)" : "";
        return "cannot read snapshot " + path + why;
    }

    @Override
    public String toString() {
        return "FileSnapshot[" + path + ", index=" + index + ", term=" + term + ", size=" + size + "]";
    }

    /** The state machine's bytes as a stream of positional reads. */
    private final class Input extends InputStream {
        private long position;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            if (position >= size) {
                return -1;
            }
            ByteBuffer into = ByteBuffer.wrap(buffer, offset, (int) Math.min(length, size - position));
            int read;
            try {
                read = channel.read(into, HEADER_BYTES + position);
            } catch (IOException e) {
                throw new IOException(unreadableMessage(e), e);
            }
            if (read < 0) {
                throw new IOException("snapshot file " + path + " ended before its " + size + " bytes");
            }
            position += read;
            return read;
        }

        @Override
        public long skip(long n) {
            long skipped = Math.max(0, Math.min(n, size - position));
            position += skipped;
            return skipped;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, size - position);
        }
    }
}
