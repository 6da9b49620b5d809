package io.nodesync.consensus;

import static io.nodesync.consensus.RaftHarness.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Election;
import io.nodesync.NodeId;
import io.nodesync.Role;
import io.nodesync.protocol.Message.TimeoutNow;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Raft thesis section 3.10, leadership transfer, driven by {@link Election#priority()}: a leader hands office to the
 * highest-id peer that is caught up, which then wins an ordinary election in the next term.
 */
class LeadershipTransferTest {

    private static final NodeId LOW = id(1);
    private static final NodeId MIDDLE = id(2);
    private static final NodeId HIGH = id(3);

    private static RaftHarness priorityCluster() {
        return RaftHarness.builder(3).seed(51).election(Election.priority()).build();
    }

    private static List<NodeId> timeoutNowTargets(RaftHarness harness) {
        return harness.sentHistory().stream().filter(sent -> sent.message() instanceof TimeoutNow)
                .map(RaftHarness.Envelope::to).distinct().toList();
    }

    @Test
    void leaderHandsOverToTheCaughtUpHighestPeer() {
        RaftHarness harness = priorityCluster();
        long term = harness.elect(LOW).term(); // only LOW ticked, so the lowest id leads first

        harness.tick(LOW, RaftHarness.HEARTBEAT_TICKS);

        assertThat(harness.pending(LOW, HIGH, TimeoutNow.class)).containsExactly(new TimeoutNow(term));
        assertThat(harness.core(LOW).transferTarget()).isEqualTo(HIGH);
        // While handing over, the old leader takes no new proposals (they could be lost with its office).
        assertThat(harness.propose(LOW, 1)).isEqualTo(-1);

        harness.deliverAll();

        assertThat(harness.leaders()).containsExactly(HIGH);
        assertThat(harness.core(HIGH).term()).isEqualTo(term + 1);
        assertThat(harness.core(LOW).role()).isEqualTo(Role.FOLLOWER);
        assertThat(harness.core(LOW).leader()).isEqualTo(HIGH);
        assertThat(timeoutNowTargets(harness)).containsExactly(HIGH);
    }

    @Test
    void highestPeerKeepsOfficeOnceItLeads() {
        RaftHarness harness = priorityCluster();
        harness.elect(LOW);
        harness.tick(LOW, RaftHarness.HEARTBEAT_TICKS);
        harness.deliverAll();
        long term = harness.core(HIGH).term();

        harness.runFor(10 * RaftHarness.ELECTION_TICKS);

        assertThat(harness.leaders()).containsExactly(HIGH);
        assertThat(harness.core(HIGH).term()).isEqualTo(term);
        assertThat(harness.core(HIGH).acceptsProposals()).isTrue();
    }

    @Test
    void laggingHigherPeerIsPassedOverForTheHighestCaughtUpOne() {
        RaftHarness harness = priorityCluster();
        harness.isolate(HIGH);
        long term = harness.elect(LOW).term();
        assertThat(harness.log(HIGH).lastIndex()).isLessThan(harness.log(LOW).lastIndex());

        harness.tick(LOW, RaftHarness.HEARTBEAT_TICKS);
        harness.deliverAll();

        assertThat(timeoutNowTargets(harness)).containsExactly(MIDDLE);
        assertThat(harness.leaders()).containsExactly(MIDDLE);
        assertThat(harness.core(MIDDLE).term()).isEqualTo(term + 1);
    }

    @Test
    void unansweredTransferIsAbandonedAfterAnElectionTimeoutForTheNextCaughtUpPeer() {
        RaftHarness harness = priorityCluster();
        harness.elect(LOW);
        harness.tick(LOW, RaftHarness.HEARTBEAT_TICKS);
        assertThat(harness.core(LOW).transferTarget()).isEqualTo(HIGH);
        harness.cut(LOW, HIGH); // HIGH never hears the request (nor anything else from LOW)

        // Only LOW's clock runs, so nobody else campaigns on its own.
        int ticks = 0;
        while (HIGH.equals(harness.core(LOW).transferTarget())) {
            assertThat(harness.core(LOW).acceptsProposals()).isFalse();
            harness.tick(LOW);
            harness.deliverAll();
            ticks++;
            assertThat(ticks).isLessThanOrEqualTo(2 * RaftHarness.ELECTION_TICKS);
        }

        assertThat(ticks).isEqualTo(RaftHarness.ELECTION_TICKS);
        // HIGH has been silent too long to count as caught up; MIDDLE is next in line.
        assertThat(timeoutNowTargets(harness)).containsExactly(HIGH, MIDDLE);
        assertThat(harness.leaders()).containsExactly(MIDDLE);
    }

    @Test
    void raftElectionNeverTransfers() {
        RaftHarness harness = RaftHarness.of(3, 51);
        harness.elect(LOW);

        harness.runFor(5 * RaftHarness.ELECTION_TICKS);

        assertThat(timeoutNowTargets(harness)).isEmpty();
        assertThat(harness.leaders()).containsExactly(LOW);
    }
}
