package io.nodesync.consensus;

import static io.nodesync.consensus.RaftHarness.id;
import static io.nodesync.consensus.RaftHarness.logWithTerms;
import static io.nodesync.consensus.RaftHarness.put;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.NodeId;
import io.nodesync.Role;
import io.nodesync.protocol.Entry;
import io.nodesync.protocol.Message.AppendEntries;
import io.nodesync.protocol.Message.AppendEntriesResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Raft paper section 5.3: a follower deletes the conflicting, uncommitted suffix of its log and takes the leader's
 * entries instead, but never drops entries merely because an append was short or arrived late.
 */
class ConflictTruncationTest {

    private static final NodeId LEADER = id(1);
    private static final NodeId FOLLOWER = id(2);

    private static Entry entry(long index, long term) {
        return new Entry(index, term, put(LEADER, index, "leader-" + index));
    }

    private static AppendEntriesResponse answer(RaftHarness harness, AppendEntries append) {
        return harness.answerTo(LEADER, FOLLOWER, append);
    }

    @Test
    void followerReplacesItsConflictingSuffixWithTheLeadersEntries() {
        // The follower holds [1, 2, 2]: indexes 2 and 3 came from a deposed leader of term 2.
        RaftHarness harness = RaftHarness.builder(3).log(FOLLOWER, logWithTerms(2, 1, 2, 2)).build();
        List<Entry> leaders = List.of(entry(2, 3), entry(3, 3), entry(4, 3));

        AppendEntriesResponse response = answer(harness, new AppendEntries(3, 1, 1, leaders, 0));

        assertThat(response.success()).isTrue();
        assertThat(response.matchIndex()).isEqualTo(4);
        assertThat(harness.entries(FOLLOWER).subList(1, 4)).isEqualTo(leaders);
        assertThat(harness.entries(FOLLOWER).get(0).term()).isEqualTo(1);
    }

    @Test
    void delayedShortAppendDoesNotTruncateMatchingLaterEntries() {
        // A late, reordered append carrying only index 1 must not cut off indexes 2 and 3, which may be committed.
        RaftHarness harness = RaftHarness.builder(3).log(FOLLOWER, logWithTerms(1, 1, 1, 1)).build();
        List<Entry> before = harness.entries(FOLLOWER);

        AppendEntriesResponse response = answer(harness, new AppendEntries(1, 0, 0, List.of(before.get(0)), 0));

        assertThat(response.success()).isTrue();
        assertThat(response.matchIndex()).isEqualTo(1); // it vouches only for what this append covered
        assertThat(harness.entries(FOLLOWER)).isEqualTo(before);
    }

    @Test
    void refusalHintSkipsTheWholeConflictingTerm() {
        // The follower's [1, 2, 2, 2]: the leader's entry 4 is of term 3, so all of term 2 is suspect; hint its start.
        RaftHarness harness = RaftHarness.builder(3).log(FOLLOWER, logWithTerms(2, 1, 2, 2, 2)).build();

        AppendEntriesResponse response = answer(harness, new AppendEntries(3, 4, 3, List.of(), 0));

        assertThat(response.success()).isFalse();
        assertThat(response.hintIndex()).isEqualTo(2);
        assertThat(harness.log(FOLLOWER).lastIndex()).isEqualTo(4); // nothing is deleted on a refusal
    }

    @Test
    void deposedLeaderLosesItsUncommittedEntriesAndAdoptsTheNewLeadersLog() {
        RaftHarness harness = RaftHarness.of(3, 5);
        NodeId old = id(1);
        harness.elect(old);
        harness.propose(old, 3);
        harness.deliverAll();
        long committed = harness.core(old).commitIndex();
        long oldTerm = harness.core(old).term();

        harness.isolate(old);
        harness.propose(old, 4); // uncommitted: no follower will see these
        List<Entry> orphaned = harness.entries(old).subList((int) committed, (int) committed + 4);
        NodeId next = harness.runUntilLeaderAbove(oldTerm, 50 * RaftHarness.ELECTION_TICKS);
        harness.propose(next, 2);
        harness.deliverAll();
        harness.heal();
        harness.runFor(5 * RaftHarness.ELECTION_TICKS);

        assertThat(harness.core(old).role()).isEqualTo(Role.FOLLOWER);
        assertThat(harness.core(old).leader()).isEqualTo(next);
        assertThat(harness.entries(old)).isEqualTo(harness.entries(next));
        assertThat(harness.entries(old)).doesNotContainAnyElementsOf(orphaned);
        assertThat(harness.core(old).commitIndex()).isEqualTo(harness.core(next).commitIndex());
    }
}
