package io.nodesync.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.ClientCommand.Kind;
import io.nodesync.protocol.Command;
import io.nodesync.protocol.Entry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The replicated map (Raft paper section 8, client interaction): last-writer-wins by {@code (timestamp, stamper)},
 * tombstones, compare-and-set, the mode register, and at-most-once application of strong commands.
 */
class KvStateMachineTest {

    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");

    private final KvStateMachine machine = new KvStateMachine();

    private Object apply(Command command) {
        return machine.apply(new Entry(machine.appliedIndex() + 1, 1, command));
    }

    private static ClientCommand eventualPut(String key, String value, long timestamp, NodeId stamper, long seq) {
        return new ClientCommand(Kind.PUT, true, stamper, 1, seq, key, value, null, timestamp, stamper);
    }

    private static ClientCommand strong(Kind kind, String key, String value, String expected, long timestamp,
            long session, long seq) {
        return new ClientCommand(kind, false, A, session, seq, key, value, expected, timestamp, B);
    }

    @Test
    void laterTimestampWinsWhateverTheOrderOfApplication() {
        ClientCommand older = eventualPut("k", "old", 10, A, 1);
        ClientCommand newer = eventualPut("k", "new", 20, B, 1);
        KvStateMachine other = new KvStateMachine();

        apply(older);
        apply(newer);
        other.apply(new Entry(1, 1, newer));
        other.apply(new Entry(2, 1, older));

        assertThat(machine.get("k")).isEqualTo("new");
        assertThat(other.get("k")).isEqualTo("new");
        assertThat(other.version("k")).isEqualTo(new Versioned("new", 20, B));
    }

    @Test
    void equalTimestampsAreBrokenByTheStamperIdAsText() {
        apply(eventualPut("k", "from-b", 10, B, 1));
        apply(eventualPut("k", "from-a", 10, A, 1));
        assertThat(machine.get("k")).isEqualTo("from-b");

        // Text order, not numeric: "9" > "10". Every node must break the tie identically, so this is pinned down.
        apply(eventualPut("n", "from-9", 10, NodeId.of("9"), 1));
        apply(eventualPut("n", "from-10", 10, NodeId.of("10"), 1));
        assertThat(machine.get("n")).isEqualTo("from-9");
    }

    @Test
    void tombstonePreventsResurrectionByAnOlderPut() {
        apply(eventualPut("k", "v1", 10, A, 1));
        Object existed = apply(new ClientCommand(Kind.DELETE, true, A, 1, 2, "k", null, null, 20, A));
        assertThat(existed).isEqualTo(true);

        apply(eventualPut("k", "delayed", 15, B, 1)); // written before the delete, arriving after it

        assertThat(machine.get("k")).isNull();
        assertThat(machine.version("k").isTombstone()).isTrue();
        assertThat(machine.size()).isZero();
        assertThat(machine.snapshot()).isEmpty();

        apply(eventualPut("k", "reborn", 25, B, 2)); // a genuinely later put does bring it back
        assertThat(machine.get("k")).isEqualTo("reborn");
        assertThat(machine.size()).isEqualTo(1);
    }

    @Test
    void deleteReportsWhetherTheKeyExisted() {
        assertThat(apply(strong(Kind.DELETE, "absent", null, null, 5, 1, 1))).isEqualTo(false);
        apply(strong(Kind.PUT, "k", "v", null, 6, 1, 2));
        assertThat(apply(strong(Kind.DELETE, "k", null, null, 7, 1, 3))).isEqualTo(true);
        assertThat(apply(strong(Kind.DELETE, "k", null, null, 8, 1, 4))).isEqualTo(false);
    }

    @Test
    void compareAndSetWithExpectedNullSucceedsOnlyOnAnAbsentKey() {
        assertThat(apply(strong(Kind.CAS, "k", "first", null, 10, 1, 1))).isEqualTo(true);
        assertThat(apply(strong(Kind.CAS, "k", "second", null, 11, 1, 2))).isEqualTo(false);
        assertThat(machine.get("k")).isEqualTo("first");

        apply(strong(Kind.DELETE, "k", null, null, 12, 1, 3));
        assertThat(apply(strong(Kind.CAS, "k", "after-delete", null, 13, 1, 4))).isEqualTo(true);
        assertThat(machine.get("k")).isEqualTo("after-delete");
    }

    @Test
    void compareAndSetSwapsOnlyWhenTheCommittedValueMatches() {
        apply(strong(Kind.PUT, "k", "v1", null, 10, 1, 1));

        assertThat(apply(strong(Kind.CAS, "k", "x", "wrong", 11, 1, 2))).isEqualTo(false);
        assertThat(machine.version("k")).isEqualTo(new Versioned("v1", 10, B));

        assertThat(apply(strong(Kind.CAS, "k", "v2", "v1", 12, 1, 3))).isEqualTo(true);
        assertThat(machine.get("k")).isEqualTo("v2");
    }

    @Test
    void strongCommandAppliedTwiceIsDuplicateAndChangesNothing() {
        ClientCommand first = strong(Kind.PUT, "k", "x", null, 10, 7, 1);
        assertThat(apply(first)).isNull();
        apply(strong(Kind.PUT, "k", "y", null, 11, 7, 2));

        // The retry of seq 1 reached the log again and was re-stamped later by a new leader: it must not win.
        Object result = apply(first.stamped(99, B));

        assertThat(result).isSameAs(KvStateMachine.DUPLICATE);
        assertThat(machine.get("k")).isEqualTo("y");
        assertThat(machine.appliedIndex()).isEqualTo(3);
    }

    @Test
    void duplicateCompareAndSetReturnsDuplicateInsteadOfARecomputedOutcome() {
        ClientCommand cas = strong(Kind.CAS, "k", "v", null, 10, 7, 1);
        assertThat(apply(cas)).isEqualTo(true);

        assertThat(apply(cas)).isSameAs(KvStateMachine.DUPLICATE);
        assertThat(machine.get("k")).isEqualTo("v");
    }

    @Test
    void sameSequenceNumberInAnotherSessionIsANewCommand() {
        apply(strong(Kind.PUT, "k", "session-1", null, 10, 1, 1));

        Object result = apply(strong(Kind.PUT, "k", "session-2", null, 11, 2, 1));

        assertThat(result).isNull();
        assertThat(machine.get("k")).isEqualTo("session-2");
    }

    @Test
    void eventualCommandsReappliedAreHarmless() {
        ClientCommand put = eventualPut("k", "v1", 10, A, 1);
        apply(put);
        apply(eventualPut("k", "v2", 20, B, 1));

        assertThat(apply(put)).isNull(); // not DUPLICATE: eventual writes need no guard
        apply(put);

        assertThat(machine.get("k")).isEqualTo("v2");
        assertThat(machine.size()).isEqualTo(1);
    }

    @Test
    void modeRegisterIsLastWriterWins() {
        assertThat(machine.mode(ConsistencyPolicy.EVENTUAL)).isEqualTo(ConsistencyPolicy.EVENTUAL);

        apply(new ClientCommand(Kind.SET_MODE, true, A, 1, 1, null, "strong", null, 20, A));
        apply(new ClientCommand(Kind.SET_MODE, true, B, 1, 1, null, "eventual", null, 15, B)); // older switch

        assertThat(machine.mode(ConsistencyPolicy.EVENTUAL)).isEqualTo(ConsistencyPolicy.STRONG);
        assertThat(machine.modeRegister()).isEqualTo(new Versioned("strong", 20, A));
        assertThat(machine.snapshot()).isEmpty(); // the register is not a key
    }

    @Test
    void entriesMustBeAppliedInLogOrder() {
        apply(Command.Noop.INSTANCE);
        assertThat(machine.appliedIndex()).isEqualTo(1);

        assertThatThrownBy(() -> machine.apply(new Entry(3, 1, eventualPut("k", "v", 1, A, 1))))
                .isInstanceOf(IllegalStateException.class);
        assertThat(machine.get("k")).isNull();
    }

    @Test
    void snapshotHoldsLiveKeysOnly() {
        apply(eventualPut("a", "1", 1, A, 1));
        apply(eventualPut("b", "2", 2, A, 2));
        apply(new ClientCommand(Kind.DELETE, true, A, 1, 3, "a", null, null, 3, A));

        assertThat(machine.snapshot()).isEqualTo(Map.of("b", "2"));
        assertThat(machine.size()).isEqualTo(1);
        assertThat(List.of(machine.version("a").isTombstone(), machine.version("b").isTombstone()))
                .containsExactly(true, false);
    }
}
