package io.nodesync.transport;

import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Command;
import io.nodesync.protocol.Entry;
import io.nodesync.protocol.Message;
import java.util.List;

/**
 * One or more instances of every {@link Message} and {@link Command} type, with every field set to something other
 * than its default, so a transport or codec that loses or swaps a field is caught by {@code equals}. Shared with the
 * TCP module through the test jar.
 */
public final class ProtocolSamples {

    private ProtocolSamples() {
    }

    /** A client command of every kind, with nulls where a kind allows them. */
    public static List<ClientCommand> everyClientCommandKind() {
        NodeId origin = NodeId.of("5001");
        NodeId stamper = NodeId.of("eu-2");
        return List.of(
                new ClientCommand(ClientCommand.Kind.PUT, true, origin, 7L, 1L, "colour", "blue", null,
                        1_700_000_000_123L, origin),
                new ClientCommand(ClientCommand.Kind.DELETE, false, origin, -3L, 2L, "colour", null, null, 0L, null),
                new ClientCommand(ClientCommand.Kind.CAS, false, origin, Long.MAX_VALUE, 3L, "counter", "2", "1",
                        Long.MIN_VALUE, stamper),
                new ClientCommand(ClientCommand.Kind.CAS, false, origin, 1L, 4L, "lock", "held", null, 9L, stamper),
                new ClientCommand(ClientCommand.Kind.SET_MODE, true, stamper, 11L, 5L, null, "eventual", null, 12L,
                        stamper));
    }

    /** A command of every type. */
    public static List<Command> everyCommandType() {
        return List.of(Command.Noop.INSTANCE, new Command.PurgeTombstones(123_456_789L),
                everyClientCommandKind().get(0));
    }

    /** A message of every type; the list types carry several elements. */
    public static List<Message> everyMessageType() {
        List<Entry> entries = List.of(
                new Entry(41, 6, Command.Noop.INSTANCE),
                new Entry(42, 6, new Command.PurgeTombstones(99L)),
                new Entry(43, 7, everyClientCommandKind().get(0)),
                new Entry(44, 7, everyClientCommandKind().get(2)));
        return List.of(
                new Message.RequestVote(7, 40, 6, true, false),
                new Message.RequestVoteResponse(7, true, true),
                new Message.AppendEntries(7, 40, 6, entries, 39),
                new Message.AppendEntriesResponse(7, false, 40, 17),
                new Message.Heartbeat(7, 44, 1_234_567L),
                new Message.HeartbeatResponse(7, 1_234_567L),
                new Message.TimeoutNow(8),
                new Message.Ping(-5L, 1_700_000_000_000L),
                new Message.ForwardCommands(everyClientCommandKind()),
                new Message.ReadIndexRequest(77L, List.of(1L, 2L, Long.MAX_VALUE)),
                new Message.ReadIndexResponse(7, 77L, List.of(3L, -4L), 44),
                new Message.InstallSnapshot(7, 44, 6, 1L << 20, new byte[] {0, 1, -1, 127, -128}, false),
                new Message.InstallSnapshotResponse(7, 44, 6, 1L << 20, true),
                new Message.RejoinQuery(-77L),
                new Message.RejoinQueryResponse(-77L, 9, 1234, true),
                new Message.HeartbeatResponse(8, 99L, true),
                new Message.RejoinRequest(9));
    }
}
