package io.nodesync.log;

import static org.awaitility.Awaitility.await;

import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Command;
import io.nodesync.protocol.Entry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Entries, commands and waits shared by the log tests. */
final class LogFixtures {

    static final NodeId NODE = NodeId.of("n1");

    private LogFixtures() {
    }

    static ClientCommand put(long session, long seq, String key, String value) {
        return new ClientCommand(ClientCommand.Kind.PUT, false, NODE, session, seq, key, value, null, 0, null);
    }

    static ClientCommand eventualPut(long session, long seq, String key, String value) {
        return new ClientCommand(ClientCommand.Kind.PUT, true, NODE, session, seq, key, value, null, 1000 + seq,
                NODE);
    }

    /** One of each command kind, in turn, so a run of entries covers every encoding. */
    static Command command(long index) {
        switch ((int) (index % 6)) {
            case 0:
                return Command.Noop.INSTANCE;
            case 1:
                return put(7, index, "key-" + index, "value-" + index);
            case 2:
                return new ClientCommand(ClientCommand.Kind.DELETE, true, NODE, 7, index, "key-" + index, null, null,
                        index * 10, NodeId.of("n2"));
            case 3:
                return new ClientCommand(ClientCommand.Kind.CAS, false, NODE, 7, index, "ключ-" + index, "新しい",
                        index % 2 == 0 ? null : "old", index, NODE);
            case 4:
                return new ClientCommand(ClientCommand.Kind.SET_MODE, true, NODE, 7, index, null, "eventual", null,
                        index, NODE);
            default:
                return new Command.PurgeTombstones(index * 1000);
        }
    }

    static Entry entry(long index, long term) {
        return new Entry(index, term, command(index));
    }

    /** Entries {@code from..to} inclusive, all of {@code term}. */
    static List<Entry> entries(long from, long to, long term) {
        List<Entry> list = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            list.add(entry(i, term));
        }
        return list;
    }

    static Snapshot.Writer writing(byte[] data) {
        return out -> out.write(data);
    }

    static byte[] image(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] readAll(Snapshot snapshot) {
        try (InputStream in = snapshot.open()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Syncs until the log's snapshot is the one at {@code index}: a file log switches at a sync once it is written. */
    static void awaitSnapshot(Log log, long index) {
        await().atMost(Duration.ofSeconds(10)).pollInSameThread().pollInterval(Duration.ofMillis(2)).until(() -> {
            log.sync();
            return log.snapshot() != null && log.snapshot().index() == index;
        });
    }

    /** What opening a log threw; a log that opens instead is closed and the test fails. */
    static RuntimeException openFailure(java.util.function.Supplier<FileLog> opener) {
        return openFailure(RuntimeException.class, opener);
    }

    /** What opening a log threw, which must be a {@code type}; a log that opens is closed and the test fails. */
    static <T extends RuntimeException> T openFailure(Class<T> type, java.util.function.Supplier<FileLog> opener) {
        FileLog opened;
        try {
            opened = opener.get();
        } catch (RuntimeException e) {
            if (!type.isInstance(e)) {
                throw new AssertionError("expected " + type.getSimpleName() + " but got " + e, e);
            }
            return type.cast(e);
        }
        opened.close();
        throw new AssertionError("the log opened although it should not: " + opened);
    }

    /** The segment files in {@code dir}, in index order. */
    static List<java.nio.file.Path> segmentFiles(java.nio.file.Path dir) throws IOException {
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".seg")).sorted().toList();
        }
    }

    /** The files in {@code dir} whose names end with {@code suffix}, sorted. */
    static List<String> fileNames(java.nio.file.Path dir, String suffix) throws IOException {
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(name -> name.endsWith(suffix)).sorted()
                    .toList();
        }
    }

    /** Where each record of a well-formed record file starts, read from the length fields alone. */
    static List<Integer> recordStarts(byte[] file) {
        List<Integer> starts = new ArrayList<>();
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(file);
        int at = 0;
        while (at < file.length) {
            starts.add(at);
            at += 8 + bytes.getInt(at);
        }
        if (at != file.length) {
            throw new IllegalArgumentException("not a well-formed record file");
        }
        return starts;
    }

    /** Copies what is written to {@code System.err} (where the test logging backend writes) while open. */
    static final class CapturedStderr implements AutoCloseable {
        private final PrintStream original = System.err;
        private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

        CapturedStderr() {
            System.setErr(new PrintStream(new TeeStream(original, captured), true, StandardCharsets.UTF_8));
        }

        String text() {
            System.err.flush();
            synchronized (captured) {
                return captured.toString(StandardCharsets.UTF_8);
            }
        }

        @Override
        public void close() {
            System.err.flush();
            System.setErr(original);
        }

        private static final class TeeStream extends java.io.OutputStream {
            private final PrintStream original;
            private final ByteArrayOutputStream copy;

            TeeStream(PrintStream original, ByteArrayOutputStream copy) {
                this.original = original;
                this.copy = copy;
            }

            @Override
            public void write(int b) {
                original.write(b);
                synchronized (copy) {
                    copy.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                original.write(b, off, len);
                synchronized (copy) {
                    copy.write(b, off, len);
                }
            }
        }
    }
}
