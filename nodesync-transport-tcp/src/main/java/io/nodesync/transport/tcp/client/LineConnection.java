package io.nodesync.transport.tcp.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;

/**
 * A line-dialect connection: UTF-8 lines ended by {@code \n} (a {@code \r} before it dropped), one reply line per
 * command. A line longer than {@link ClientLimits#maxLineBytes()} is answered {@code ERROR line too long} in its
 * turn and the connection is closed, since where the next command starts can no longer be trusted. Bytes that are
 * not UTF-8 decode to replacement characters and so make an unknown command or an odd key, never a crash.
 */
final class LineConnection extends ClientConnection {

    private final int maxLineBytes;
    /**
     * How many bytes of the unfinished line at the input's start are known to hold no line end: a line arriving in
     * many reads is searched once, not again from its start on every read (n reads of a long line would cost n^2).
     */
    private int searchedBytes;

    LineConnection(CommandExecutor executor, ClientLimits limits) {
        super(executor, limits);
        this.maxLineBytes = limits.maxLineBytes();
    }

    @Override
    protected Command nextCommand(ByteBuf input) {
        int start = input.readerIndex();
        // The longest acceptable line is maxLineBytes, then "\r\n": look no further for its end.
        int window = (int) Math.min(input.readableBytes(), maxLineBytes + 2L);
        int newline = input.forEachByte(start + searchedBytes, window - searchedBytes, ByteProcessor.FIND_LF);
        if (newline < 0) {
            searchedBytes = window;
            return window < maxLineBytes + 2L ? null : tooLong();
        }
        searchedBytes = 0;
        int length = newline - start;
        int contentLength = length > 0 && input.getByte(newline - 1) == '\r' ? length - 1 : length;
        if (contentLength > maxLineBytes) {
            return tooLong();
        }
        String line = input.toString(start, contentLength, StandardCharsets.UTF_8);
        input.skipBytes(length + 1);
        return new Command(LineCommandParser.parse(line), false);
    }

    private Command tooLong() {
        return new Command(new Request.Answered(Reply.error("line too long (the limit is " + maxLineBytes + " bytes)")),
                true);
    }

    @Override
    protected void render(Reply reply, ByteBuf out) {
        ByteBufUtil.writeUtf8(out, reply.line());
        out.writeByte('\n');
    }
}
