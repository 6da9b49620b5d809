package io.nodesync.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.ClientCommand.Kind;
import io.nodesync.protocol.Command;
import io.nodesync.protocol.Entry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A snapshot of the state machine restores everything later entries depend on, exactly. */
class StateMachineSnapshotTest {

    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");

    private static Object apply(KvStateMachine machine, Command command) {
        return machine.apply(new Entry(machine.appliedIndex() + 1, 1, command));
    }

    private static ClientCommand eventual(Kind kind, String key, String value, long timestamp) {
        return new ClientCommand(kind, true, A, 1, timestamp, key, value, null, timestamp, A);
    }

    private static ClientCommand strong(Kind kind, String key, String value, String expected, long timestamp,
            long session, long seq) {
        return new ClientCommand(kind, false, B, session, seq, key, value, expected, timestamp, B);
    }

    private static byte[] imageOf(KvStateMachine machine) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        machine.snapshotWriter().writeTo(out);
        return out.toByteArray();
    }

    private static KvStateMachine restored(byte[] image, long index) {
        KvStateMachine machine = new KvStateMachine();
        machine.restore(index, new ByteArrayInputStream(image));
        return machine;
    }

    @Test
    void valuesTombstonesModeHorizonAndSessionsSurviveARoundTrip() throws IOException {
        KvStateMachine original = new KvStateMachine();
        apply(original, eventual(Kind.PUT, "colour", "blue", 10));
        apply(original, eventual(Kind.PUT, "ünïcødé ключ", "値", 11));
        apply(original, eventual(Kind.PUT, "gone", "soon", 12));
        apply(original, eventual(Kind.DELETE, "gone", null, 13));
        apply(original, eventual(Kind.PUT, "old", "x", 5));
        apply(original, eventual(Kind.DELETE, "old", null, 6));
        apply(original, new Command.PurgeTombstones(7)); // collects "old", keeps "gone"
        apply(original, eventual(Kind.SET_MODE, null, "eventual", 14));
        for (long seq = 1; seq <= 70_000; seq += 7) { // beyond one window width, with gaps
            apply(original, strong(Kind.PUT, "s" + (seq % 5), "v" + seq, null, 100 + seq, 42, seq));
        }
        apply(original, strong(Kind.PUT, "other", "y", null, 200_000, 43, 1));

        KvStateMachine copy = restored(imageOf(original), original.appliedIndex());

        assertThat(copy.appliedIndex()).isEqualTo(original.appliedIndex());
        assertThat(copy.snapshot()).isEqualTo(original.snapshot());
        assertThat(copy.version("gone")).isEqualTo(original.version("gone"));
        assertThat(copy.tombstoneCount()).isEqualTo(1);
        assertThat(copy.size()).isEqualTo(original.size());
        assertThat(copy.purgeHorizon()).isEqualTo(7);
        assertThat(copy.mode(ConsistencyPolicy.STRONG)).isEqualTo(ConsistencyPolicy.EVENTUAL);
        assertThat(copy.latestTimestamp()).isEqualTo(original.latestTimestamp());
        // Exactly-once carries over: a retried strong write is a duplicate on the copy too, a new one is not.
        ClientCommand retried = strong(Kind.PUT, "s1", "again", null, 300_000, 42, 69_994);
        ClientCommand fresh = strong(Kind.PUT, "s1", "new", null, 300_001, 42, 69_995);
        assertThat(apply(copy, retried)).isSameAs(KvStateMachine.DUPLICATE);
        assertThat(apply(original, retried)).isSameAs(KvStateMachine.DUPLICATE);
        assertThat(apply(copy, fresh)).isNull();
        assertThat(apply(original, fresh)).isNull();
        // An eventual write below the horizon stays ignored after the restore.
        apply(copy, eventual(Kind.PUT, "old", "resurrected", 6));
        apply(original, eventual(Kind.PUT, "old", "resurrected", 6));
        assertThat(copy.get("old")).isNull();
        assertThat(copy.snapshot()).isEqualTo(original.snapshot());
        assertThat(copy.appliedIndex()).isEqualTo(original.appliedIndex());
    }

    @Test
    void theImageIsTakenWhenTheWriterIsMadeNotWhenItWrites() throws IOException {
        KvStateMachine machine = new KvStateMachine();
        apply(machine, eventual(Kind.PUT, "k", "before", 1));
        var writer = machine.snapshotWriter();
        apply(machine, eventual(Kind.PUT, "k", "after", 2));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.writeTo(out);
        KvStateMachine copy = restored(out.toByteArray(), 1);

        assertThat(copy.get("k")).isEqualTo("before");
        assertThat(copy.appliedIndex()).isEqualTo(1);
    }

    @Test
    void anImageOfAnotherIndexOrFormatIsRefused() throws IOException {
        KvStateMachine machine = new KvStateMachine();
        apply(machine, eventual(Kind.PUT, "k", "v", 1));
        byte[] image = imageOf(machine);

        assertThatThrownBy(() -> restored(image, 2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("index 2");
        byte[] wrongMagic = image.clone();
        wrongMagic[0] ^= 1;
        assertThatThrownBy(() -> restored(wrongMagic, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> restored(Arrays.copyOf(image, image.length - 3), 1))
                .isInstanceOf(java.io.UncheckedIOException.class);
    }
}
