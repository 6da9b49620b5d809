package io.nodesync.transport.tcp.client;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * A RESP2 connection: requests framed by {@link RespRequestReader}, parsed by {@link RespCommands}, replies in
 * Redis's types. A protocol error (bad lengths, a bound broken) is answered {@code -ERR Protocol error: ...} in its
 * turn and closes the connection, as Redis does: after it, the stream's framing cannot be trusted.
 */
final class RespConnection extends ClientConnection {

    private final RespRequestReader reader;
    private final RespCommands commands;

    RespConnection(CommandExecutor executor, RespCommands commands, ClientLimits limits) {
        super(executor, limits);
        this.commands = commands;
        this.reader = new RespRequestReader(limits);
    }

    @Override
    protected Command nextCommand(ByteBuf input) {
        Object request = reader.read(input);
        if (request == null) {
            return null;
        }
        if (request instanceof RespRequestReader.ProtocolError error) {
            return new Command(new Request.Answered(Reply.error(error.message())), true);
        }
        @SuppressWarnings("unchecked")
        List<String> arguments = (List<String>) request;
        return new Command(commands.parse(arguments), RespCommands.isQuit(arguments));
    }

    @Override
    protected void render(Reply reply, ByteBuf out) {
        reply.writeResp(out);
    }
}
