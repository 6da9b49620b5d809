package io.nodesync.consensus;

import static io.nodesync.consensus.RaftHarness.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.NodeId;
import io.nodesync.Role;
import io.nodesync.protocol.Message.RequestVote;
import io.nodesync.protocol.Message.RequestVoteResponse;
import org.junit.jupiter.api.Test;

/**
 * Figure 2, rules for followers: only a message from the current leader or a granted vote resets the election
 * timer. Adopting a later term from a candidate that is refused must not, or a candidate that can never win (a
 * stale log, the shortest timeout) would hold every other node back from campaigning, forever.
 */
class ElectionTimerTest {

    private static final NodeId LEADER = id(1);
    private static final NodeId FOLLOWER = id(2);
    private static final NodeId STALE = id(3);
    private static final int TIMEOUT = 3 * RaftHarness.ELECTION_TICKS;

    @Test
    void aRefusedCandidateWithALaterTermDoesNotResetTheElectionTimer() {
        RaftHarness harness = RaftHarness.builder(3).election(new FixedTimeoutElection(TIMEOUT)).build();
        long term = harness.elect(LEADER).term();
        harness.tick(FOLLOWER, TIMEOUT - 1); // the leader went silent; the lease has lapsed

        harness.inject(STALE, FOLLOWER, new RequestVote(term + 5, 0, 0, false, false));

        assertThat(harness.pending(FOLLOWER, STALE, RequestVoteResponse.class))
                .containsExactly(new RequestVoteResponse(term + 5, false, false));
        assertThat(harness.core(FOLLOWER).term()).isEqualTo(term + 5);
        harness.tick(FOLLOWER);
        assertThat(harness.core(FOLLOWER).role()).as("campaigns when its own timeout runs out")
                .isNotEqualTo(Role.FOLLOWER);
    }

    @Test
    void aGrantedVoteDoesResetTheElectionTimer() {
        RaftHarness harness = RaftHarness.builder(3).election(new FixedTimeoutElection(TIMEOUT)).build();
        long term = harness.elect(LEADER).term();
        long lastIndex = harness.log(FOLLOWER).lastIndex();
        harness.tick(FOLLOWER, TIMEOUT - 1);

        harness.inject(STALE, FOLLOWER, new RequestVote(term + 1, lastIndex, term, false, false));

        assertThat(harness.pending(FOLLOWER, STALE, RequestVoteResponse.class))
                .containsExactly(new RequestVoteResponse(term + 1, true, false));
        harness.tick(FOLLOWER);
        assertThat(harness.core(FOLLOWER).role()).as("gives the candidate it voted for time to win")
                .isEqualTo(Role.FOLLOWER);
    }
}
