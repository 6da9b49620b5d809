package io.nodesync.log;

import java.io.IOException;
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
 */
final class Segment {

    private static final Pattern NAME = Pattern.compile("log-(\\d{20})\\.seg");

    private final Path path;
    private final long firstIndex;
    /** Bytes handed to the operating system. */
    private long size;
    private FileChannel channel;
    /** Whether the file was shortened since it was last forced, so the force must include its metadata. */
    private boolean truncated;

    Segment(Path path, long firstIndex, long size) {
        this.path = path;
        this.firstIndex = firstIndex;
        this.size = size;
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

    /** Cuts the file to {@code newSize} bytes. */
    void truncate(long newSize) throws IOException {
        channel().truncate(newSize);
        size = newSize;
        truncated = true;
    }

    /** Forces the written bytes (and the new length after a truncation) to the disk. */
    void force() throws IOException {
        if (channel != null) {
            channel.force(truncated);
            truncated = false;
        }
    }

    /** Forces now if the file was shortened: the new length must be durable, which a data-only force may skip. */
    void forceIfTruncated() throws IOException {
        if (truncated) {
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
