package io.nodesync.log;

import io.nodesync.jmh.BenchData;
import io.nodesync.protocol.Entry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Appending a batch of 32 entries (100-byte PUTs) to a log: to an {@link InMemoryLog}, and to a {@link FileLog}
 * followed by {@link FileLog#sync()} under {@link FsyncPolicy#NEVER} (encoding, CRC32C and one write to the
 * operating system per batch; no fsync, so this measures the log's code rather than the disk).
 *
 * <p>The batches are built before the measurement: each iteration starts with a fresh log and appends
 * {@link #ROUND_BATCHES} batches in turn, then truncates the log back to empty and starts over, so that memory and
 * the segment file stay bounded however fast the appends go (the truncation costs one call every
 * {@value #ROUND_BATCHES} batches).
 */
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LogAppendBenchmark {

    /** Entries per append. */
    static final int BATCH = 32;
    /** Batches per round, before the log is truncated back to empty: 32,768 entries, about 5 MB on disk. */
    static final int ROUND_BATCHES = 1024;

    /** The batches of one round, shared by both logs: batch {@code b} holds the entries from {@code b * BATCH + 1}. */
    @State(Scope.Benchmark)
    public static class Batches {
        List<List<Entry>> batches;

        @Setup(Level.Trial)
        public void setUp() {
            List<Entry> all = BenchData.entries(1, BATCH * ROUND_BATCHES);
            batches = new java.util.ArrayList<>(ROUND_BATCHES);
            for (int b = 0; b < ROUND_BATCHES; b++) {
                batches.add(List.copyOf(all.subList(b * BATCH, (b + 1) * BATCH)));
            }
        }
    }

    /** A fresh in-memory log per iteration. */
    @State(Scope.Thread)
    public static class MemoryLogState {
        InMemoryLog log;
        int next;

        @Setup(Level.Iteration)
        public void setUp() {
            log = new InMemoryLog();
            next = 0;
        }
    }

    /** A fresh file log per iteration, in a temporary directory deleted afterwards. */
    @State(Scope.Thread)
    public static class FileLogState {
        Path directory;
        FileLog log;
        int next;

        @Setup(Level.Iteration)
        public void setUp() throws IOException {
            directory = Files.createTempDirectory("nodesync-jmh-filelog");
            log = FileLog.open(directory, BenchData.ORIGIN,
                    FileLog.Options.defaults().withFsyncPolicy(FsyncPolicy.NEVER));
            next = 0;
        }

        @TearDown(Level.Iteration)
        public void tearDown() throws IOException {
            try {
                log.close();
            } finally {
                deleteRecursively(directory);
            }
        }
    }

    @Benchmark
    public long inMemoryAppend(Batches batches, MemoryLogState state) {
        if (state.next == ROUND_BATCHES) {
            state.log.truncateFrom(1);
            state.next = 0;
        }
        state.log.append(batches.batches.get(state.next++));
        return state.log.lastIndex();
    }

    @Benchmark
    public long fileAppendAndSync(Batches batches, FileLogState state) {
        if (state.next == ROUND_BATCHES) {
            state.log.truncateFrom(1);
            state.next = 0;
        }
        state.log.append(batches.batches.get(state.next++));
        state.log.sync();
        return state.log.lastIndex();
    }

    static void deleteRecursively(Path root) throws IOException {
        if (root == null || Files.notExists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
