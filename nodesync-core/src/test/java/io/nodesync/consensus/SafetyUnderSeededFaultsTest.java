package io.nodesync.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Election;
import io.nodesync.NodeId;
import io.nodesync.Role;
import io.nodesync.protocol.Entry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Raft paper figure 3, the safety properties, under seeded random faults: message loss, duplication and reordering,
 * partitions, crashes and restarts. Each seed replays exactly; once the faults stop, the cluster must converge.
 */
class SafetyUnderSeededFaultsTest {

    private static final int STEPS = 4_000;

    /** What the checker has seen committed: the entry and the highest term its observer was in. */
    private record Committed(Entry entry, long observedInTerm) {
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void safetyHoldsAndTheClusterConvergesAfterFaults(long seed) {
        run(seed, RaftHarness.builder(5).seed(seed).build(), 20);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void safetyHoldsWithTightFlowControlAndPriorityElection(long seed) {
        // Two entries per message and three messages in flight: probing, pipelining limits and recovery run all the
        // time. Three nodes, so a single fault costs the majority.
        RaftHarness harness = RaftHarness.builder(3).seed(seed).election(Election.priority())
                .options(new RaftCore.Options(true, true, 2, 1 << 20, 3)).build();
        run(seed, harness, 1);
    }

    private static void run(long seed, RaftHarness harness, int minCommitted) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<Long, NodeId> leaderOfTerm = new HashMap<>();
        Map<Long, Committed> committed = new HashMap<>();
        List<NodeId> ids = harness.ids();

        for (int step = 0; step < STEPS; step++) {
            NodeId node = ids.get(random.nextInt(ids.size()));
            int action = random.nextInt(100);
            List<RaftHarness.Envelope> pending = harness.pending();
            if (action < 45) {
                harness.tick(node);
            } else if (action < 80 && !pending.isEmpty()) {
                RaftHarness.Envelope chosen = pending.get(random.nextInt(pending.size())); // any order
                harness.deliverWhere(envelope -> envelope == chosen);
            } else if (action < 84 && !pending.isEmpty()) {
                RaftHarness.Envelope chosen = pending.get(random.nextInt(pending.size()));
                harness.dropWhere(envelope -> envelope == chosen);
            } else if (action < 87 && !pending.isEmpty()) {
                harness.duplicate(pending.get(random.nextInt(pending.size())));
            } else if (action < 94) {
                if (!harness.isCrashed(node)) {
                    harness.propose(node, 1 + random.nextInt(3));
                }
            } else if (action < 98) {
                int kind = random.nextInt(4);
                if (kind <= 1) {
                    harness.heal(); // partitions heal as often as they form, so the cluster gets work done
                } else if (kind == 2) {
                    harness.isolate(node);
                } else {
                    harness.cut(node, ids.get(random.nextInt(ids.size())));
                }
            } else if (harness.isCrashed(node)) {
                harness.restart(node);
            } else if (ids.stream().filter(harness::isCrashed).count() < 2) {
                harness.crash(node);
            }
            checkSafety(harness, leaderOfTerm, committed, step % 200 == 0);
        }

        // Guard against a vacuous run: leadership changed and real work was committed despite the faults.
        assertThat(leaderOfTerm).hasSizeGreaterThanOrEqualTo(2);
        assertThat(committed).hasSizeGreaterThanOrEqualTo(minCommitted);
        // Faults stop: everyone is back and connected, and the cluster must settle.
        harness.heal();
        for (NodeId node : ids) {
            if (harness.isCrashed(node)) {
                harness.restart(node);
            }
        }
        harness.runFor(30 * RaftHarness.ELECTION_TICKS);
        List<NodeId> leaders = harness.leaders();
        assertThat(leaders).as("one leader after healing").hasSize(1);
        NodeId leader = leaders.get(0);
        long first = harness.propose(leader, 1);
        assertThat(first).isPositive();
        harness.runFor(5 * RaftHarness.HEARTBEAT_TICKS);
        checkSafety(harness, leaderOfTerm, committed, true);
        for (NodeId node : ids) {
            assertThat(harness.entries(node)).as("log of %s", node).isEqualTo(harness.entries(leader));
            assertThat(harness.core(node).commitIndex()).as("commit of %s", node).isEqualTo(first);
        }
    }

    private static void checkSafety(RaftHarness harness, Map<Long, NodeId> leaderOfTerm,
            Map<Long, Committed> committed, boolean checkLogMatching) {
        for (NodeId node : harness.ids()) {
            RaftCore core = harness.core(node);
            // Election safety: at most one leader per term, ever.
            if (core.role() == Role.LEADER) {
                NodeId earlier = leaderOfTerm.putIfAbsent(core.term(), node);
                assertThat(earlier == null ? node : earlier).as("leader of term %d", core.term()).isEqualTo(node);
            }
            // State machine safety: a committed index holds the same entry everywhere, forever.
            for (long index = 1; index <= core.commitIndex(); index++) {
                Entry entry = harness.log(node).entry(index);
                Committed known = committed.get(index);
                if (known == null) {
                    committed.put(index, new Committed(entry, core.term()));
                } else {
                    assertThat(entry).as("committed entry %d on %s", index, node).isEqualTo(known.entry());
                    if (core.term() > known.observedInTerm()) {
                        committed.put(index, new Committed(entry, core.term()));
                    }
                }
            }
        }
        for (NodeId node : harness.ids()) {
            RaftCore core = harness.core(node);
            // Leader completeness: a leader of a later term holds every entry committed before it.
            if (core.role() == Role.LEADER && !harness.isCrashed(node)) {
                committed.forEach((index, known) -> {
                    if (known.observedInTerm() < core.term()) {
                        assertThat(harness.log(node).lastIndex()).isGreaterThanOrEqualTo(index);
                        assertThat(harness.log(node).entry(index)).isEqualTo(known.entry());
                    }
                });
            }
        }
        if (checkLogMatching) {
            for (NodeId a : harness.ids()) {
                for (NodeId b : harness.ids()) {
                    LogMatchingTest.assertSharedEntryImpliesSharedPrefix(harness.entries(a), harness.entries(b));
                }
            }
        }
    }
}
