package io.nodesync.protocol;

/** What a log entry asks the state machine to do. Immutable. */
public sealed interface Command permits Command.Noop, Command.PurgeTombstones, ClientCommand {

    /** The entry a new leader appends to commit its term (Raft section 8); changes nothing. */
    record Noop() implements Command {
        /** The one instance. */
        public static final Noop INSTANCE = new Noop();
    }

    /**
     * Collects the tombstones stamped before {@code horizon}, and from then on ignores eventual writes stamped before
     * it. The leader proposes it only below every node's reported watermark, so every legitimate eventual write older
     * than the horizon was applied before this entry, and a later one is a duplicate.
     */
    record PurgeTombstones(long horizon) implements Command {
    }
}
