package io.nodesync.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.NodeId;
import io.nodesync.election.FailureDetector.Transition;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Heartbeat failure detection (Raft paper section 5.2 uses the same silence-for-a-timeout rule): a peer is DOWN after
 * {@code timeoutTicks} of silence and UP on the next message, and every change is reported exactly once.
 */
class FailureDetectorTest {

    private static final NodeId P1 = NodeId.of(1);
    private static final NodeId P2 = NodeId.of(2);
    private static final int TIMEOUT = 5;

    private final FailureDetector detector = new FailureDetector(List.of(P1, P2), TIMEOUT);

    private void tick(int times) {
        for (int i = 0; i < times; i++) {
            detector.tick();
        }
    }

    @Test
    void peersStartUp() {
        assertThat(detector.isUp(P1)).isTrue();
        assertThat(detector.upCount()).isEqualTo(2);
        assertThat(detector.drainTransitions()).isEmpty();
    }

    @Test
    void silentPeerIsDownAfterExactlyTheTimeout() {
        tick(TIMEOUT - 1);
        assertThat(detector.isUp(P1)).isTrue();
        assertThat(detector.drainTransitions()).isEmpty();

        tick(1);

        assertThat(detector.isUp(P1)).isFalse();
        assertThat(detector.upCount()).isZero();
        assertThat(detector.drainTransitions())
                .containsExactly(new Transition(P1, false), new Transition(P2, false));
    }

    @Test
    void eachChangeIsReportedOnce() {
        tick(TIMEOUT);
        detector.drainTransitions();

        tick(3 * TIMEOUT);
        assertThat(detector.drainTransitions()).as("still down: nothing new").isEmpty();

        detector.heard(P2);
        detector.heard(P2);

        assertThat(detector.drainTransitions()).containsExactly(new Transition(P2, true));
        assertThat(detector.drainTransitions()).isEmpty();
        assertThat(detector.isUp(P2)).isTrue();
        assertThat(detector.isUp(P1)).isFalse();
    }

    @Test
    void hearingFromAPeerRestartsItsSilence() {
        tick(TIMEOUT - 1);
        detector.heard(P1);
        tick(TIMEOUT - 1);

        assertThat(detector.isUp(P1)).isTrue();
        assertThat(detector.isUp(P2)).isFalse();
        assertThat(detector.drainTransitions()).containsExactly(new Transition(P2, false));
    }

    @Test
    void peerThatFlapsReportsEveryChangeInOrder() {
        tick(TIMEOUT);
        detector.heard(P1);
        tick(TIMEOUT);

        assertThat(detector.drainTransitions()).containsExactly(new Transition(P1, false), new Transition(P2, false),
                new Transition(P1, true), new Transition(P1, false));
    }

    @Test
    void unknownPeersAreIgnored() {
        detector.heard(NodeId.of(99));

        assertThat(detector.isUp(NodeId.of(99))).isFalse();
        assertThat(detector.upCount()).isEqualTo(2);
        assertThat(detector.drainTransitions()).isEmpty();
    }

    @Test
    void timeoutMustBePositive() {
        assertThatThrownBy(() -> new FailureDetector(List.of(P1), 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
