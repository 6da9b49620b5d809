package io.nodesync.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One segment file of the log, {@code log-<first index, 20 digits>.seg}: entry records back to back, the first for
 * the index in its name. Only the last segment is written; the others keep no channel open. Used by the node loop
 * thread only.
 *
 * <p><b>Space allocated ahead.</b> The last segment's file is extended with zeros ahead of its records, a chunk at a
 * time. An fsync after an append that grows a file must also commit its new length through the file system's journal;
 * one that only overwrites allocated blocks need not, and on ext4 takes about half as long, and even less when the
 * three nodes of a machine sync at once. A segment is cut back to its records before the next one starts and when the
 * log closes; after a crash, recovery cuts the zero-filled tail off.
 */
final class Segment {

    private static final Pattern NAME = Pattern.compile("log-(\\d{20})\\.seg");
    /** How far the file is extended with zeros at a time, at most. */
    static final long ALLOCATION_CHUNK_BYTES = 1 << 20;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();

    private final Path path;
    private final long firstIndex;
    /** Bytes of records handed to the operating system. */
    private long size;
    /** The file's length: {@link #size} plus the zeros allocated ahead. */
    private long allocated;
    private FileChannel channel;
    /** Whether the file's length changed since it was last forced, so the force must include its metadata. */
    private boolean lengthChanged;

    Segment(Path path, long firstIndex, long size) {
        this.path = path;
        this.firstIndex = firstIndex;
        this.size = size;
        this.allocated = size;
    }

    static String fileName(long firstIndex) {
        return String.format(Locale.ROOT, "log-%020d.seg", firstIndex);
    }

    /** The first index in a segment's file name, or -1 if {@code name} is not one. */
    static long parseName(String name) {
        Matcher matcher = NAME.matcher(name);
        if (!matcher.matches()) {
            return -1;
        }
        try {
            return Long.parseLong(matcher.group(1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    Path path() {
        return path;
    }

    long firstIndex() {
        return firstIndex;
    }

    long size() {
        return size;
    }

    void grew(long bytes) {
        size += bytes;
    }

    /** The channel for writing, opened on first use. */
    FileChannel channel() throws IOException {
        if (channel == null) {
            channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        return channel;
    }

    /**
     * Makes room for {@code bytes} more after the records: extends the file with zeros, by at least the smaller of
     * {@link #ALLOCATION_CHUNK_BYTES} and {@code chunkLimit} (the segment size), if it is not long enough already.
     */
    void allocateFor(long bytes, long chunkLimit) throws IOException {
        long needed = size + bytes;
        if (needed <= allocated) {
            return;
        }
        long target = Math.max(needed, allocated + Math.min(ALLOCATION_CHUNK_BYTES, Math.max(1, chunkLimit)));
        FileChannel ch = channel();
        long at = allocated;
        while (at < target) {
            ByteBuffer zeros = ZEROS.duplicate();
            zeros.limit((int) Math.min(zeros.capacity(), target - at));
            at += ch.write(zeros, at);
        }
        allocated = target;
        lengthChanged = true;
    }

    /** Cuts the zeros allocated ahead off, leaving the records: before the next segment starts, and on close. */
    void trimToRecords() throws IOException {
        if (allocated > size) {
            channel().truncate(size);
            allocated = size;
            lengthChanged = true;
        }
    }

    /** Cuts the file to {@code newSize} bytes. */
    void truncate(long newSize) throws IOException {
        channel().truncate(newSize);
        size = newSize;
        allocated = newSize;
        lengthChanged = true;
    }

    /** Forces the written bytes (and the new length, if it changed) to the disk. */
    void force() throws IOException {
        if (channel != null) {
            channel.force(lengthChanged);
            lengthChanged = false;
        }
    }

    /**
     * Forces now if the file's length changed (shortened, or extended for records written since): the new length must
     * be durable, which a data-only force may skip.
     */
    void forceIfLengthChanged() throws IOException {
        if (lengthChanged) {
            force();
        }
    }

    void close() {
        LogFiles.closeQuietly(channel);
        channel = null;
    }

    @Override
    public String toString() {
        return path.getFileName() + "(" + size + " bytes)";
    }
}
