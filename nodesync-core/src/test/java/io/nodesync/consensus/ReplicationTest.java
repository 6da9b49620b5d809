package io.nodesync.consensus;

import static io.nodesync.consensus.RaftHarness.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.NodeId;
import io.nodesync.protocol.Message.AppendEntries;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Raft paper section 5.3, log replication: a leader pipelines appends to followers that match, recovers lost messages
 * through heartbeats, and brings a follower that was away back in step however far it fell behind.
 */
class ReplicationTest {

    private static final NodeId LEADER = id(1);
    private static final NodeId FOLLOWER = id(2);
    private static final NodeId OTHER = id(3);

    @Test
    void leaderPipelinesAppendsWithoutWaitingForAcknowledgements() {
        RaftHarness harness = RaftHarness.of(3, 41);
        harness.elect(LEADER);
        long last = harness.log(LEADER).lastIndex();

        harness.propose(LEADER, 1);
        harness.propose(LEADER, 2);
        harness.propose(LEADER, 3);

        // Three turns, three appends in flight to the same follower, each continuing where the previous one ended.
        List<AppendEntries> inFlight = harness.pending(LEADER, FOLLOWER, AppendEntries.class);
        assertThat(inFlight).extracting(AppendEntries::prevLogIndex).containsExactly(last, last + 1, last + 3);
        assertThat(inFlight).extracting(append -> append.entries().size()).containsExactly(1, 2, 3);

        harness.deliverAll();
        assertThat(harness.core(LEADER).commitIndex()).isEqualTo(last + 6);
        // Commit news alone is not sent at once: the followers hear of the commit at the leader's next tick.
        harness.tick(LEADER);
        harness.deliverAll();
        for (NodeId node : harness.ids()) {
            assertThat(harness.entries(node)).isEqualTo(harness.entries(LEADER));
            assertThat(harness.core(node).commitIndex()).isEqualTo(last + 6);
        }
    }

    @Test
    void commitNewsAloneWaitsForATickUnlessTheFollowerWaitsOnCommits() {
        RaftHarness harness = RaftHarness.of(3, 41);
        harness.elect(LEADER);
        harness.runFor(1);
        long before = harness.core(FOLLOWER).commitIndex();

        harness.propose(LEADER, 1);
        harness.deliverAll();
        long committed = harness.core(LEADER).commitIndex();
        assertThat(committed).isGreaterThan(before);
        // The followers hold the entry but have not been told it committed: that would cost a message each.
        assertThat(harness.core(FOLLOWER).commitIndex()).isEqualTo(before);
        assertThat(harness.core(OTHER).commitIndex()).isEqualTo(before);
        harness.tick(LEADER);
        harness.deliverAll();
        assertThat(harness.core(FOLLOWER).commitIndex()).isEqualTo(committed);
        assertThat(harness.core(OTHER).commitIndex()).isEqualTo(committed);

        // A follower that forwarded writes or asked for a read index is told at once.
        harness.core(LEADER).peerWaitsForCommit(FOLLOWER);
        harness.propose(LEADER, 1);
        harness.deliverAll();
        long next = harness.core(LEADER).commitIndex();
        assertThat(next).isGreaterThan(committed);
        assertThat(harness.core(FOLLOWER).commitIndex()).isEqualTo(next);
        assertThat(harness.core(OTHER).commitIndex()).isEqualTo(committed);
    }

    @Test
    void inflightLimitBoundsUnacknowledgedAppends() {
        RaftHarness harness = RaftHarness.builder(3).options(new RaftCore.Options(true, true, 1, 1 << 20, 4)).build();
        harness.elect(LEADER);

        harness.propose(LEADER, 10);

        assertThat(harness.pending(LEADER, FOLLOWER, AppendEntries.class)).hasSize(4);
        harness.deliverAll();
        assertThat(harness.entries(FOLLOWER)).isEqualTo(harness.entries(LEADER));
    }

    @Test
    void lostAppendsAreRecoveredThroughHeartbeats() {
        RaftHarness harness = RaftHarness.of(3, 41);
        harness.elect(LEADER);
        harness.propose(LEADER, 5);
        // The append to the follower is lost (commit news alone would only go at the next tick).
        harness.deliverAllWhere(envelope -> !envelope.to().equals(FOLLOWER));
        assertThat(harness.dropWhere(envelope -> envelope.to().equals(FOLLOWER))).isEqualTo(1);
        long commit = harness.core(LEADER).commitIndex();
        assertThat(commit).isEqualTo(harness.log(LEADER).lastIndex()); // the other follower made a majority
        assertThat(harness.log(FOLLOWER).lastIndex()).isLessThan(commit);

        // No new proposals: only the heartbeat round trips can reveal the gap.
        harness.runFor(3 * RaftHarness.HEARTBEAT_TICKS);

        assertThat(harness.entries(FOLLOWER)).isEqualTo(harness.entries(LEADER));
        assertThat(harness.core(FOLLOWER).commitIndex()).isEqualTo(commit);
    }

    @Test
    void lostAcknowledgementsAreRecoveredThroughHeartbeats() {
        RaftHarness harness = RaftHarness.of(3, 41);
        harness.elect(LEADER);
        harness.isolate(OTHER);
        harness.propose(LEADER, 5);
        harness.deliverWhere(envelope -> envelope.to().equals(FOLLOWER));
        harness.dropWhere(envelope -> envelope.from().equals(FOLLOWER)); // the acknowledgements are lost
        assertThat(harness.core(LEADER).commitIndex()).isLessThan(harness.log(LEADER).lastIndex());

        harness.runFor(3 * RaftHarness.HEARTBEAT_TICKS);

        assertThat(harness.core(LEADER).commitIndex()).isEqualTo(harness.log(LEADER).lastIndex());
    }

    @Test
    void followerDisconnectedWhileManyEntriesCommitCatchesUp() {
        // Small messages, so catching up takes many pipelined rounds.
        RaftHarness harness = RaftHarness.builder(3).seed(41).options(new RaftCore.Options(true, true, 16, 1 << 20, 8))
                .build();
        harness.elect(LEADER);
        harness.isolate(OTHER);
        for (int batch = 0; batch < 20; batch++) {
            harness.propose(LEADER, 25);
            harness.tickAll();
            harness.deliverAll();
        }
        long commit = harness.core(LEADER).commitIndex();
        assertThat(commit).isEqualTo(harness.log(LEADER).lastIndex()).isGreaterThan(500);
        assertThat(harness.log(OTHER).lastIndex()).isLessThan(5);
        long term = harness.core(LEADER).term();

        harness.heal();
        harness.runFor(4 * RaftHarness.HEARTBEAT_TICKS);

        assertThat(harness.entries(OTHER)).isEqualTo(harness.entries(LEADER));
        assertThat(harness.core(OTHER).commitIndex()).isEqualTo(commit);
        assertThat(harness.core(LEADER).matchIndex(OTHER)).isEqualTo(commit);
        assertThat(harness.core(LEADER).term()).as("catching up needed no election").isEqualTo(term);
    }

    @Test
    void proposalsAreRefusedByFollowers() {
        RaftHarness harness = RaftHarness.of(3, 41);
        harness.elect(LEADER);
        long before = harness.log(FOLLOWER).lastIndex();

        assertThat(harness.propose(FOLLOWER, 1)).isEqualTo(-1);
        assertThat(harness.log(FOLLOWER).lastIndex()).isEqualTo(before);
    }
}
