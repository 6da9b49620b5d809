package io.nodesync.consensus;

import static io.nodesync.consensus.RaftHarness.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.NodeId;
import io.nodesync.Role;
import io.nodesync.log.Log.TermAndVote;
import io.nodesync.protocol.Message.RequestVote;
import io.nodesync.protocol.Message.RequestVoteResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Raft paper section 5.2, leader election: one vote per term, persisted before it is announced; one leader per term. */
class LeaderElectionTest {

    private static final NodeId VOTER = id(1);
    private static final NodeId FIRST = id(2);
    private static final NodeId SECOND = id(3);

    private static RequestVote voteRequest(long term) {
        return new RequestVote(term, 0, 0, false, false);
    }

    private static boolean granted(RaftHarness harness, NodeId candidate) {
        List<RequestVoteResponse> answers = harness.pending(VOTER, candidate, RequestVoteResponse.class);
        assertThat(answers).isNotEmpty();
        return answers.get(answers.size() - 1).granted();
    }

    @Test
    void singleNodeClusterElectsItselfAndCommitsAlone() {
        RaftHarness harness = RaftHarness.of(1, 1);

        harness.tick(VOTER, 2 * RaftHarness.ELECTION_TICKS);

        RaftCore core = harness.core(VOTER);
        assertThat(core.role()).isEqualTo(Role.LEADER);
        assertThat(core.term()).isEqualTo(1);
        assertThat(core.leader()).isEqualTo(VOTER);
        assertThat(core.commitIndex()).isEqualTo(1); // its no-op
        assertThat(harness.propose(VOTER, 2)).isEqualTo(2);
        assertThat(core.commitIndex()).isEqualTo(3);
    }

    @Test
    void clusterElectsExactlyOneLeaderThatEveryoneFollows() {
        RaftHarness harness = RaftHarness.of(5, 17);

        NodeId leader = harness.runUntilLeaderAbove(0, 10 * RaftHarness.ELECTION_TICKS);
        harness.runFor(RaftHarness.ELECTION_TICKS);

        assertThat(harness.leaders()).containsExactly(leader);
        long term = harness.core(leader).term();
        for (NodeId node : harness.ids()) {
            assertThat(harness.core(node).term()).isEqualTo(term);
            assertThat(harness.core(node).leader()).isEqualTo(leader);
        }
    }

    @Test
    void voteIsGrantedToAtMostOneCandidatePerTerm() {
        RaftHarness harness = RaftHarness.of(3, 1);

        harness.inject(FIRST, VOTER, voteRequest(1));
        harness.inject(SECOND, VOTER, voteRequest(1));
        harness.inject(FIRST, VOTER, voteRequest(1)); // a retransmission from the same candidate

        assertThat(granted(harness, SECOND)).isFalse();
        assertThat(harness.pending(VOTER, FIRST, RequestVoteResponse.class))
                .extracting(RequestVoteResponse::granted).containsExactly(true, true);
        assertThat(harness.log(VOTER).termAndVote()).isEqualTo(new TermAndVote(1, FIRST));

        // A new term frees the vote again.
        harness.inject(SECOND, VOTER, voteRequest(2));
        assertThat(granted(harness, SECOND)).isTrue();
    }

    @Test
    void voteIsInTheLogBeforeTheGrantIsSent() {
        RaftHarness harness = RaftHarness.of(3, 1);

        harness.inject(FIRST, VOTER, voteRequest(4));

        RaftHarness.Envelope grant = harness.sentHistory().stream()
                .filter(sent -> sent.message() instanceof RequestVoteResponse response && response.granted())
                .findFirst().orElseThrow();
        assertThat(grant.senderPersisted()).isEqualTo(new TermAndVote(4, FIRST));
    }

    @Test
    void candidatesOwnVoteAndTermAreInTheLogBeforeItAsksForVotes() {
        RaftHarness harness = RaftHarness.of(3, 1);
        while (harness.core(VOTER).role() != Role.PRE_CANDIDATE) {
            harness.tick(VOTER);
        }
        harness.deliverAllWhere(envelope -> !(envelope.message() instanceof RequestVote vote) || vote.preVote());

        RaftHarness.Envelope request = harness.sentHistory().stream()
                .filter(sent -> sent.message() instanceof RequestVote vote && !vote.preVote())
                .findFirst().orElseThrow();
        assertThat(request.senderPersisted()).isEqualTo(new TermAndVote(1, VOTER));
    }

    @Test
    void restartedVoterRemembersWhomItVotedFor() {
        RaftHarness harness = RaftHarness.of(3, 1);
        harness.inject(FIRST, VOTER, voteRequest(1));

        harness.crash(VOTER);
        harness.restart(VOTER);
        harness.inject(SECOND, VOTER, voteRequest(1));

        assertThat(granted(harness, SECOND)).isFalse();
        assertThat(harness.core(VOTER).term()).isEqualTo(1);
    }

    @Test
    void leaderRefusesToVoteInItsOwnTerm() {
        RaftHarness harness = RaftHarness.of(3, 1);
        long term = harness.elect(VOTER).term();

        harness.inject(SECOND, VOTER, new RequestVote(term, 100, term, false, false));

        assertThat(granted(harness, SECOND)).isFalse();
        assertThat(harness.core(VOTER).role()).isEqualTo(Role.LEADER);
    }

    @Test
    void candidateWithoutMajorityDoesNotBecomeLeader() {
        RaftHarness harness = RaftHarness.builder(3).options(new RaftCore.Options(false, true, 1024, 1 << 20, 256))
                .build();
        harness.isolate(VOTER);

        harness.tick(VOTER, 2 * RaftHarness.ELECTION_TICKS);
        harness.deliverAll();

        assertThat(harness.core(VOTER).role()).isEqualTo(Role.CANDIDATE);
        assertThat(harness.leaders()).isEmpty();
    }
}
