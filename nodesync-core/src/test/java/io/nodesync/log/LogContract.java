package io.nodesync.log;

import static io.nodesync.log.LogFixtures.awaitSnapshot;
import static io.nodesync.log.LogFixtures.entries;
import static io.nodesync.log.LogFixtures.entry;
import static io.nodesync.log.LogFixtures.eventualPut;
import static io.nodesync.log.LogFixtures.image;
import static io.nodesync.log.LogFixtures.readAll;
import static io.nodesync.log.LogFixtures.writing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Entry;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The semantics every {@link Log} has, whatever it keeps its data in. A subclass supplies the log; durability across
 * restarts is the subject of each implementation's own tests.
 */
abstract class LogContract {

    protected Log log;

    /** A new, empty log. */
    protected abstract Log createLog() throws Exception;

    @BeforeEach
    void openLog() throws Exception {
        log = createLog();
    }

    @AfterEach
    void closeLog() {
        if (log != null) {
            log.close();
        }
    }

    @Test
    void aNewLogIsEmpty() {
        assertThat(log.firstIndex()).isEqualTo(1);
        assertThat(log.lastIndex()).isZero();
        assertThat(log.term(0)).isZero();
        assertThat(log.lastTerm()).isZero();
        assertThat(log.entries(1, 10, Long.MAX_VALUE)).isEmpty();
        assertThat(log.entryBytes()).isZero();
        assertThat(log.termAndVote()).isEqualTo(new Log.TermAndVote(0, null));
        assertThat(log.snapshot()).isNull();
        assertThat(log.pendingWrites()).isEmpty();
    }

    @Test
    void appendedEntriesAreReadBackByIndex() {
        List<Entry> appended = entries(1, 12, 1);
        log.append(appended.subList(0, 5));
        log.append(appended.subList(5, 12));
        log.sync();

        assertThat(log.lastIndex()).isEqualTo(12);
        assertThat(log.lastTerm()).isEqualTo(1);
        for (Entry entry : appended) {
            assertThat(log.entry(entry.index())).isEqualTo(entry);
            assertThat(log.term(entry.index())).isEqualTo(1);
        }
        assertThat(log.entries(1, 100, Long.MAX_VALUE)).isEqualTo(appended);
        assertThat(log.entryBytes()).isPositive();
    }

    @Test
    void entriesAreBoundedByCountAndBytesButAlwaysReturnOne() {
        log.append(entries(1, 10, 1));

        assertThat(log.entries(3, 4, Long.MAX_VALUE)).extracting(Entry::index).containsExactly(3L, 4L, 5L, 6L);
        assertThat(log.entries(3, 100, 0)).extracting(Entry::index).containsExactly(3L);
        assertThat(log.entries(3, 0, Long.MAX_VALUE)).extracting(Entry::index).containsExactly(3L);
        assertThat(log.entries(9, 100, Long.MAX_VALUE)).extracting(Entry::index).containsExactly(9L, 10L);
        assertThat(log.entries(11, 100, Long.MAX_VALUE)).isEmpty();
        long all = log.entryBytes();
        assertThat(log.entries(1, 100, all / 2).size()).isBetween(2, 9);
        assertThatThrownBy(() -> log.entries(0, 1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void appendMustContinueTheLog() {
        log.append(entries(1, 3, 1));

        assertThatThrownBy(() -> log.append(List.of(entry(5, 1)))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("index 5");
        assertThatThrownBy(() -> log.append(List.of(entry(3, 1)))).isInstanceOf(IllegalStateException.class);
        assertThat(log.lastIndex()).isEqualTo(3);
    }

    @Test
    void readsOutsideTheLogAreRejected() {
        log.append(entries(1, 3, 1));

        assertThatThrownBy(() -> log.entry(4)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> log.entry(0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> log.term(4)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void truncationRemovesTheSuffixAndTheLogContinuesWithOtherTerms() {
        log.append(entries(1, 10, 1));
        log.sync();
        long bytesBefore = log.entryBytes();

        log.truncateFrom(6);
        assertThat(log.lastIndex()).isEqualTo(5);
        assertThat(log.entryBytes()).isLessThan(bytesBefore);
        assertThatThrownBy(() -> log.entry(6)).isInstanceOf(IndexOutOfBoundsException.class);

        log.append(entries(6, 8, 2));
        log.sync();
        assertThat(log.lastIndex()).isEqualTo(8);
        assertThat(log.term(5)).isEqualTo(1);
        assertThat(log.term(6)).isEqualTo(2);
        assertThat(log.entries(1, 100, Long.MAX_VALUE)).containsExactlyElementsOf(concat(entries(1, 5, 1),
                entries(6, 8, 2)));

        log.truncateFrom(20); // beyond the end: nothing to do
        assertThat(log.lastIndex()).isEqualTo(8);
        log.truncateFrom(1);
        assertThat(log.lastIndex()).isZero();
        assertThat(log.entryBytes()).isZero();
        log.append(entries(1, 2, 3));
        assertThat(log.lastTerm()).isEqualTo(3);
    }

    @Test
    void termAndVoteAreSavedTogether() {
        NodeId candidate = NodeId.of("n2");
        log.saveTermAndVote(3, candidate);
        log.sync();
        assertThat(log.termAndVote()).isEqualTo(new Log.TermAndVote(3, candidate));

        log.saveTermAndVote(4, null);
        log.sync();
        assertThat(log.termAndVote()).isEqualTo(new Log.TermAndVote(4, null));
    }

    @Test
    void theRejoinTermIsSaved() {
        log.saveRejoinTerm(Log.REJOIN_TERM_UNKNOWN);
        log.sync();
        assertThat(log.rejoinTerm()).isEqualTo(Log.REJOIN_TERM_UNKNOWN);

        log.saveRejoinTerm(6);
        log.saveTermAndVote(6, null);
        log.sync();
        assertThat(log.rejoinTerm()).isEqualTo(6);
        assertThat(log.termAndVote().term()).isEqualTo(6);

        log.saveRejoinTerm(Log.NOT_REJOINING);
        assertThat(log.rejoinTerm()).isEqualTo(Log.NOT_REJOINING);
    }

    @Test
    void aSnapshotReplacesTheEntriesItCovers() {
        log.append(entries(1, 6, 1));
        log.append(entries(7, 10, 2));
        byte[] image = image("state as of entry 7");

        assertThat(log.takeSnapshot(7, 2, writing(image))).isTrue();
        awaitSnapshot(log, 7);

        Snapshot snapshot = log.snapshot();
        assertThat(snapshot.index()).isEqualTo(7);
        assertThat(snapshot.term()).isEqualTo(2);
        assertThat(snapshot.size()).isEqualTo(image.length);
        assertThat(readAll(snapshot)).isEqualTo(image);
        assertThat(log.firstIndex()).isEqualTo(8);
        assertThat(log.lastIndex()).isEqualTo(10);
        assertThat(log.term(7)).isEqualTo(2);
        assertThatThrownBy(() -> log.entry(7)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(log.entries(8, 100, Long.MAX_VALUE)).isEqualTo(entries(8, 10, 2));
        assertThatThrownBy(() -> log.truncateFrom(7)).isInstanceOf(IllegalArgumentException.class);

        log.truncateFrom(9);
        log.append(entries(9, 9, 3));
        assertThat(log.lastTerm()).isEqualTo(3);
    }

    @Test
    void aSnapshotOfTheWholeLogLeavesItEmptyAfterTheSnapshot() {
        log.append(entries(1, 5, 1));
        assertThat(log.takeSnapshot(5, 1, writing(image("all")))).isTrue();
        awaitSnapshot(log, 5);

        assertThat(log.firstIndex()).isEqualTo(6);
        assertThat(log.lastIndex()).isEqualTo(5);
        assertThat(log.lastTerm()).isEqualTo(1);
        assertThat(log.entries(6, 10, Long.MAX_VALUE)).isEmpty();
        assertThat(log.entryBytes()).isZero();

        log.append(entries(6, 7, 2));
        log.sync();
        assertThat(log.entries(6, 10, Long.MAX_VALUE)).isEqualTo(entries(6, 7, 2));
    }

    @Test
    void laterSnapshotsReplaceEarlierOnesAndStaleRequestsAreNoOps() {
        log.append(entries(1, 10, 1));
        assertThat(log.takeSnapshot(4, 1, writing(image("four")))).isTrue();
        awaitSnapshot(log, 4);
        assertThat(log.takeSnapshot(8, 1, writing(image("eight")))).isTrue();
        awaitSnapshot(log, 8);

        assertThat(readAll(log.snapshot())).isEqualTo(image("eight"));
        assertThat(log.takeSnapshot(6, 1, writing(image("six")))).isTrue(); // already covered
        log.sync();
        assertThat(log.snapshot().index()).isEqualTo(8);
        assertThatThrownBy(() -> log.takeSnapshot(9, 5, writing(image("wrong term"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> log.takeSnapshot(11, 1, writing(image("beyond"))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void snapshotBytesAreReadInChunks() {
        byte[] image = new byte[10_000];
        for (int i = 0; i < image.length; i++) {
            image[i] = (byte) (i * 31);
        }
        log.append(entries(1, 3, 1));
        log.takeSnapshot(3, 1, writing(image));
        awaitSnapshot(log, 3);

        Snapshot snapshot = log.snapshot();
        byte[] assembled = new byte[image.length];
        int offset = 0;
        while (offset < image.length) {
            byte[] chunk = snapshot.read(offset, 3000);
            assertThat(chunk.length).isEqualTo(Math.min(3000, image.length - offset));
            System.arraycopy(chunk, 0, assembled, offset, chunk.length);
            offset += chunk.length;
        }
        assertThat(assembled).isEqualTo(image);
        assertThat(snapshot.read(image.length, 100)).isEmpty();
    }

    @Test
    void aStagedSnapshotThatMatchesTheLogKeepsTheEntriesAfterIt() {
        log.append(entries(1, 4, 1));
        log.append(entries(5, 10, 2));
        byte[] image = image("leader's state as of 6");

        log.stageSnapshotChunk(6, 2, 0, Arrays.copyOfRange(image, 0, 5));
        assertThat(log.stagedSnapshotBytes(6, 2)).isEqualTo(5);
        log.stageSnapshotChunk(6, 2, 5, Arrays.copyOfRange(image, 5, image.length));
        assertThat(log.stagedSnapshotBytes(6, 2)).isEqualTo(image.length);
        assertThat(log.stagedSnapshotBytes(6, 3)).isZero();

        Snapshot installed = log.installStagedSnapshot(6, 2);
        log.sync();
        assertThat(installed.index()).isEqualTo(6);
        assertThat(readAll(installed)).isEqualTo(image);
        assertThat(log.snapshot().index()).isEqualTo(6);
        assertThat(log.firstIndex()).isEqualTo(7);
        assertThat(log.lastIndex()).isEqualTo(10);
        assertThat(log.entries(7, 100, Long.MAX_VALUE)).isEqualTo(entries(7, 10, 2));
        assertThat(log.stagedSnapshotBytes(6, 2)).isZero();
    }

    @Test
    void aStagedSnapshotThatDisagreesWithTheLogReplacesItWhole() {
        log.append(entries(1, 10, 1));
        log.stageSnapshotChunk(8, 2, 0, image("other history"));

        Snapshot installed = log.installStagedSnapshot(8, 2);
        log.sync();
        assertThat(readAll(installed)).isEqualTo(image("other history"));
        assertThat(log.firstIndex()).isEqualTo(9);
        assertThat(log.lastIndex()).isEqualTo(8);
        assertThat(log.lastTerm()).isEqualTo(2);
        assertThat(log.entryBytes()).isZero();

        log.append(entries(9, 11, 2));
        log.sync();
        assertThat(log.entries(9, 100, Long.MAX_VALUE)).isEqualTo(entries(9, 11, 2));
    }

    @Test
    void aStagedSnapshotBeyondTheLogReplacesItWhole() {
        log.append(entries(1, 3, 1));
        log.stageSnapshotChunk(20, 4, 0, image("far ahead"));
        log.installStagedSnapshot(20, 4);
        log.sync();

        assertThat(log.firstIndex()).isEqualTo(21);
        assertThat(log.lastIndex()).isEqualTo(20);
        assertThat(log.term(20)).isEqualTo(4);
    }

    @Test
    void stagingChecksItsChunksContinueTheStagedSnapshot() {
        log.stageSnapshotChunk(5, 1, 0, image("abc"));

        assertThatThrownBy(() -> log.stageSnapshotChunk(5, 1, 7, image("x"))).isInstanceOf(
                IllegalStateException.class);
        assertThatThrownBy(() -> log.stageSnapshotChunk(6, 1, 3, image("x"))).isInstanceOf(
                IllegalStateException.class);
        assertThatThrownBy(() -> log.installStagedSnapshot(6, 1)).isInstanceOf(IllegalStateException.class);

        log.stageSnapshotChunk(6, 1, 0, image("restart")); // a chunk at 0 starts over
        assertThat(log.stagedSnapshotBytes(5, 1)).isZero();
        assertThat(log.stagedSnapshotBytes(6, 1)).isEqualTo(7);
        assertThat(readAll(log.installStagedSnapshot(6, 1))).isEqualTo(image("restart"));
    }

    @Test
    void pendingWritesKeepTheirOrderUntilSettled() {
        ClientCommand a = eventualPut(1, 1, "a", "1");
        ClientCommand b = eventualPut(1, 2, "b", "2");
        ClientCommand c = eventualPut(2, 1, "c", "3");
        log.savePendingWrite(a);
        log.savePendingWrite(b);
        log.savePendingWrite(c);
        log.sync();
        assertThat(log.pendingWrites()).containsExactly(a, b, c);

        log.settlePendingWrite(b);
        log.settlePendingWrite(eventualPut(9, 9, "unknown", "x")); // ignored
        log.sync();
        assertThat(log.pendingWrites()).containsExactly(a, c);

        ClientCommand restamped = a.stamped(5000, NodeId.of("n3")); // same (session, seq): keeps its place
        log.savePendingWrite(restamped);
        assertThat(log.pendingWrites()).containsExactly(restamped, c);
        log.settlePendingWrite(c);
        log.settlePendingWrite(restamped);
        log.sync();
        assertThat(log.pendingWrites()).isEmpty();
    }

    @Test
    void syncWithoutChangesIsHarmless() {
        log.sync();
        log.sync();
        log.append(entries(1, 2, 1));
        log.sync();
        log.sync();
        assertThat(log.lastIndex()).isEqualTo(2);
    }

    private static List<Entry> concat(List<Entry> first, List<Entry> second) {
        List<Entry> all = new java.util.ArrayList<>(first);
        all.addAll(second);
        return all;
    }
}
