package io.nodesync.transport.tcp.client;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A strict RESP2 reader for what a node writes back, independent of the node's own writer: simple strings, errors,
 * integers, bulk strings and arrays (nested, null forms included), every line ended by CRLF, every bulk string as
 * long as it says and valid UTF-8 (a node only writes text). Anything else, or a reply cut short, is an
 * {@link AssertionError}.
 */
final class RespReplies {

    /** One top-level reply (or array element), with the exact bytes it was written as. */
    record Value(byte type, String text, long integer, List<Value> elements, byte[] raw) {

        boolean isNull() {
            return text == null && elements == null && (type == '$' || type == '*');
        }

        boolean isSimple(String expected) {
            return type == '+' && expected.equals(text);
        }

        boolean isError() {
            return type == '-';
        }

        boolean isInteger(long min, long max) {
            return type == ':' && integer >= min && integer <= max;
        }
    }

    private static final Pattern INTEGER = Pattern.compile("-?\\d{1,19}");
    /**
     * Every error a node sends has an upper-case code first, as Redis's do ({@code ERR}, {@code FAIL}, ...); the
     * message may hold any character but CR and LF (an echoed command may hold U+2028, say).
     */
    private static final Pattern ERROR = Pattern.compile("[A-Z]+ .*", Pattern.DOTALL);

    private final byte[] bytes;
    private int position;

    private RespReplies(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Every reply in {@code bytes}, which must hold whole replies only. */
    static List<Value> parseAll(byte[] bytes) {
        RespReplies reader = new RespReplies(bytes);
        List<Value> replies = new ArrayList<>();
        while (reader.position < bytes.length) {
            replies.add(reader.next(0));
        }
        return replies;
    }

    private Value next(int depth) {
        if (depth > 8) {
            throw new AssertionError("RESP arrays nested deeper than any reply of a node");
        }
        int start = position;
        byte type = bytes[position++];
        switch (type) {
            case '+': {
                String text = line();
                return new Value(type, text, 0, null, raw(start));
            }
            case '-': {
                String text = line();
                if (!ERROR.matcher(text).matches()) {
                    throw new AssertionError("a RESP error without an upper-case code: -" + text);
                }
                return new Value(type, text, 0, null, raw(start));
            }
            case ':':
                return new Value(type, null, number(), null, raw(start));
            case '$': {
                long length = number();
                if (length == -1) {
                    return new Value(type, null, 0, null, raw(start));
                }
                if (length < 0 || length > bytes.length - position - 2) {
                    throw new AssertionError("a bulk string of " + length + " bytes where " + (bytes.length - position)
                            + " bytes are left (CRLF included)");
                }
                String text = utf8(position, (int) length);
                position += (int) length;
                if (bytes[position] != '\r' || bytes[position + 1] != '\n') {
                    throw new AssertionError("a bulk string of " + length + " bytes not followed by CRLF");
                }
                position += 2;
                return new Value(type, text, 0, null, raw(start));
            }
            case '*': {
                long count = number();
                if (count == -1) {
                    return new Value(type, null, 0, null, raw(start));
                }
                if (count < 0) {
                    throw new AssertionError("an array of " + count + " elements");
                }
                List<Value> elements = new ArrayList<>();
                for (long i = 0; i < count; i++) {
                    if (position >= bytes.length) {
                        throw new AssertionError("an array of " + count + " elements cut after " + i);
                    }
                    elements.add(next(depth + 1));
                }
                return new Value(type, null, 0, elements, raw(start));
            }
            default:
                throw new AssertionError(String.format("a reply starting with byte 0x%02x, not a RESP2 type", type));
        }
    }

    private byte[] raw(int start) {
        return Arrays.copyOfRange(bytes, start, position);
    }

    /** The rest of a line, which must end with CRLF and hold no other line break. */
    private String line() {
        int end = position;
        while (end < bytes.length && bytes[end] != '\r' && bytes[end] != '\n') {
            end++;
        }
        if (end + 1 >= bytes.length || bytes[end] != '\r' || bytes[end + 1] != '\n') {
            throw new AssertionError("a RESP line not ended by CRLF (or a line break inside it)");
        }
        String text = utf8(position, end - position);
        position = end + 2;
        return text;
    }

    private long number() {
        String text = line();
        if (!INTEGER.matcher(text).matches()) {
            throw new AssertionError("not a RESP integer: " + text);
        }
        return Long.parseLong(text);
    }

    private String utf8(int from, int length) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, from, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("a reply that is not valid UTF-8", e);
        }
    }
}
