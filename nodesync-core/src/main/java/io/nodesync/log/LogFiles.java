package io.nodesync.log;

import java.io.EOFException;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** File operations the log needs in several places: whole writes and reads, fsync of a directory, atomic replace. */
final class LogFiles {

    // Windows cannot open a directory as a channel; NTFS journals its metadata, so there is nothing to force there.
    private static final boolean CAN_FORCE_DIRECTORIES = File.separatorChar == '/';

    private LogFiles() {
    }

    /** Writes all of {@code bytes} at {@code position}. */
    static void writeFully(FileChannel channel, ByteBuffer bytes, long position) throws IOException {
        long at = position;
        while (bytes.hasRemaining()) {
            at += channel.write(bytes, at);
        }
    }

    /** Reads {@code into.remaining()} bytes from {@code position}. */
    static void readFully(FileChannel channel, ByteBuffer into, long position, Path file) throws IOException {
        long at = position;
        while (into.hasRemaining()) {
            int read = channel.read(into, at);
            if (read < 0) {
                throw new EOFException(file + " ended at byte " + at);
            }
            at += read;
        }
    }

    /** The whole file in a heap buffer, or {@code null} if it does not exist. */
    static ByteBuffer readAll(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE - 16) {
                throw new LogCorruptedException(file, 0, "file of " + size + " bytes is larger than this log writes");
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) size);
            readFully(channel, bytes, 0, file);
            return bytes.flip();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Makes the creations, deletions and renames in {@code directory} durable. */
    static void forceDirectory(Path directory) throws IOException {
        if (CAN_FORCE_DIRECTORIES) {
            try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
                channel.force(true);
            }
        }
    }

    /**
     * Replaces {@code target} with {@code contents} so that a crash leaves either the old file or the new one: write
     * a temporary file, force it, rename it over the target, force the directory (the forces only if {@code force}).
     */
    static void replaceAtomically(Path target, ByteBuffer contents, boolean force) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(channel, contents, 0);
            if (force) {
                channel.force(true);
            }
        }
        moveAtomically(tmp, target, force);
    }

    /** Renames {@code from} over {@code to} atomically, then forces the directory if {@code force}. */
    static void moveAtomically(Path from, Path to, boolean force) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (force) {
            forceDirectory(to.getParent());
        }
    }

    /** Closes {@code channel} if open, ignoring a failure: used on paths that are already failing or discarding. */
    static void closeQuietly(AutoCloseable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // Nothing to do: the caller is discarding this file or already reporting another failure.
            }
        }
    }

    /** Deletes {@code file} if it exists, ignoring a failure (a leftover is cleaned up at the next open). */
    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // A leftover temporary file is deleted when the log is next opened.
        }
    }
}
