package io.nodesync.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The hybrid logical clock (Kulkarni et al., 2014) that stamps writes for last-writer-wins: it follows physical time
 * where it can and never goes backwards or repeats.
 */
class HybridClockTest {

    private static long at(long millis) {
        return millis << HybridClock.LOGICAL_BITS;
    }

    @Test
    void followsPhysicalTimeWhenItMovesForward() {
        HybridClock clock = new HybridClock();

        assertThat(clock.next(1_000)).isEqualTo(at(1_000));
        assertThat(clock.next(2_000)).isEqualTo(at(2_000));
        assertThat(HybridClock.millisOf(clock.last())).isEqualTo(2_000);
    }

    @Test
    void sameMillisecondAdvancesTheLogicalCounter() {
        HybridClock clock = new HybridClock();
        long first = clock.next(1_000);

        long second = clock.next(1_000);

        assertThat(second).isEqualTo(first + 1);
        assertThat(HybridClock.millisOf(second)).isEqualTo(1_000);
    }

    @Test
    void staysMonotonicWhenPhysicalTimeGoesBackwards() {
        HybridClock clock = new HybridClock();
        long before = clock.next(5_000);

        long afterStep = clock.next(4_000); // NTP stepped the clock back a second

        assertThat(afterStep).isGreaterThan(before);
        assertThat(clock.next(4_500)).isGreaterThan(afterStep);
    }

    @Test
    void observedTimestampFromAheadIsExceededByTheNextOne() {
        HybridClock clock = new HybridClock();
        clock.next(1_000);
        long remote = at(9_000) + 3; // a node whose clock runs ahead

        clock.observe(remote);

        assertThat(clock.last()).isEqualTo(remote);
        assertThat(clock.next(1_001)).isEqualTo(remote + 1);
    }

    @Test
    void observingAnOlderTimestampChangesNothing() {
        HybridClock clock = new HybridClock();
        long mine = clock.next(5_000);

        clock.observe(at(1_000));

        assertThat(clock.last()).isEqualTo(mine);
        assertThat(clock.next(6_000)).isEqualTo(at(6_000));
    }

    @Test
    void manyTimestampsInOneMillisecondStayStrictlyIncreasing() {
        HybridClock clock = new HybridClock();
        long previous = clock.next(1_000);
        // More than the 16-bit counter holds: it carries into the millisecond part rather than wrapping.
        for (int i = 0; i < (1 << HybridClock.LOGICAL_BITS) + 10; i++) {
            long next = clock.next(1_000);
            assertThat(next).isGreaterThan(previous);
            previous = next;
        }
    }
}
