package io.nodesync.consensus;

import static io.nodesync.consensus.RaftHarness.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.NodeId;
import io.nodesync.Role;
import io.nodesync.protocol.Message;
import io.nodesync.protocol.Message.Heartbeat;
import io.nodesync.protocol.Message.RequestVote;
import io.nodesync.protocol.Message.RequestVoteResponse;
import org.junit.jupiter.api.Test;

/**
 * Raft thesis sections 6.2 and 9.6, check-quorum and leader stickiness: a leader that hears from no majority for an
 * election timeout steps down, and a follower that recently heard from its leader ignores vote requests.
 */
class CheckQuorumTest {

    private static final NodeId LEADER = id(1);
    private static final NodeId FOLLOWER = id(2);
    private static final NodeId OTHER = id(3);

    @Test
    void leaderCutOffFromTheMajorityStepsDownWithinTwoElectionTimeouts() {
        RaftHarness harness = RaftHarness.of(3, 21);
        long term = harness.elect(LEADER).term();
        harness.isolate(LEADER);

        // Within the first timeout it cannot yet tell silence from a quiet spell.
        harness.tick(LEADER, RaftHarness.ELECTION_TICKS - 1);
        assertThat(harness.core(LEADER).role()).isEqualTo(Role.LEADER);

        harness.tick(LEADER, RaftHarness.ELECTION_TICKS + 1);

        assertThat(harness.core(LEADER).role()).isEqualTo(Role.FOLLOWER);
        assertThat(harness.core(LEADER).leader()).isNull();
        assertThat(harness.core(LEADER).term()).isEqualTo(term); // stepping down is no reason for a new term
        assertThat(harness.core(LEADER).acceptsProposals()).isFalse();
    }

    @Test
    void leaderThatHearsFromAMajorityKeepsOffice() {
        RaftHarness harness = RaftHarness.of(3, 21);
        long term = harness.elect(LEADER).term();
        harness.isolate(OTHER); // one follower is enough for a majority of three

        for (int i = 0; i < 10 * RaftHarness.ELECTION_TICKS; i++) {
            harness.tickAll();
            harness.deliverAll();
            assertThat(harness.core(LEADER).role()).isEqualTo(Role.LEADER);
        }
        assertThat(harness.core(LEADER).term()).isEqualTo(term);
    }

    @Test
    void followerInLeaseIgnoresRequestVoteWithHigherTerm() {
        RaftHarness harness = RaftHarness.of(3, 21);
        long term = harness.elect(LEADER).term();
        long lastIndex = harness.log(FOLLOWER).lastIndex();

        // A node that merely timed out asks for votes in a later term, with a log as good as anyone's.
        harness.inject(OTHER, FOLLOWER, new RequestVote(term + 1, lastIndex + 5, term, false, false));

        assertThat(harness.pending(FOLLOWER, OTHER, Message.class)).isEmpty();
        assertThat(harness.core(FOLLOWER).term()).isEqualTo(term);
        assertThat(harness.core(FOLLOWER).leader()).isEqualTo(LEADER);
        assertThat(harness.log(FOLLOWER).termAndVote().term()).isEqualTo(term);
    }

    @Test
    void followerWhoseLeaseLapsedGrantsRequestVoteWithHigherTerm() {
        // Fixed, long timeouts so the follower's lease lapses after exactly ELECTION_TICKS without it campaigning.
        RaftHarness harness = RaftHarness.builder(3).election(new FixedTimeoutElection(3 * RaftHarness.ELECTION_TICKS))
                .build();
        long term = harness.elect(LEADER).term();
        long lastIndex = harness.log(FOLLOWER).lastIndex();
        RequestVote request = new RequestVote(term + 1, lastIndex, term, false, false);

        harness.tick(FOLLOWER, RaftHarness.ELECTION_TICKS - 1);
        harness.inject(OTHER, FOLLOWER, request);
        assertThat(harness.pending(FOLLOWER, OTHER, Message.class)).as("still in lease").isEmpty();

        harness.tick(FOLLOWER);
        harness.inject(OTHER, FOLLOWER, request);

        assertThat(harness.pending(FOLLOWER, OTHER, RequestVoteResponse.class))
                .containsExactly(new RequestVoteResponse(term + 1, true, false));
        assertThat(harness.core(FOLLOWER).term()).isEqualTo(term + 1);
    }

    @Test
    void heartbeatRenewsTheFollowersLease() {
        RaftHarness harness = RaftHarness.builder(3).election(new FixedTimeoutElection(3 * RaftHarness.ELECTION_TICKS))
                .build();
        long term = harness.elect(LEADER).term();
        harness.tick(FOLLOWER, RaftHarness.ELECTION_TICKS - 1);

        harness.inject(LEADER, FOLLOWER, new Heartbeat(term, 0, 99));
        harness.tick(FOLLOWER, RaftHarness.ELECTION_TICKS - 1);
        harness.inject(OTHER, FOLLOWER, new RequestVote(term + 1, 100, term, false, false));

        assertThat(harness.pending(FOLLOWER, OTHER, Message.class)).isEmpty();
        assertThat(harness.core(FOLLOWER).term()).isEqualTo(term);
    }
}
