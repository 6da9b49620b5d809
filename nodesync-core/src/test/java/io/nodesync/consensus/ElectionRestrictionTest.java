package io.nodesync.consensus;

import static io.nodesync.consensus.RaftHarness.id;
import static io.nodesync.consensus.RaftHarness.logWithTerms;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.NodeId;
import io.nodesync.Role;
import io.nodesync.protocol.Message.RequestVote;
import io.nodesync.protocol.Message.RequestVoteResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Raft paper section 5.4.1, election restriction: a vote goes only to a candidate whose log is at least as up to date. */
class ElectionRestrictionTest {

    private static final NodeId VOTER = id(1);
    private static final NodeId CANDIDATE = id(2);

    /** The voter holds entries of terms [1, 1, 2] and is in term 2; nobody leads, so no lease is in the way. */
    private static RaftHarness voterWithLog() {
        return RaftHarness.builder(3).log(VOTER, logWithTerms(2, 1, 1, 2)).build();
    }

    private static RequestVoteResponse voteAnswer(RaftHarness harness, RequestVote request) {
        harness.inject(CANDIDATE, VOTER, request);
        List<RequestVoteResponse> answers = harness.pending(VOTER, CANDIDATE, RequestVoteResponse.class);
        assertThat(answers).hasSize(1);
        return answers.get(0);
    }

    @Test
    void refusesCandidateWithOlderLastTermEvenIfItsLogIsLonger() {
        RaftHarness harness = voterWithLog();

        RequestVoteResponse answer = voteAnswer(harness, new RequestVote(3, 10, 1, false, false));

        assertThat(answer.granted()).isFalse();
        // The higher term is still adopted (section 5.1), but no vote is recorded.
        assertThat(harness.core(VOTER).term()).isEqualTo(3);
        assertThat(harness.log(VOTER).termAndVote().votedFor()).isNull();
    }

    @Test
    void refusesCandidateWithSameLastTermButShorterLog() {
        RaftHarness harness = voterWithLog();

        RequestVoteResponse answer = voteAnswer(harness, new RequestVote(3, 2, 2, false, false));

        assertThat(answer.granted()).isFalse();
        assertThat(harness.log(VOTER).termAndVote().votedFor()).isNull();
    }

    @Test
    void grantsCandidateWithSameLastTermAndEqualLength() {
        RaftHarness harness = voterWithLog();

        RequestVoteResponse answer = voteAnswer(harness, new RequestVote(3, 3, 2, false, false));

        assertThat(answer.granted()).isTrue();
        assertThat(harness.log(VOTER).termAndVote().votedFor()).isEqualTo(CANDIDATE);
    }

    @Test
    void grantsCandidateWithHigherLastTermEvenIfItsLogIsShorter() {
        RaftHarness harness = voterWithLog();

        RequestVoteResponse answer = voteAnswer(harness, new RequestVote(4, 1, 3, false, false));

        assertThat(answer.granted()).isTrue();
    }

    @Test
    void preVoteAppliesTheSameRestrictionWithoutChangingTheVotersTerm() {
        RaftHarness harness = voterWithLog();

        RequestVoteResponse stale = voteAnswer(harness, new RequestVote(3, 2, 2, true, false));
        assertThat(stale.granted()).isFalse();
        harness.dropWhere(envelope -> true);
        RequestVoteResponse current = voteAnswer(harness, new RequestVote(3, 3, 2, true, false));
        assertThat(current.granted()).isTrue();

        // A pre-vote is only a question: neither answer moved the voter's term or recorded a vote.
        assertThat(harness.core(VOTER).term()).isEqualTo(2);
        assertThat(harness.log(VOTER).termAndVote().votedFor()).isNull();
    }

    @Test
    void nodeMissingCommittedEntriesCannotBecomeLeader() {
        RaftHarness harness = RaftHarness.of(3, 7);
        NodeId leader = id(1);
        NodeId upToDate = id(2);
        NodeId stale = id(3);
        harness.elect(leader);
        harness.isolate(stale);
        harness.propose(leader, 5);
        harness.deliverAll();
        long committed = harness.core(leader).commitIndex();
        assertThat(committed).isEqualTo(harness.log(leader).lastIndex());
        assertThat(harness.log(stale).lastIndex()).isLessThan(committed);

        // The old leader dies; the stale node is back. Only the node holding every committed entry may win.
        harness.crash(leader);
        harness.heal();
        boolean staleEverLed = false;
        for (int i = 0; i < 20 * RaftHarness.ELECTION_TICKS && harness.leaders().isEmpty(); i++) {
            harness.tickAll();
            harness.deliverAll();
            staleEverLed |= harness.core(stale).role() == Role.LEADER;
        }

        assertThat(staleEverLed).isFalse();
        assertThat(harness.leaders()).containsExactly(upToDate);
        // Leader completeness: everything committed before is still in the new leader's log, and now on the stale node.
        assertThat(harness.entries(upToDate).subList(0, (int) committed))
                .isEqualTo(harness.entries(leader).subList(0, (int) committed));
        assertThat(harness.entries(stale)).isEqualTo(harness.entries(upToDate));
    }
}
