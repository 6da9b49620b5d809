package io.nodesync.log;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The background thread of {@link FsyncPolicy#BATCH}: forces the files the node loop wrote at most once per interval,
 * and no later than one interval after the first write it has not forced yet.
 *
 * <p>It is never interrupted: interrupting a thread inside {@link FileChannel#force} closes the channel, which would
 * break the log's own writes. A channel the node loop closed meanwhile (a deleted or rolled segment, already forced
 * or no longer needed) is skipped. A failure to force is kept and thrown on the node loop by the log's next call.
 */
final class BatchFlusher implements AutoCloseable {

    private final Path directory;
    private final long intervalNanos;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Guarded by lock.
    private final Set<FileChannel> unforced = new LinkedHashSet<>();
    private boolean directoryUnforced;
    private long dirtySinceNanos;
    private boolean closing;
    private volatile Exception failure;
    private volatile long rounds;

    BatchFlusher(Path directory, Duration interval, String threadName) {
        this.directory = directory;
        this.intervalNanos = interval.toNanos();
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Hands over channels written to (and the directory, if files came or went) to be forced within the interval. */
    void add(List<FileChannel> channels, boolean directoryChanged) {
        if (channels.isEmpty() && !directoryChanged) {
            return;
        }
        lock.lock();
        try {
            if (unforced.isEmpty() && !directoryUnforced) {
                dirtySinceNanos = System.nanoTime();
                changed.signalAll();
            }
            unforced.addAll(channels);
            directoryUnforced |= directoryChanged;
        } finally {
            lock.unlock();
        }
    }

    /** How many times the thread has forced what it was handed: a measure of the fsyncs the batching saved. */
    long rounds() {
        return rounds;
    }

    /** The failure of a background force, or {@code null}. */
    Exception failure() {
        return failure;
    }

    private void run() {
        lock.lock();
        try {
            while (!closing) {
                if (unforced.isEmpty() && !directoryUnforced) {
                    changed.awaitUninterruptibly();
                    continue;
                }
                long wait = dirtySinceNanos + intervalNanos - System.nanoTime();
                if (wait > 0) {
                    awaitNanos(wait);
                    continue;
                }
                List<FileChannel> channels = new ArrayList<>(unforced);
                boolean forceDirectory = directoryUnforced;
                unforced.clear();
                directoryUnforced = false;
                lock.unlock();
                try {
                    force(channels, forceDirectory);
                } finally {
                    lock.lock();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void awaitNanos(long nanos) {
        try {
            changed.awaitNanos(nanos);
        } catch (InterruptedException e) {
            // Only this log owns the thread, and it stops it with close(), never with an interrupt: keep the promise.
        }
    }

    private void force(List<FileChannel> channels, boolean forceDirectory) {
        try {
            for (FileChannel channel : channels) {
                try {
                    channel.force(false);
                } catch (ClosedChannelException e) {
                    // Closed by the node loop: rolled (forced then) or deleted (no longer needed).
                }
            }
            if (forceDirectory) {
                LogFiles.forceDirectory(directory);
            }
            rounds++; // only this thread writes it
        } catch (IOException | RuntimeException e) {
            if (failure == null) {
                failure = e;
            }
        }
    }

    /** Stops the thread; what it had not forced yet is the caller's to force. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (thread.isAlive() && System.nanoTime() < deadline) {
            try {
                thread.join(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 1);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
