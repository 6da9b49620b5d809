package io.nodesync.consensus;

import static io.nodesync.consensus.RaftHarness.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.NodeId;
import io.nodesync.Role;
import io.nodesync.consensus.RaftHarness.ReadReady;
import io.nodesync.protocol.Message.AppendEntries;
import io.nodesync.protocol.Message.AppendEntriesResponse;
import io.nodesync.protocol.Message.Heartbeat;
import io.nodesync.protocol.Message.HeartbeatResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Raft thesis section 6.4, ReadIndex: a linearizable read waits for the commit index it saw to be confirmed by a
 * heartbeat round that a majority answered after the read arrived, and is never confirmed by a node that lost office.
 */
class ReadIndexTest {

    private static final NodeId LEADER = id(1);

    @Test
    void readIsConfirmedOnlyByAMajorityAnsweringARoundSentAfterIt() {
        RaftHarness harness = RaftHarness.of(5, 31);
        harness.elect(LEADER);
        harness.propose(LEADER, 2);
        harness.deliverAll();
        long commit = harness.core(LEADER).commitIndex();

        // A heartbeat round goes out and every follower answers it, but the answers are still in flight ...
        harness.tick(LEADER, RaftHarness.HEARTBEAT_TICKS);
        assertThat(harness.deliverWhere(envelope -> envelope.message() instanceof Heartbeat)).isEqualTo(4);
        long earlierRound = harness.pending(id(2), LEADER, HeartbeatResponse.class).get(0).round();
        // ... when the read arrives: answers to that earlier round prove nothing about leadership now.
        assertThat(harness.readIndex(LEADER, 42)).isTrue();
        assertThat(harness.deliverWhere(envelope -> envelope.message() instanceof HeartbeatResponse response
                && response.round() == earlierRound)).isEqualTo(4);
        assertThat(harness.readsReady(LEADER)).isEmpty();

        // The new round: the leader plus two followers are three of five.
        harness.deliverWhere(envelope -> envelope.message() instanceof Heartbeat
                && (envelope.to().equals(id(2)) || envelope.to().equals(id(3))));
        harness.deliverWhere(envelope -> envelope.from().equals(id(2)) && envelope.to().equals(LEADER));
        assertThat(harness.readsReady(LEADER)).as("two of five is no majority").isEmpty();
        harness.deliverWhere(envelope -> envelope.from().equals(id(3)) && envelope.to().equals(LEADER));

        assertThat(harness.readsReady(LEADER)).containsExactly(new ReadReady(42, commit));
    }

    @Test
    void newLeaderDefersReadsUntilItsTermsNoopCommits() {
        RaftHarness harness = RaftHarness.of(3, 31);
        while (harness.core(LEADER).role() == Role.FOLLOWER) {
            harness.tick(LEADER);
        }
        // Win the election, but keep every acknowledgement of the new term's no-op from arriving.
        harness.deliverAllWhere(envelope -> !(envelope.message() instanceof AppendEntriesResponse));
        RaftCore leader = harness.core(LEADER);
        assertThat(leader.role()).isEqualTo(Role.LEADER);
        long noop = harness.log(LEADER).lastIndex();
        assertThat(leader.commitIndex()).isLessThan(noop);

        assertThat(harness.readIndex(LEADER, 7)).isTrue();
        // Heartbeat rounds confirm leadership, but the commit index is not yet known to be current.
        for (int i = 0; i < 3; i++) {
            harness.tick(LEADER, RaftHarness.HEARTBEAT_TICKS);
            harness.deliverAllWhere(envelope -> !(envelope.message() instanceof AppendEntriesResponse));
        }
        assertThat(harness.readsReady(LEADER)).isEmpty();

        harness.deliverAll();

        assertThat(leader.commitIndex()).isEqualTo(noop);
        assertThat(harness.readsReady(LEADER)).containsExactly(new ReadReady(7, noop));
    }

    @Test
    void leaderCutOffFromItsFollowersAbortsItsPendingReads() {
        RaftHarness harness = RaftHarness.of(3, 31);
        harness.elect(LEADER);
        harness.isolate(LEADER);
        harness.readIndex(LEADER, 1);
        harness.readIndex(LEADER, 2);

        harness.tick(LEADER, 2 * RaftHarness.ELECTION_TICKS);

        assertThat(harness.core(LEADER).role()).isEqualTo(Role.FOLLOWER);
        assertThat(harness.readsAborted(LEADER)).containsExactly(1L, 2L);
        assertThat(harness.readsReady(LEADER)).isEmpty();
    }

    @Test
    void deposedNewLeaderAbortsReadsWaitingForItsNoop() {
        RaftHarness harness = RaftHarness.of(3, 31);
        while (harness.core(LEADER).role() == Role.FOLLOWER) {
            harness.tick(LEADER);
        }
        harness.deliverAllWhere(envelope -> !(envelope.message() instanceof AppendEntriesResponse));
        long term = harness.core(LEADER).term();
        harness.readIndex(LEADER, 9);

        // A leader of a later term speaks up.
        harness.inject(id(2), LEADER, new AppendEntries(term + 1, 0, 0, List.of(), 0));

        assertThat(harness.core(LEADER).role()).isEqualTo(Role.FOLLOWER);
        assertThat(harness.readsAborted(LEADER)).containsExactly(9L);
        harness.deliverAll();
        assertThat(harness.readsReady(LEADER)).isEmpty();
    }

    @Test
    void followerDoesNotServeReadIndex() {
        RaftHarness harness = RaftHarness.of(3, 31);
        harness.elect(LEADER);

        assertThat(harness.readIndex(id(2), 5)).isFalse();
        harness.runFor(RaftHarness.ELECTION_TICKS);
        assertThat(harness.readsReady(id(2))).isEmpty();
    }

    @Test
    void singleNodeLeaderConfirmsAReadAtOnce() {
        RaftHarness harness = RaftHarness.of(1, 31);
        harness.elect(LEADER);
        harness.propose(LEADER, 3);

        harness.readIndex(LEADER, 11);

        assertThat(harness.readsReady(LEADER)).containsExactly(new ReadReady(11, 4));
    }
}
