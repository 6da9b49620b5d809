package io.nodesync.consensus;

import static io.nodesync.consensus.RaftHarness.id;
import static io.nodesync.consensus.RaftHarness.logWithTerms;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.NodeId;
import io.nodesync.Role;
import io.nodesync.protocol.Entry;
import io.nodesync.protocol.Message.AppendEntries;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Raft paper section 5.4.2 and figure 8: a leader never commits an entry of an earlier term by counting replicas;
 * such an entry is committed only indirectly, once an entry of the leader's own term is.
 */
class CommitRuleFigure8Test {

    private static final NodeId S1 = id(1);
    private static final NodeId S2 = id(2);
    private static final NodeId S3 = id(3);
    private static final NodeId S4 = id(4);
    private static final NodeId S5 = id(5);

    /**
     * Figure 8 (b): S1 holds index 2 of term 2, which it appended as leader of term 2 and never replicated; S5 holds
     * index 2 of term 3 from its own short reign. S1 sends one entry per message so that index 2 (term 2) can reach a
     * majority while its own no-op (term 4) has not.
     */
    private static RaftHarness figure8() {
        return RaftHarness.builder(5)
                .log(S1, logWithTerms(3, 1, 2))
                .log(S2, logWithTerms(3, 1))
                .log(S3, logWithTerms(3, 1))
                .log(S4, logWithTerms(3, 1))
                .log(S5, logWithTerms(4, 1, 3))
                .options(S1, new RaftCore.Options(true, true, 1, 1 << 20, 256))
                .build();
    }

    /** True for appends that carry an entry of term 4 (S1's own no-op). */
    private static final Predicate<RaftHarness.Envelope> CARRIES_TERM_4 = envelope ->
            envelope.message() instanceof AppendEntries append
                    && append.entries().stream().anyMatch(entry -> entry.term() == 4);

    /** Figure 8 (c): S1 leads term 4 with S2 and S3, and has copied index 2 (term 2) to both, but not its no-op. */
    private static RaftHarness oldEntryOnMajority() {
        RaftHarness harness = figure8();
        harness.isolate(S4);
        harness.isolate(S5);
        while (harness.core(S1).role() == Role.FOLLOWER) {
            harness.tick(S1);
        }
        // The election, then S1's first appends (prev = 2), which S2 and S3 refuse: they lack index 2.
        harness.deliverAllWhere(envelope -> !(envelope.message() instanceof AppendEntries));
        assertThat(harness.deliverWhere(envelope -> envelope.message() instanceof AppendEntries)).isEqualTo(2);
        // S1 probes back and copies index 2; the follow-up append with its no-op is held back.
        harness.deliverAllWhere(CARRIES_TERM_4.negate());
        RaftCore s1 = harness.core(S1);
        assertThat(s1.role()).isEqualTo(Role.LEADER);
        assertThat(s1.term()).isEqualTo(4);
        assertThat(harness.log(S1).term(3)).isEqualTo(4); // the new term's no-op
        return harness;
    }

    @Test
    void leaderDoesNotCommitAnOldTermEntryStoredOnAMajority() {
        RaftHarness harness = oldEntryOnMajority();
        RaftCore s1 = harness.core(S1);

        // S1, S2 and S3 (a majority of five) hold index 2, and S1 knows it ...
        assertThat(s1.matchIndex(S2)).isEqualTo(2);
        assertThat(s1.matchIndex(S3)).isEqualTo(2);
        assertThat(harness.log(S2).term(2)).isEqualTo(2);
        assertThat(harness.log(S3).term(2)).isEqualTo(2);
        // ... yet it is of term 2, so counting replicas must not commit it.
        assertThat(s1.commitIndex()).isZero();
        assertThat(harness.core(S2).commitIndex()).isZero();
    }

    @Test
    void oldTermEntryCommitsIndirectlyWithTheLeadersOwnEntry() {
        RaftHarness harness = oldEntryOnMajority();

        // Only S2 receives the no-op: with S1 that is two of five, not yet a majority of term 4.
        harness.deliverAllWhere(envelope -> !envelope.to().equals(S3) && !envelope.from().equals(S3));
        assertThat(harness.core(S1).commitIndex()).isZero();

        harness.deliverAll();

        assertThat(harness.core(S1).commitIndex()).isEqualTo(3);
        harness.tick(S1); // commit news alone goes at the leader's next tick
        harness.deliverAll();
        for (NodeId node : new NodeId[] {S2, S3}) {
            assertThat(harness.entries(node)).isEqualTo(harness.entries(S1));
            assertThat(harness.core(node).commitIndex()).isEqualTo(3);
        }
    }

    @Test
    void oldTermEntryOnAMajorityCanStillBeOverwrittenWhichIsWhyItWasNotCommitted() {
        RaftHarness harness = oldEntryOnMajority();
        Entry s1Entry = harness.log(S1).entry(2);

        // Figure 8 (d): S1 crashes; S5 (last term 3) is more up to date than S2, S3, S4 (last term 2 or 1).
        harness.crash(S1);
        harness.heal();
        harness.restart(S2); // rebooted voters have no lease to protect, as after an election timeout
        harness.restart(S3);
        harness.restart(S4);
        harness.elect(S5);

        assertThat(harness.core(S5).term()).isEqualTo(5);
        for (NodeId node : new NodeId[] {S2, S3, S4}) {
            assertThat(harness.log(node).term(2)).isEqualTo(3);
            assertThat(harness.log(node).entry(2)).isNotEqualTo(s1Entry);
            assertThat(harness.entries(node)).isEqualTo(harness.entries(S5));
        }
        assertThat(harness.core(S5).commitIndex()).isEqualTo(3);
    }
}
