package io.nodesync.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Entry;
import io.nodesync.NodeId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The in-memory log a node gets by default writes its snapshots off the node loop and switches at a sync. */
class InMemoryLogBackgroundSnapshotTest {

    private static List<Entry> entries(int count) {
        List<Entry> list = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            list.add(new Entry(i, 1, new ClientCommand(ClientCommand.Kind.PUT, true, NodeId.of("n"), 1, i, "k" + i,
                    "v" + i, null, i, NodeId.of("n"))));
        }
        return list;
    }

    @Test
    void theSnapshotIsWrittenElsewhereAndTakenAtASync() throws InterruptedException {
        InMemoryLog log = InMemoryLog.withBackgroundSnapshots();
        log.append(entries(10));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch writing = new CountDownLatch(1);

        assertThat(log.takeSnapshot(6, 1, out -> {
            writing.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write(new byte[] {1, 2, 3});
        })).isTrue();
        assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();
        // The caller went on while the writer was blocked; a second snapshot waits for the first.
        assertThat(log.takeSnapshot(8, 1, out -> { })).isFalse();
        log.sync();
        assertThat(log.snapshot()).isNull();
        assertThat(log.firstIndex()).isEqualTo(1);

        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            log.sync();
            return log.snapshot() != null;
        });
        assertThat(log.snapshot().index()).isEqualTo(6);
        assertThat(log.snapshot().read(0, 10)).containsExactly(1, 2, 3);
        assertThat(log.firstIndex()).isEqualTo(7);
        assertThat(log.lastIndex()).isEqualTo(10);
        assertThat(log.entry(7)).isEqualTo(entries(10).get(6));
    }

    @Test
    void aFailedBackgroundSnapshotIsReportedToTheOwner() {
        InMemoryLog log = InMemoryLog.withBackgroundSnapshots();
        log.append(entries(4));
        assertThat(log.takeSnapshot(3, 1, out -> {
            throw new IllegalStateException("image broken");
        })).isTrue();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(log::sync)
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("image broken"));
        assertThat(log.snapshot()).isNull();
        assertThat(log.takeSnapshot(3, 1, out -> out.write(7))).isTrue(); // and the next one may start
    }
}
