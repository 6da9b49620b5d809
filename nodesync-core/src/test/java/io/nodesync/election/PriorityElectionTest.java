package io.nodesync.election;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Election;
import io.nodesync.NodeId;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The seed's "highest id wins" made safe (Raft paper section 5.2 timeouts, shifted by rank): the highest id draws
 * from the shortest timeout range, and a leader names only a higher peer as its successor.
 */
class PriorityElectionTest {

    private static final int BASE = 10;

    private static NodeId id(long number) {
        return NodeId.of(number);
    }

    private static int[] range(NodeId self, List<NodeId> members, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int i = 0; i < 2_000; i++) {
            int ticks = Election.priority().electionTimeoutTicks(self, members, BASE, random);
            min = Math.min(min, ticks);
            max = Math.max(max, ticks);
        }
        return new int[] {min, max};
    }

    @Test
    void higherIdsDrawFromStrictlyShorterRangesThatNeverOverlap() {
        List<NodeId> members = List.of(id(3), id(1), id(5), id(2), id(4));
        int previousMax = BASE - 1;
        for (long number = 5; number >= 1; number--) {
            int[] range = range(id(number), members, number);
            assertThat(range[0]).as("lowest draw of node %d", number).isGreaterThan(previousMax);
            previousMax = range[1];
        }
        // Rank r waits base + r * base/2 + [0, base/2): the highest id's range is exactly [base, 1.5 * base).
        assertThat(range(id(5), members, 1)).containsExactly(BASE, BASE + BASE / 2 - 1);
    }

    @Test
    void numericIdsRankAsNumbersNotAsText() {
        // As text "999" > "5002"; the seed used ports as ids, so 5002 must rank first.
        List<NodeId> members = List.of(id(999), id(5002), id(10));

        assertThat(range(id(5002), members, 7)[1]).isLessThan(range(id(999), members, 7)[0]);
        assertThat(Election.priority().transferTarget(id(999), List.of(id(10), id(5002)))).isEqualTo(id(5002));
    }

    @Test
    void transferTargetIsTheHighestEligiblePeerAboveTheLeader() {
        assertThat(Election.priority().transferTarget(id(1), List.of(id(2), id(4), id(3)))).isEqualTo(id(4));
        assertThat(Election.priority().transferTarget(id(3), List.of(id(1), id(2)))).isNull();
        assertThat(Election.priority().transferTarget(id(3), List.of())).isNull();
    }

    @Test
    void raftElectionDrawsFromBaseToTwiceBaseAndNeverTransfers() {
        SplittableRandom random = new SplittableRandom(3);
        List<NodeId> members = List.of(id(1), id(2), id(3));
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int i = 0; i < 2_000; i++) {
            int ticks = Election.raft().electionTimeoutTicks(id(3), members, BASE, random);
            min = Math.min(min, ticks);
            max = Math.max(max, ticks);
        }
        assertThat(min).isEqualTo(BASE);
        assertThat(max).isEqualTo(2 * BASE - 1);
        assertThat(Election.raft().transferTarget(id(1), List.of(id(2), id(3)))).isNull();
    }
}
