package io.nodesync.log;

import static io.nodesync.log.LogFixtures.entries;
import static io.nodesync.log.LogFixtures.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The in-memory log keeps a snapshot's bytes in chunks; reads across chunk boundaries see one contiguous image. */
class InMemoryLogChunkedSnapshotTest {

    private static final int CHUNK = InMemoryLog.CHUNK_BYTES;

    private static byte[] pattern(int length) {
        byte[] image = new byte[length];
        new Random(length).nextBytes(image);
        return image;
    }

    /** Writes {@code image} in pieces of odd sizes and single bytes, as a buffered writer might. */
    private static Snapshot.Writer inPieces(byte[] image) {
        return out -> {
            int at = 0;
            int piece = 1;
            while (at < image.length) {
                if (piece % 3 == 0) {
                    out.write(image[at++]);
                } else {
                    int length = Math.min(image.length - at, piece * 9_973);
                    out.write(image, at, length);
                    at += length;
                }
                piece++;
            }
        };
    }

    @Test
    void aTakenSnapshotKeepsItsImageAndMakesTheBytesOnlyWhenRead() {
        InMemoryLog log = new InMemoryLog();
        log.append(entries(1, 3, 1));
        byte[] image = pattern(CHUNK + 3);
        java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();
        assertThat(log.takeSnapshot(3, 1, out -> {
            writes.incrementAndGet();
            out.write(image);
        })).isTrue();

        Snapshot snapshot = log.snapshot();
        assertThat(snapshot.size()).isEqualTo(image.length);
        assertThat(writes).as("counted once, no bytes kept").hasValue(1);
        assertThat(snapshot.read(CHUNK, 10)).isEqualTo(Arrays.copyOfRange(image, CHUNK, CHUNK + 3));
        assertThat(readAll(snapshot)).isEqualTo(image);
        assertThat(writes).as("made once, then held").hasValue(2);
    }

    @Test
    void aWriterThatWritesOtherBytesTheSecondTimeIsRefused() {
        InMemoryLog log = new InMemoryLog();
        log.append(entries(1, 3, 1));
        java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();
        log.takeSnapshot(3, 1, out -> out.write(new byte[writes.incrementAndGet()]));
        assertThatThrownBy(() -> log.snapshot().read(0, 10)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("same bytes each time");
    }

    @Test
    void imagesOfEverySizeAroundTheChunkBoundaryReadBackExactly() {
        for (int length : new int[] {0, 1, 255, 256, 257, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 7}) {
            InMemoryLog log = new InMemoryLog();
            log.append(entries(1, 3, 1));
            byte[] image = pattern(length);
            assertThat(log.takeSnapshot(3, 1, inPieces(image))).isTrue();

            Snapshot snapshot = log.snapshot();
            assertThat(snapshot.size()).as("size of %d", length).isEqualTo(length);
            assertThat(readAll(snapshot)).as("stream of %d", length).isEqualTo(image);
            for (long offset : new long[] {0, 1, CHUNK - 3, CHUNK, CHUNK + 5, length - 1L, length}) {
                if (offset < 0 || offset > length) {
                    continue;
                }
                int from = (int) offset;
                int to = (int) Math.min(length, offset + CHUNK + 10L);
                assertThat(snapshot.read(offset, CHUNK + 10)).as("read at %d of %d", offset, length)
                        .isEqualTo(Arrays.copyOfRange(image, from, to));
            }
            assertThat(snapshot.read(length + 5L, 10)).isEmpty();
        }
    }

    @Test
    void aSnapshotStagedInChunksAcrossBoundariesIsInstalledWhole() {
        InMemoryLog log = new InMemoryLog();
        byte[] image = pattern(2 * CHUNK + 12_345);
        int offset = 0;
        int piece = 700_001; // never aligned with the log's chunks
        while (offset < image.length) {
            int length = Math.min(piece, image.length - offset);
            log.stageSnapshotChunk(9, 2, offset, Arrays.copyOfRange(image, offset, offset + length));
            offset += length;
            assertThat(log.stagedSnapshotBytes(9, 2)).isEqualTo(offset);
        }

        Snapshot installed = log.installStagedSnapshot(9, 2);
        assertThat(installed.size()).isEqualTo(image.length);
        assertThat(readAll(installed)).isEqualTo(image);
        assertThat(installed.read(CHUNK - 1, 2)).containsExactly(image[CHUNK - 1], image[CHUNK]);
        assertThat(log.firstIndex()).isEqualTo(10);
    }

    @Test
    void negativeReadsAreRefused() {
        InMemoryLog log = new InMemoryLog();
        log.append(entries(1, 1, 1));
        log.takeSnapshot(1, 1, out -> out.write(new byte[] {1, 2, 3}));
        assertThatThrownBy(() -> log.snapshot().read(-1, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> log.snapshot().read(0, -2)).isInstanceOf(IllegalArgumentException.class);
    }
}
