package io.nodesync.consensus;

import static io.nodesync.consensus.RaftHarness.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.NodeId;
import io.nodesync.log.InMemoryLog;
import io.nodesync.log.Snapshot;
import io.nodesync.protocol.Message.AppendEntries;
import io.nodesync.protocol.Message.InstallSnapshot;
import io.nodesync.protocol.Message.InstallSnapshotResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Section 7 of the Raft paper: a leader that has compacted the entries a follower needs sends its snapshot instead
 * (InstallSnapshot), in chunks, and the follower continues from it.
 */
class LogCompactionTest {

    private static final NodeId LEADER = id(1);
    private static final NodeId FOLLOWER = id(2);
    private static final NodeId LAGGARD = id(3);
    /** Small chunks, so a snapshot of a few hundred bytes takes several messages. */
    private static final RaftCore.Options SMALL_CHUNKS = new RaftCore.Options(true, true, 64, 100, 16);

    /** Compacts {@code node}'s log up to its commit index, with a snapshot of {@code size} recognisable bytes. */
    private static Snapshot compact(RaftHarness harness, NodeId node, int size) {
        InMemoryLog log = harness.log(node);
        long index = harness.core(node).commitIndex();
        byte[] image = image(index, size);
        assertThat(log.takeSnapshot(index, log.term(index), out -> out.write(image))).isTrue();
        log.sync();
        return log.snapshot();
    }

    private static byte[] image(long index, int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (index * 31 + i);
        }
        return bytes;
    }

    private static byte[] bytesOf(Snapshot snapshot) throws IOException {
        try (InputStream in = snapshot.open()) {
            return in.readAllBytes();
        }
    }

    @Test
    void aFollowerDownWhileTheLogIsCompactedPastItCatchesUpFromTheSnapshot() throws IOException {
        RaftHarness harness = RaftHarness.builder(3).options(SMALL_CHUNKS).build();
        harness.elect(LEADER);
        harness.propose(LEADER, 3);
        harness.deliverAll();
        harness.crash(LAGGARD);
        harness.propose(LEADER, 20);
        harness.deliverAll();
        Snapshot snapshot = compact(harness, LEADER, 450);
        assertThat(harness.log(LEADER).firstIndex()).isGreaterThan(harness.log(LAGGARD).lastIndex() + 1);
        harness.propose(LEADER, 2); // entries after the snapshot, to follow it
        harness.deliverAll();

        harness.restart(LAGGARD);
        harness.runFor(40);

        List<InstallSnapshot> chunks = harness.sentHistory().stream()
                .filter(envelope -> envelope.to().equals(LAGGARD))
                .map(RaftHarness.Envelope::message).filter(InstallSnapshot.class::isInstance)
                .map(InstallSnapshot.class::cast).toList();
        assertThat(chunks).hasSizeGreaterThanOrEqualTo(5); // 450 bytes in chunks of 100
        assertThat(chunks.get(chunks.size() - 1).done()).isTrue();
        assertThat(harness.installedSnapshots).contains(
                new RaftHarness.InstalledSnapshot(LAGGARD, snapshot.index(), snapshot.term()));
        InMemoryLog laggard = harness.log(LAGGARD);
        assertThat(laggard.snapshot().index()).isEqualTo(snapshot.index());
        assertThat(bytesOf(laggard.snapshot())).isEqualTo(bytesOf(snapshot));
        assertThat(harness.entries(LAGGARD)).isEqualTo(harness.entries(LEADER));
        assertThat(harness.core(LAGGARD).commitIndex()).isEqualTo(harness.core(LEADER).commitIndex());
    }

    @Test
    void lostChunksAreSentAgainAndTheTransferCompletes() throws IOException {
        RaftHarness harness = RaftHarness.builder(3).options(SMALL_CHUNKS).build();
        harness.elect(LEADER);
        harness.crash(LAGGARD);
        harness.propose(LEADER, 10);
        harness.deliverAll();
        Snapshot snapshot = compact(harness, LEADER, 333);
        harness.restart(LAGGARD);

        // Lose the first four chunks or answers on the way, then let the rest through.
        int lost = 0;
        for (int tick = 0; tick < 100; tick++) {
            harness.tickAll();
            for (int pass = 0; pass < 50; pass++) {
                if (lost < 4) {
                    lost += harness.dropWhere(envelope -> envelope.message() instanceof InstallSnapshot
                            || envelope.message() instanceof InstallSnapshotResponse);
                }
                if (harness.deliverWhere(envelope -> true) == 0) {
                    break;
                }
            }
        }

        assertThat(lost).isGreaterThanOrEqualTo(3);
        assertThat(harness.log(LAGGARD).snapshot()).isNotNull();
        assertThat(bytesOf(harness.log(LAGGARD).snapshot())).isEqualTo(bytesOf(snapshot));
        assertThat(harness.entries(LAGGARD)).isEqualTo(harness.entries(LEADER));
    }

    @Test
    void aFollowerHoldingTheSnapshotsLastEntryKeepsWhatFollowsIt() {
        RaftHarness harness = RaftHarness.of(3, 7);
        harness.elect(LEADER);
        harness.propose(LEADER, 5);
        harness.deliverAll();
        harness.runFor(5);
        long commit = harness.core(LEADER).commitIndex();
        long term = harness.log(LEADER).term(commit);
        InMemoryLog follower = harness.log(FOLLOWER);
        long followerLast = follower.lastIndex();
        assertThat(followerLast).isEqualTo(commit);

        byte[] image = image(commit - 2, 10);
        follower.stageSnapshotChunk(commit - 2, harness.log(LEADER).term(commit - 2), 0, image);
        Snapshot installed = follower.installStagedSnapshot(commit - 2, harness.log(LEADER).term(commit - 2));

        assertThat(installed.index()).isEqualTo(commit - 2);
        assertThat(follower.firstIndex()).isEqualTo(commit - 1);
        assertThat(follower.lastIndex()).isEqualTo(followerLast);
        assertThat(follower.term(commit)).isEqualTo(term);
    }

    @Test
    void aConflictingLogIsDiscardedForTheSnapshot() {
        InMemoryLog log = RaftHarness.logWithTerms(3, 1, 1, 2, 2);
        log.stageSnapshotChunk(3, 3, 0, new byte[] {1, 2, 3});
        log.installStagedSnapshot(3, 3); // entry 3 has term 2 here: the log disagrees with the snapshot

        assertThat(log.firstIndex()).isEqualTo(4);
        assertThat(log.lastIndex()).isEqualTo(3);
        assertThat(log.lastTerm()).isEqualTo(3);
    }

    @Test
    void aSnapshotAlreadyCoveredByTheCommitIndexIsAcknowledgedWithoutInstalling() {
        RaftHarness harness = RaftHarness.of(3, 11);
        harness.elect(LEADER);
        harness.propose(LEADER, 4);
        harness.deliverAll();
        harness.runFor(5);
        long commit = harness.core(FOLLOWER).commitIndex();
        long term = harness.core(LEADER).term();

        harness.inject(LEADER, FOLLOWER, new InstallSnapshot(term, commit - 1, harness.log(LEADER).term(commit - 1),
                0, new byte[] {9}, true));
        harness.deliverAll();

        assertThat(harness.log(FOLLOWER).snapshot()).isNull();
        assertThat(harness.installedSnapshots).isEmpty();
        assertThat(harness.sentHistory()).anySatisfy(envelope -> {
            assertThat(envelope.from()).isEqualTo(FOLLOWER);
            assertThat(envelope.message()).isInstanceOf(InstallSnapshotResponse.class);
            assertThat(((InstallSnapshotResponse) envelope.message()).installed()).isTrue();
        });
    }

    @Test
    void appendsResumeAfterTheSnapshot() {
        RaftHarness harness = RaftHarness.builder(3).options(SMALL_CHUNKS).build();
        harness.elect(LEADER);
        harness.crash(LAGGARD);
        harness.propose(LEADER, 8);
        harness.deliverAll();
        Snapshot snapshot = compact(harness, LEADER, 50);
        int sentBefore = harness.sentHistory().size();
        harness.restart(LAGGARD);
        harness.runFor(30);
        harness.propose(LEADER, 3);
        harness.deliverAll();

        List<AppendEntries> appendsAfter = harness.sentHistory().subList(sentBefore, harness.sentHistory().size())
                .stream()
                .filter(envelope -> envelope.to().equals(LAGGARD) && envelope.message() instanceof AppendEntries)
                .map(envelope -> (AppendEntries) envelope.message())
                .filter(append -> !append.entries().isEmpty()).toList();
        assertThat(appendsAfter).isNotEmpty();
        assertThat(appendsAfter).allSatisfy(append ->
                assertThat(append.prevLogIndex()).isGreaterThanOrEqualTo(snapshot.index()));
        assertThat(harness.entries(LAGGARD)).isEqualTo(harness.entries(LEADER));
        assertThat(Arrays.asList(harness.core(LAGGARD).commitIndex()))
                .containsExactly(harness.core(LEADER).commitIndex());
    }
}
