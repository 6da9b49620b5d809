package io.nodesync.consensus;

import static io.nodesync.consensus.RaftHarness.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.NodeId;
import io.nodesync.Role;
import io.nodesync.protocol.Message.RequestVote;
import io.nodesync.protocol.Message.RequestVoteResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Raft thesis section 9.6, pre-vote: a node first asks whether it could win, so one cut off from the cluster does not
 * inflate its term and cannot depose a healthy leader when it returns.
 */
class PreVoteTest {

    private static final NodeId LEADER = id(1);
    private static final NodeId PARTITIONED = id(3);

    @Test
    void partitionedNodeTimesOutRepeatedlyWithoutRaisingItsTerm() {
        RaftHarness harness = RaftHarness.of(3, 3);
        long term = harness.elect(LEADER).term();
        harness.isolate(PARTITIONED);

        for (int i = 0; i < 10 * RaftHarness.ELECTION_TICKS; i++) {
            harness.tickAll();
            harness.deliverAll();
            assertThat(harness.core(PARTITIONED).term()).isEqualTo(term);
        }

        long campaigns = harness.sentHistory().stream()
                .filter(sent -> sent.from().equals(PARTITIONED) && sent.to().equals(LEADER))
                .filter(sent -> sent.message() instanceof RequestVote vote && vote.preVote())
                .count();
        assertThat(campaigns).as("the partitioned node kept timing out").isGreaterThanOrEqualTo(3);
        assertThat(harness.log(PARTITIONED).termAndVote().term()).isEqualTo(term);
        assertThat(harness.leaders()).containsExactly(LEADER);
    }

    @Test
    void rejoiningNodeDoesNotDeposeTheLeader() {
        RaftHarness harness = RaftHarness.of(3, 3);
        long term = harness.elect(LEADER).term();
        harness.isolate(PARTITIONED);
        harness.runFor(10 * RaftHarness.ELECTION_TICKS);
        harness.propose(LEADER, 3);

        harness.heal();
        harness.runFor(10 * RaftHarness.ELECTION_TICKS);

        for (NodeId node : harness.ids()) {
            assertThat(harness.core(node).term()).isEqualTo(term);
            assertThat(harness.core(node).leader()).isEqualTo(LEADER);
        }
        assertThat(harness.entries(PARTITIONED)).isEqualTo(harness.entries(LEADER));
    }

    @Test
    void withoutPreVoteTheSameRejoiningNodeDoesDeposeTheLeader() {
        // The control experiment: it shows the scenario above really exercises pre-vote.
        RaftHarness harness = RaftHarness.builder(3).seed(3)
                .options(new RaftCore.Options(false, false, 1024, 1 << 20, 256)).build();
        long term = harness.elect(LEADER).term();
        harness.isolate(PARTITIONED);
        harness.runFor(10 * RaftHarness.ELECTION_TICKS);
        assertThat(harness.core(PARTITIONED).term()).isGreaterThan(term + 1);

        harness.heal();
        harness.runFor(10 * RaftHarness.ELECTION_TICKS);

        assertThat(harness.core(LEADER).term()).isGreaterThan(term + 1);
    }

    @Test
    void grantingAPreVoteChangesNeitherTheVotersTermNorItsVote() {
        RaftHarness harness = RaftHarness.of(3, 3); // fresh: the voter knows no leader, so no lease is in the way
        NodeId voter = id(2);

        harness.inject(PARTITIONED, voter, new RequestVote(5, 0, 0, true, false));

        List<RequestVoteResponse> answers = harness.pending(voter, PARTITIONED, RequestVoteResponse.class);
        assertThat(answers).containsExactly(new RequestVoteResponse(5, true, true));
        assertThat(harness.core(voter).term()).isZero();
        assertThat(harness.log(voter).termAndVote().votedFor()).isNull();
        assertThat(harness.core(voter).role()).isEqualTo(Role.FOLLOWER);
    }

    @Test
    void preCandidateBecomesCandidateOnlyWithAMajorityOfPreVotes() {
        RaftHarness harness = RaftHarness.of(5, 3);
        NodeId node = id(1);
        while (harness.core(node).role() != Role.PRE_CANDIDATE) {
            harness.tick(node);
        }
        long term = harness.core(node).term();

        // One granted pre-vote (two of five with its own) is not enough.
        harness.deliverAllWhere(envelope -> envelope.from().equals(id(2)) || envelope.to().equals(id(2)));
        assertThat(harness.core(node).role()).isEqualTo(Role.PRE_CANDIDATE);
        assertThat(harness.core(node).term()).isEqualTo(term);

        // A second one makes three of five: only now does the real election, with a new term, begin.
        harness.deliverAllWhere(envelope -> envelope.from().equals(id(3)) && envelope.to().equals(node)
                || envelope.to().equals(id(3)) && envelope.message() instanceof RequestVote vote && vote.preVote());
        assertThat(harness.core(node).role()).isEqualTo(Role.CANDIDATE);
        assertThat(harness.core(node).term()).isEqualTo(term + 1);
    }
}
