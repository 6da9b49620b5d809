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
import java.util.Base64;
import java.util.Map;
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

    /** The image {@link #golden()} made before values were kept as UTF-8 (version 1 of the format), in Base64. */
    private static final String GOLDEN_V1 = ""
            + "TlNLVgAAAAEAAAAAAAAAEQAAAAAAAAAHAQAAAAhldmVudHVhbAAAAAAAAAARAAAABm5vZGUtYgAAAAkAAAAUw7xuw69jw7hkw6kg"
            + "0LrQu9GO0YcAAAAL5YCkIMO8IPCfmIAAAAAAAAAADAAAAAFhAAAABGxvbmUAAAADYT9iAAAAAAAAAA0AAAAGbm9kZS1iAAAACXVu"
            + "c3RhbXBlZAAAAApubyBzdGFtcGVyAAAAAAAAAA7/////AAAABWFzY2lpAAAAB3N3YXBwZWQAAAAAAAAAyAAAAAFhAAAAAnMwAAAA"
            + "AnY5AAAAAAAAAG0AAAAGbm9kZS1iAAAAAnMxAAAAAnY3AAAAAAAAAGsAAAAGbm9kZS1iAAAABWVtcHR5AAAAAAAAAAAAAAALAAAA"
            + "Bm5vZGUtYgAAAARnb25l/////wAAAAAAAAAQAAAABm5vZGUtYgAAAAJzMgAAAAJ2NQAAAAAAAABpAAAABm5vZGUtYgAAAAIAAAAG"
            + "bm9kZS1iAAAAAAAAACoAAAAAAAAAAQAAAAQAAAAAAAAAAwAAAAAAAAAFAAAAAAAAAAcAAAAAAAAACQAAAAFhAAAAAAAAACsAAAAA"
            + "AAAAAQAAAAA=";

    /** A state exercising every field of the format: ASCII, non-ASCII, empty and unpaired-surrogate values, etc. */
    private static KvStateMachine golden() {
        KvStateMachine machine = new KvStateMachine();
        NodeId b = NodeId.of("node-b");
        apply(machine, stamped(Kind.PUT, "ascii", "plain value", 10, A));
        apply(machine, stamped(Kind.PUT, "empty", "", 11, b));
        apply(machine, stamped(Kind.PUT, "ünïcødé ключ", "値 ü 😀", 12, A));
        apply(machine, stamped(Kind.PUT, "lone", "a\uD800b", 13, b));
        apply(machine, stamped(Kind.PUT, "unstamped", "no stamper", 14, null));
        apply(machine, stamped(Kind.PUT, "gone", "soon", 15, A));
        apply(machine, stamped(Kind.DELETE, "gone", null, 16, b));
        apply(machine, stamped(Kind.PUT, "old", "x", 5, A));
        apply(machine, stamped(Kind.DELETE, "old", null, 6, A));
        apply(machine, new Command.PurgeTombstones(7));
        apply(machine, stamped(Kind.SET_MODE, null, "eventual", 17, b));
        for (long seq = 1; seq <= 9; seq += 2) {
            apply(machine, new ClientCommand(Kind.PUT, false, b, 42, seq, "s" + (seq % 3), "v" + seq, null, 100 + seq,
                    b));
        }
        apply(machine, new ClientCommand(Kind.CAS, false, A, 43, 1, "ascii", "swapped", "plain value", 200, A));
        return machine;
    }

    private static ClientCommand stamped(Kind kind, String key, String value, long timestamp, NodeId stamper) {
        return new ClientCommand(kind, true, A, 1, timestamp, key, value, null, timestamp, stamper);
    }

    @Test
    void theFormatIsByteForByteTheOneWrittenBeforeValuesWereKeptAsUtf8() throws IOException {
        byte[] old = Base64.getDecoder().decode(GOLDEN_V1);

        assertThat(imageOf(golden())).isEqualTo(old);

        KvStateMachine restored = restored(old, 17);
        assertThat(imageOf(restored)).isEqualTo(old);
        assertThat(restored.snapshot()).isEqualTo(Map.of("ascii", "swapped", "empty", "", "ünïcødé ключ", "値 ü 😀",
                "lone", "a?b", "unstamped", "no stamper", "s0", "v9", "s1", "v7", "s2", "v5"));
        assertThat(restored.version("gone")).isEqualTo(new Versioned(null, 16, NodeId.of("node-b")));
        assertThat(restored.version("unstamped")).isEqualTo(new Versioned("no stamper", 14, null));
        assertThat(restored.version("ascii")).isEqualTo(new Versioned("swapped", 200, A));
        assertThat(restored.modeRegister()).isEqualTo(new Versioned("eventual", 17, NodeId.of("node-b")));
        assertThat(restored.tombstoneCount()).isEqualTo(1);
        assertThat(restored.purgeHorizon()).isEqualTo(7);
        assertThat(apply(restored, new ClientCommand(Kind.PUT, false, NodeId.of("node-b"), 42, 9, "s0", "again",
                null, 300, A))).isSameAs(KvStateMachine.DUPLICATE);
    }

    @Test
    void compareAndSetMatchesNonAsciiAndEmptyValuesExactly() {
        KvStateMachine machine = new KvStateMachine();
        apply(machine, strong(Kind.PUT, "k", "ключ", null, 10, 1, 1));
        assertThat(apply(machine, strong(Kind.CAS, "k", "x", "ключь", 11, 1, 2))).isEqualTo(false);
        assertThat(apply(machine, strong(Kind.CAS, "k", "", "ключ", 12, 1, 3))).isEqualTo(true);
        assertThat(apply(machine, strong(Kind.CAS, "k", "y", null, 13, 1, 4))).isEqualTo(false);
        assertThat(apply(machine, strong(Kind.CAS, "k", "z", "", 14, 1, 5))).isEqualTo(true);
        assertThat(machine.get("k")).isEqualTo("z");
    }
}
