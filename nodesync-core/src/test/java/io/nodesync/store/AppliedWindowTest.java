package io.nodesync.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The at-most-once filter behind strong commands (Raft thesis section 6.3, client sessions): exact within the last
 * {@link AppliedWindow#WIDTH} sequence numbers, and sliding forward without stale bits as sequence numbers grow.
 */
class AppliedWindowTest {

    private static final int WIDTH = AppliedWindow.WIDTH;

    @Test
    void remembersExactlyWhatWasAddedInAnyOrder() {
        AppliedWindow window = new AppliedWindow();
        window.add(3);
        window.add(1);

        assertThat(window.contains(1)).isTrue();
        assertThat(window.contains(2)).isFalse();
        assertThat(window.contains(3)).isTrue();
        assertThat(window.contains(4)).isFalse();

        window.add(2);
        assertThat(window.contains(2)).isTrue();
        assertThat(window.contains(4)).isFalse();
    }

    @Test
    void slidingPastWidthTreatsNumbersBelowTheNewFloorAsDone() {
        AppliedWindow window = new AppliedWindow();
        window.add(1);
        window.add(100); // 2..99 are still open

        window.add(WIDTH + 50); // the window now covers (50, WIDTH + 50]

        assertThat(window.contains(10)).as("below the floor: too old to retry").isTrue();
        assertThat(window.contains(99)).as("still inside the window, never added").isFalse();
        assertThat(window.contains(100)).isTrue();
        assertThat(window.contains(WIDTH + 49)).isFalse();
        assertThat(window.contains(WIDTH + 50)).isTrue();
        assertThat(window.contains(WIDTH + 51)).isFalse();
    }

    @Test
    void farJumpLeavesNoStaleBits() {
        AppliedWindow window = new AppliedWindow();
        window.add(5);
        window.add(7); // 1..4 are open, so the floor stays at 0 and these two are held as bits

        window.add(5L * WIDTH + 5); // the window now covers (4 * WIDTH + 5, 5 * WIDTH + 5]

        // 4 * WIDTH + 7 shares its slot with 7: the old bit must not make it look applied.
        assertThat(window.contains(4L * WIDTH + 7)).isFalse();
        assertThat(window.contains(5L * WIDTH + 4)).isFalse();
        assertThat(window.contains(5L * WIDTH + 5)).isTrue();
        assertThat(window.contains(4L * WIDTH + 5)).isTrue(); // at the floor: counts as done
    }

    @Test
    void slidingByLessThanAWidthClearsTheSlotsItReuses() {
        AppliedWindow window = new AppliedWindow();
        window.add(2); // 1 is open: 2 is held as a bit

        window.add(WIDTH + 3); // the window now covers (3, WIDTH + 3]; WIDTH + 2 reuses the slot of 2

        assertThat(window.contains(WIDTH + 2)).isFalse();
        assertThat(window.contains(WIDTH + 3)).isTrue();
    }

    @Test
    void everyOtherNumberOverSeveralWidthsStaysExact() {
        // Gaps keep the floor from catching up, so the window must slide and reuse every slot several times.
        AppliedWindow window = new AppliedWindow();
        long last = 3L * WIDTH + 1;
        for (long seq = 1; seq <= last; seq += 2) {
            assertThat(window.contains(seq)).isFalse();
            window.add(seq);
        }
        for (long seq = last - WIDTH + 1; seq <= last + 2; seq++) {
            assertThat(window.contains(seq)).as("seq %d", seq).isEqualTo(seq % 2 == 1 && seq <= last);
        }
    }

    @Test
    void contiguousRunAdvancesWithoutForgettingAnything() {
        AppliedWindow window = new AppliedWindow();
        for (long seq = 1; seq <= 3L * WIDTH; seq++) {
            window.add(seq);
        }
        assertThat(window.contains(3L * WIDTH)).isTrue();
        assertThat(window.contains(3L * WIDTH + 1)).isFalse();
        assertThat(window.contains(1)).isTrue();
    }
}
