package io.nodesync.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.ClientCommand.Kind;
import io.nodesync.protocol.Command;
import io.nodesync.protocol.Entry;
import org.junit.jupiter.api.Test;

/** Tombstones are collected by a replicated purge, and a late duplicate cannot resurrect a collected delete. */
class TombstoneCollectionTest {

    private static final NodeId A = NodeId.of("a");
    private final KvStateMachine machine = new KvStateMachine();
    private long index;

    private Object apply(Command command) {
        return machine.apply(new Entry(++index, 1, command));
    }

    private static ClientCommand eventual(Kind kind, String key, String value, long seq, long timestamp) {
        return new ClientCommand(kind, true, A, 7, seq, key, value, null, timestamp, A);
    }

    @Test
    void aPurgeCollectsOnlyTombstonesOlderThanItsHorizon() {
        apply(eventual(Kind.PUT, "old", "v", 1, 100));
        apply(eventual(Kind.DELETE, "old", null, 2, 110));
        apply(eventual(Kind.PUT, "young", "v", 3, 120));
        apply(eventual(Kind.DELETE, "young", null, 4, 300));
        assertThat(machine.tombstoneCount()).isEqualTo(2);

        apply(new Command.PurgeTombstones(200));

        assertThat(machine.tombstoneCount()).isEqualTo(1);
        assertThat(machine.version("old")).isNull();
        assertThat(machine.version("young").isTombstone()).isTrue();
        assertThat(machine.purgeHorizon()).isEqualTo(200);
    }

    @Test
    void aLateDuplicateOlderThanThePurgeCannotResurrectACollectedDelete() {
        ClientCommand put = eventual(Kind.PUT, "k", "v", 1, 100);
        apply(put);
        apply(eventual(Kind.DELETE, "k", null, 2, 110));
        apply(new Command.PurgeTombstones(200));

        apply(put); // the forwarder re-sent it before it saw it applied; the copy reaches the log late

        assertThat(machine.get("k")).isNull();
        assertThat(machine.version("k")).isNull();
    }

    @Test
    void writesAfterThePurgeHorizonApplyAsUsual() {
        apply(eventual(Kind.DELETE, "k", null, 1, 110));
        apply(new Command.PurgeTombstones(200));
        apply(eventual(Kind.PUT, "k", "back", 2, 250));
        assertThat(machine.get("k")).isEqualTo("back");
        // A strong write is stamped by the leader above every watermark, so the horizon never applies to it.
        apply(new ClientCommand(Kind.PUT, false, A, 7, 1, "s", "strong", null, 150, A));
        assertThat(machine.get("s")).isEqualTo("strong");
    }

    @Test
    void aPurgeNeverMovesTheHorizonBack() {
        apply(new Command.PurgeTombstones(200));
        apply(new Command.PurgeTombstones(150));
        assertThat(machine.purgeHorizon()).isEqualTo(200);
    }
}
