package io.nodesync.consensus;

import static io.nodesync.consensus.RaftHarness.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.NodeId;
import io.nodesync.Role;
import io.nodesync.protocol.Message;
import io.nodesync.protocol.Message.AppendEntriesResponse;
import io.nodesync.protocol.Message.HeartbeatResponse;
import io.nodesync.protocol.Message.RejoinQuery;
import io.nodesync.protocol.Message.RejoinQueryResponse;
import io.nodesync.protocol.Message.RequestVote;
import io.nodesync.protocol.Message.RequestVoteResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A node that lost its disk (see {@link RaftCore}'s class doc): it must not help anyone commit or win an election
 * until it knows every peer's term and has caught up with a leader of a later term.
 */
class RejoinAfterDiskLossTest {

    private static final NodeId LEADER = id(1);
    private static final NodeId OTHER = id(2);
    private static final NodeId WIPED = id(3);

    private static List<Message> sentBy(RaftHarness harness, NodeId node, int from) {
        return harness.sentHistory().subList(from, harness.sentHistory().size()).stream()
                .filter(envelope -> envelope.from().equals(node)).map(RaftHarness.Envelope::message).toList();
    }

    @Test
    void untilItKnowsItsPeersTermsItAnswersNoLeader() {
        RaftHarness harness = RaftHarness.of(3, 5);
        harness.elect(LEADER);
        harness.propose(LEADER, 3);
        harness.deliverAll();
        harness.crash(WIPED);
        harness.restartAfterDiskLoss(WIPED);
        harness.cut(WIPED, OTHER); // OTHER cannot answer its query: the term stays unknown
        int mark = harness.sentHistory().size();

        harness.runFor(30);

        assertThat(harness.core(WIPED).rejoining()).isTrue();
        assertThat(harness.core(WIPED).term()).isZero(); // it adopted no leader's term
        assertThat(sentBy(harness, WIPED, mark)).isNotEmpty().allSatisfy(message ->
                assertThat(message).isInstanceOf(RejoinQuery.class)); // no acknowledgement, no heartbeat answer
        assertThat(harness.log(WIPED).lastIndex()).isZero();
    }

    @Test
    void itVotesForNobodyUntilCaughtUpWithALeaderOfALaterTerm() {
        RaftHarness harness = RaftHarness.of(3, 9);
        harness.elect(LEADER);
        harness.propose(LEADER, 4);
        harness.deliverAll();
        long termBefore = harness.core(LEADER).term();
        harness.crash(WIPED);
        harness.restartAfterDiskLoss(WIPED);
        int mark = harness.sentHistory().size();

        // A candidate asks for its vote while it rejoins: refused.
        harness.inject(OTHER, WIPED, new RequestVote(termBefore + 5, 100, termBefore, false, false));
        assertThat(sentBy(harness, WIPED, mark)).filteredOn(RequestVoteResponse.class::isInstance)
                .allSatisfy(response -> assertThat(((RequestVoteResponse) response).granted()).isFalse());

        // It learns every term, asks the leader for a new term, catches up with it, then counts as a voter again.
        harness.runFor(200);

        assertThat(harness.core(WIPED).rejoining()).isFalse();
        assertThat(harness.log(WIPED).rejoinTerm()).isEqualTo(io.nodesync.log.Log.NOT_REJOINING);
        NodeId leader = harness.leaders().get(0);
        assertThat(harness.core(leader).term()).isGreaterThan(termBefore);
        assertThat(harness.entries(WIPED)).isEqualTo(harness.entries(leader));
    }

    @Test
    void theLeaderRetreatsToWhatAFollowerThatLostItsDiskStillHolds() {
        RaftHarness harness = RaftHarness.of(3, 13);
        harness.elect(LEADER);
        harness.propose(LEADER, 6);
        harness.deliverAll();
        long matched = harness.core(LEADER).matchIndex(WIPED);
        assertThat(matched).isPositive();
        harness.crash(WIPED);
        harness.restartAfterDiskLoss(WIPED);

        harness.runFor(60);

        // No endless probing at the old match index: it was lowered, and the follower was given the log again.
        assertThat(harness.entries(WIPED)).isEqualTo(harness.entries(harness.leaders().get(0)));
        long rejections = harness.sentHistory().stream().filter(envelope -> envelope.from().equals(WIPED)
                && envelope.message() instanceof AppendEntriesResponse response && !response.success()).count();
        assertThat(rejections).isLessThan(10);
    }

    @Test
    void aRejoiningFollowerIsNoTargetForALeadershipTransfer() {
        // The priority election hands leadership to the highest id once it is caught up: not while it rejoins.
        // Node 2 leads, so the only node of higher priority is the one that lost its disk.
        NodeId leader = OTHER;
        RaftHarness harness = RaftHarness.builder(3).election(io.nodesync.Election.priority()).build();
        harness.elect(leader);
        harness.propose(leader, 2);
        harness.deliverAll();
        harness.crash(WIPED);
        harness.restartAfterDiskLoss(WIPED);
        // It learns its peers' terms and catches up, but its requests for a new term are lost: it stays rejoining
        // while answering the leader's heartbeats like any caught-up follower.
        for (int tick = 0; tick < 30; tick++) {
            harness.tickAll();
            harness.dropWhere(envelope -> envelope.message() instanceof Message.RejoinRequest);
            harness.deliverAll();
        }
        int mark = harness.sentHistory().size();
        for (int tick = 0; tick < 60; tick++) {
            harness.tickAll();
            harness.dropWhere(envelope -> envelope.message() instanceof Message.RejoinRequest);
            harness.deliverAll();
        }

        assertThat(harness.core(WIPED).rejoining()).isTrue();
        assertThat(harness.entries(WIPED)).isEqualTo(harness.entries(leader));
        assertThat(harness.sentHistory().subList(mark, harness.sentHistory().size()))
                .noneMatch(envelope -> envelope.message() instanceof Message.TimeoutNow
                        && envelope.to().equals(WIPED));
        assertThat(harness.core(leader).role()).isEqualTo(Role.LEADER);
        assertThat(harness.core(leader).acceptsProposals()).isTrue();
    }

    @Test
    void anAnswerToAnEarlierIncarnationsQueryDoesNotCount() {
        RaftHarness harness = RaftHarness.of(3, 17);
        harness.crash(WIPED);
        harness.restartAfterDiskLoss(WIPED);
        // Answers carrying another nonce, claiming every peer is empty: taking them would skip the catch-up.
        harness.inject(LEADER, WIPED, new RejoinQueryResponse(12345, 0, 0, true));
        harness.inject(OTHER, WIPED, new RejoinQueryResponse(12345, 0, 0, true));

        assertThat(harness.core(WIPED).rejoining()).isTrue();
        assertThat(harness.log(WIPED).rejoinTerm()).isEqualTo(io.nodesync.log.Log.REJOIN_TERM_UNKNOWN);
        assertThat(harness.sentHistory()).noneMatch(envelope -> envelope.from().equals(WIPED)
                && envelope.message() instanceof HeartbeatResponse);
    }
}
