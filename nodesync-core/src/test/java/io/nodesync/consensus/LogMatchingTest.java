package io.nodesync.consensus;

import static io.nodesync.consensus.RaftHarness.id;
import static io.nodesync.consensus.RaftHarness.logWithTerms;
import static io.nodesync.consensus.RaftHarness.put;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.NodeId;
import io.nodesync.protocol.Entry;
import io.nodesync.protocol.Message.AppendEntries;
import io.nodesync.protocol.Message.AppendEntriesResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Raft paper section 5.3, log matching: a follower accepts entries only after an entry it holds with the same index
 * and term as the leader's {@code (prevLogIndex, prevLogTerm)}, so two logs sharing an entry share everything before it.
 */
class LogMatchingTest {

    private static final NodeId LEADER = id(1);
    private static final NodeId FOLLOWER = id(2);

    /** The follower holds terms [1, 1] and is in term 2. */
    private static RaftHarness followerWithTwoEntries() {
        return RaftHarness.builder(3).log(FOLLOWER, logWithTerms(2, 1, 1)).build();
    }

    private static Entry entry(long index, long term) {
        return new Entry(index, term, put(LEADER, index, "leader-" + index));
    }

    private static AppendEntriesResponse answer(RaftHarness harness, AppendEntries append) {
        return harness.answerTo(LEADER, FOLLOWER, append);
    }

    @Test
    void refusesAppendWhosePrevLogTermDoesNotMatch() {
        RaftHarness harness = followerWithTwoEntries();
        List<Entry> before = harness.entries(FOLLOWER);

        AppendEntriesResponse response = answer(harness, new AppendEntries(2, 2, 2, List.of(entry(3, 2)), 0));

        assertThat(response.success()).isFalse();
        assertThat(harness.entries(FOLLOWER)).isEqualTo(before);
        // The refusal still recognises the sender as this term's leader.
        assertThat(harness.core(FOLLOWER).leader()).isEqualTo(LEADER);
    }

    @Test
    void refusesAppendBeyondTheEndOfItsLogAndHintsWhereItEnds() {
        RaftHarness harness = followerWithTwoEntries();

        AppendEntriesResponse response = answer(harness, new AppendEntries(2, 5, 2, List.of(entry(6, 2)), 0));

        assertThat(response.success()).isFalse();
        assertThat(response.hintIndex()).isEqualTo(3);
        assertThat(harness.log(FOLLOWER).lastIndex()).isEqualTo(2);
    }

    @Test
    void acceptsAppendWhosePrevEntryMatches() {
        RaftHarness harness = followerWithTwoEntries();

        AppendEntriesResponse response =
                answer(harness, new AppendEntries(2, 2, 1, List.of(entry(3, 2), entry(4, 2)), 0));

        assertThat(response.success()).isTrue();
        assertThat(response.matchIndex()).isEqualTo(4);
        assertThat(harness.log(FOLLOWER).entry(4)).isEqualTo(entry(4, 2));
    }

    @Test
    void commitIndexAdvancesOnlyUpToTheLastEntryThisAppendVouchedFor() {
        // Figure 2, AppendEntries rule 5: min(leaderCommit, index of last new entry). The follower's index 2 is not
        // known to match the leader here, so the leader's commit index of 10 must not make it committed.
        RaftHarness harness = followerWithTwoEntries();

        answer(harness, new AppendEntries(2, 0, 0, List.of(entry(1, 1)), 10));

        assertThat(harness.core(FOLLOWER).commitIndex()).isEqualTo(1);
    }

    @Test
    void logsSharingAnEntryAreIdenticalUpToIt() {
        // Two leaders in turn, each leaving partly replicated entries behind; then the cluster heals.
        RaftHarness harness = RaftHarness.of(3, 11);
        harness.elect(id(1));
        harness.propose(id(1), 3);
        harness.deliverAll();
        harness.isolate(id(1));
        harness.propose(id(1), 4); // never leaves node 1
        NodeId second = harness.runUntilLeaderAbove(harness.core(id(1)).term(), 50 * RaftHarness.ELECTION_TICKS);
        harness.cut(second, id(other(second)));
        harness.propose(second, 2); // stays on the second leader until the link heals
        harness.heal();
        harness.runFor(5 * RaftHarness.ELECTION_TICKS);

        for (NodeId a : harness.ids()) {
            for (NodeId b : harness.ids()) {
                assertSharedEntryImpliesSharedPrefix(harness.entries(a), harness.entries(b));
            }
        }
        assertThat(harness.entries(id(1))).isEqualTo(harness.entries(second));
        assertThat(harness.entries(id(other(second)))).isEqualTo(harness.entries(second));
    }

    /** Of nodes 2 and 3, the one that is not {@code node}. */
    private static int other(NodeId node) {
        return node.equals(id(2)) ? 3 : 2;
    }

    /** The log matching property itself, checked at every index both logs hold. */
    static void assertSharedEntryImpliesSharedPrefix(List<Entry> a, List<Entry> b) {
        int common = Math.min(a.size(), b.size());
        for (int i = common - 1; i >= 0; i--) {
            if (a.get(i).term() == b.get(i).term()) {
                assertThat(a.subList(0, i + 1)).isEqualTo(b.subList(0, i + 1));
                return;
            }
        }
    }
}
