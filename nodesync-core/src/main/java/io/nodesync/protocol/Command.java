package io.nodesync.protocol;

/** What a log entry asks the state machine to do. Immutable. */
public sealed interface Command permits Command.Noop, ClientCommand {

    /** The entry a new leader appends to commit its term (Raft section 8); changes nothing. */
    record Noop() implements Command {
        /** The one instance. */
        public static final Noop INSTANCE = new Noop();
    }
}
