package io.nodesync.transport.tcp.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/** Writes RESP2 reply elements into a buffer. */
final class RespWriter {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] NULL_BULK = {'$', '-', '1', '\r', '\n'};

    private RespWriter() {
    }

    /** {@code +text}: the text must hold no line break (callers pass constants or sanitized text). */
    static void simple(ByteBuf out, String text) {
        out.writeByte('+');
        ByteBufUtil.writeUtf8(out, text);
        out.writeBytes(CRLF);
    }

    /** {@code -CODE message}. */
    static void error(ByteBuf out, String code, String message) {
        out.writeByte('-');
        ByteBufUtil.writeAscii(out, code);
        out.writeByte(' ');
        ByteBufUtil.writeUtf8(out, message);
        out.writeBytes(CRLF);
    }

    /** {@code :n}. */
    static void integer(ByteBuf out, long value) {
        out.writeByte(':');
        ByteBufUtil.writeAscii(out, Long.toString(value));
        out.writeBytes(CRLF);
    }

    /** {@code $len text}, or the null bulk string for {@code null}. Binary-safe: any text goes. */
    static void bulk(ByteBuf out, String text) {
        if (text == null) {
            out.writeBytes(NULL_BULK);
            return;
        }
        out.writeByte('$');
        ByteBufUtil.writeAscii(out, Integer.toString(ByteBufUtil.utf8Bytes(text)));
        out.writeBytes(CRLF);
        ByteBufUtil.writeUtf8(out, text);
        out.writeBytes(CRLF);
    }

    /** {@code *n}: the n elements follow. */
    static void arrayHeader(ByteBuf out, int elements) {
        out.writeByte('*');
        ByteBufUtil.writeAscii(out, Integer.toString(elements));
        out.writeBytes(CRLF);
    }
}
