package io.nodesync.transport.tcp.client;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Frames RESP2 requests out of a byte stream: arrays of bulk strings ({@code *2\r\n$3\r\nGET\r\n$1\r\nk\r\n}), and
 * inline commands (a plain line of space-separated words, as typed into telnet). Incremental: a request split over
 * many reads is parsed once, each piece as it arrives, and nothing is allocated from a length before that length
 * has been checked against {@link ClientLimits}. Empty arrays and empty inline lines are skipped, as Redis does.
 * Not thread-safe: one per connection, used on its event loop.
 */
final class RespRequestReader {

    /** A request that breaks the protocol or a bound; the connection answers it and closes. */
    record ProtocolError(String message) {
    }

    /** The longest {@code *n} or {@code $n} header: the sign, 19 digits and CRLF fit well within it. */
    private static final int MAX_HEADER_BYTES = 32;

    private final ClientLimits limits;

    /** Arguments still to read in the array being parsed; -1 between requests. */
    private int argumentsLeft = -1;
    /** The length of the bulk string whose header has been read and whose body has not; -1 otherwise. */
    private int bulkLength = -1;
    private List<String> arguments;
    private long requestBytes;
    /**
     * How many bytes of an unfinished inline command are known to hold no line end: a line arriving in many reads is
     * searched once, not again from its start on every read (n reads of a long line would cost n^2).
     */
    private int inlineSearchedBytes;

    RespRequestReader(ClientLimits limits) {
        this.limits = limits;
    }

    /**
     * Reads the next request from {@code in}: its arguments (command name first), a {@link ProtocolError}, or
     * {@code null} when the bytes so far end mid-request (they are kept in this reader's state or left in
     * {@code in}).
     */
    Object read(ByteBuf in) {
        while (true) {
            if (argumentsLeft < 0) {
                if (!in.isReadable()) {
                    return null;
                }
                if (in.getByte(in.readerIndex()) != '*') {
                    Object inline = readInline(in);
                    if (inline instanceof List<?> words && words.isEmpty()) {
                        continue; // an empty line: nothing to answer
                    }
                    return inline;
                }
                long count = readHeader(in);
                if (count == INCOMPLETE) {
                    return null;
                }
                if (count == MALFORMED) {
                    return error("invalid multibulk length");
                }
                if (count == TOO_LONG) {
                    return error("too big multibulk count string");
                }
                if (count > limits.maxArrayElements()) {
                    return error("invalid multibulk length (the limit is " + limits.maxArrayElements()
                            + " arguments)");
                }
                if (count <= 0) {
                    continue; // *0 and *-1 carry no command
                }
                argumentsLeft = (int) count;
                arguments = new ArrayList<>(Math.min(argumentsLeft, 16));
                requestBytes = 0;
            }
            while (argumentsLeft > 0) {
                if (bulkLength < 0) {
                    if (!in.isReadable()) {
                        return null;
                    }
                    byte type = in.getByte(in.readerIndex());
                    if (type != '$') {
                        return error("expected '$', got '" + printable(type) + "'");
                    }
                    long length = readHeader(in);
                    if (length == INCOMPLETE) {
                        return null;
                    }
                    if (length == TOO_LONG) {
                        return error("too big bulk count string");
                    }
                    if (length == MALFORMED || length < 0) {
                        return error("invalid bulk length");
                    }
                    if (length > limits.maxBulkBytes()) {
                        return error("invalid bulk length (the limit is " + limits.maxBulkBytes() + " bytes)");
                    }
                    if (requestBytes + length > limits.maxRequestBytes()) {
                        return error("request too large (the limit is " + limits.maxRequestBytes() + " bytes)");
                    }
                    bulkLength = (int) length;
                }
                if (in.readableBytes() < bulkLength + 2) {
                    return null;
                }
                int end = in.readerIndex() + bulkLength;
                if (in.getByte(end) != '\r' || in.getByte(end + 1) != '\n') {
                    return error("expected CRLF after a bulk string of " + bulkLength + " bytes");
                }
                arguments.add(in.toString(in.readerIndex(), bulkLength, StandardCharsets.UTF_8));
                in.skipBytes(bulkLength + 2);
                requestBytes += bulkLength;
                bulkLength = -1;
                argumentsLeft--;
            }
            List<String> request = arguments;
            arguments = null;
            argumentsLeft = -1;
            return request;
        }
    }

    // What readHeader returns instead of a number; parseNumber never yields these (at most 18 digits).
    private static final long INCOMPLETE = Long.MIN_VALUE;
    private static final long MALFORMED = Long.MIN_VALUE + 1;
    private static final long TOO_LONG = Long.MIN_VALUE + 2;

    /**
     * Reads a {@code *n\r\n} or {@code $n\r\n} header and returns its number; or {@link #INCOMPLETE} when it has
     * not fully arrived, {@link #MALFORMED} when it is not a number ended by CRLF, {@link #TOO_LONG} when no line end
     * comes within {@link #MAX_HEADER_BYTES}. Consumes the header only when it returns a number.
     */
    private static long readHeader(ByteBuf in) {
        int start = in.readerIndex();
        int window = Math.min(in.readableBytes(), MAX_HEADER_BYTES);
        int newline = in.forEachByte(start, window, ByteProcessor.FIND_LF);
        if (newline < 0) {
            return window < MAX_HEADER_BYTES ? INCOMPLETE : TOO_LONG;
        }
        if (in.getByte(newline - 1) != '\r') {
            return MALFORMED;
        }
        long number = parseNumber(in, start + 1, newline - 1);
        if (number != MALFORMED) {
            in.readerIndex(newline + 1);
        }
        return number;
    }

    /** The decimal number in {@code [from, to)}, optionally negative, or {@link #MALFORMED}. */
    private static long parseNumber(ByteBuf in, int from, int to) {
        int index = from;
        boolean negative = index < to && in.getByte(index) == '-';
        if (negative) {
            index++;
        }
        if (index >= to || to - index > 18) {
            return MALFORMED; // no digits, or more than any real length needs
        }
        long value = 0;
        for (; index < to; index++) {
            byte digit = in.getByte(index);
            if (digit < '0' || digit > '9') {
                return MALFORMED;
            }
            value = value * 10 + (digit - '0');
        }
        return negative ? -value : value;
    }

    /** An inline command: one line split on spaces and tabs (no quoting), or an error if it is too long. */
    private Object readInline(ByteBuf in) {
        int start = in.readerIndex();
        int window = (int) Math.min(in.readableBytes(), limits.maxInlineBytes() + 2L);
        int newline = in.forEachByte(start + inlineSearchedBytes, window - inlineSearchedBytes,
                ByteProcessor.FIND_LF);
        if (newline < 0) {
            inlineSearchedBytes = window;
            return window < limits.maxInlineBytes() + 2L ? null
                    : error("too big inline request (the limit is " + limits.maxInlineBytes() + " bytes)");
        }
        inlineSearchedBytes = 0;
        int length = newline - start;
        int contentLength = length > 0 && in.getByte(newline - 1) == '\r' ? length - 1 : length;
        if (contentLength > limits.maxInlineBytes()) {
            return error("too big inline request (the limit is " + limits.maxInlineBytes() + " bytes)");
        }
        String line = in.toString(start, contentLength, StandardCharsets.UTF_8);
        in.skipBytes(length + 1);
        List<String> words = new ArrayList<>();
        for (String word : line.split("[ \t]+")) {
            if (!word.isEmpty()) {
                words.add(word);
            }
        }
        return words;
    }

    private static ProtocolError error(String message) {
        return new ProtocolError("Protocol error: " + message);
    }

    private static String printable(byte b) {
        return b >= 0x20 && b < 0x7f ? Character.toString((char) b) : String.format("\\x%02x", b & 0xff);
    }
}
