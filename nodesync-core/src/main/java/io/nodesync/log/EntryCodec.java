package io.nodesync.log;

import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Command;
import io.nodesync.protocol.Entry;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The binary encoding of what a {@link FileLog} stores: log entries and their commands, and the payloads of each
 * record type. Big-endian. Encoding writes into a reused {@link RecordBuffer}; decoding is strict: every read is
 * checked against the bytes left, every tag and field against what the encoder can produce, and a payload must be
 * consumed exactly, so damaged bytes fail with {@link Malformed} instead of turning into a different command.
 *
 * <p>Layouts (strings as in {@link RecordBuffer#putString}):
 * <pre>
 * entry          index:8 term:8 command
 * command        0 (noop) | 1 (purge tombstones) horizon:8 | 2 (client) clientCommand
 * clientCommand  kind:1 flags:1 (bit 0: eventual) origin:string session:8 seq:8 key:string value:string
 *                expected:string timestamp:8 stamper:string
 * </pre>
 * Record payloads: {@link #ENTRY} an entry; {@link #PENDING_ADD} a client command; {@link #PENDING_SETTLE}
 * session:8 seq:8; {@link #STATE} term:8 votedFor:string; {@link #META} formatVersion:4 nodeId:string.
 */
final class EntryCodec {

    /** Record type: one log entry, in a segment file. */
    static final byte ENTRY = 1;
    /** Record type: a pending write saved, in the pending-writes file. */
    static final byte PENDING_ADD = 2;
    /** Record type: a pending write settled, in the pending-writes file. */
    static final byte PENDING_SETTLE = 3;
    /** Record type: term and vote, the only record of the state file. */
    static final byte STATE = 4;
    /** Record type: format version and node id, the only record of the meta file. */
    static final byte META = 5;

    static final byte STRING_NULL = 0;
    static final byte STRING_UTF8 = 1;
    static final byte STRING_UTF16 = 2;

    private static final byte COMMAND_NOOP = 0;
    private static final byte COMMAND_PURGE = 1;
    private static final byte COMMAND_CLIENT = 2;

    private static final byte FLAG_EVENTUAL = 1;

    private EntryCodec() {
    }

    /** Whether {@code type} is a record type this version writes. */
    static boolean isKnownType(byte type) {
        return type >= ENTRY && type <= META;
    }

    /** Decoding found bytes the encoder cannot have produced. */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message);
        }

        Malformed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    // ------------------------------------------------------------------------------------------ records

    /** Appends a framed {@link #ENTRY} record; returns its size on disk. */
    static int writeEntryRecord(RecordBuffer out, Entry entry) {
        int start = out.startRecord(ENTRY);
        writeEntry(out, entry);
        return out.finishRecord(start);
    }

    /** Appends a framed {@link #PENDING_ADD} record. */
    static void writePendingAdd(RecordBuffer out, ClientCommand command) {
        int start = out.startRecord(PENDING_ADD);
        writeClientCommand(out, command);
        out.finishRecord(start);
    }

    /** Appends a framed {@link #PENDING_SETTLE} record. */
    static void writePendingSettle(RecordBuffer out, long session, long seq) {
        int start = out.startRecord(PENDING_SETTLE);
        out.putLong(session);
        out.putLong(seq);
        out.finishRecord(start);
    }

    /** Appends a framed {@link #STATE} record. */
    static void writeState(RecordBuffer out, State state) {
        int start = out.startRecord(STATE);
        out.putLong(state.termAndVote().term());
        NodeId vote = state.termAndVote().votedFor();
        out.putString(vote == null ? null : vote.value());
        out.putLong(state.rejoinTerm());
        out.finishRecord(start);
    }

    /** Appends a framed {@link #META} record. */
    static void writeMeta(RecordBuffer out, int formatVersion, NodeId node) {
        int start = out.startRecord(META);
        out.putInt(formatVersion);
        out.putString(node.value());
        out.finishRecord(start);
    }

    /** Decodes the payload of an {@link #ENTRY} record, which must hold exactly one entry. */
    static Entry readEntryPayload(ByteBuffer payload) throws Malformed {
        Entry entry = readEntry(payload);
        requireConsumed(payload, "entry");
        return entry;
    }

    /** Decodes the payload of a {@link #PENDING_ADD} record. */
    static ClientCommand readPendingAddPayload(ByteBuffer payload) throws Malformed {
        ClientCommand command = readClientCommand(payload);
        requireConsumed(payload, "pending write");
        return command;
    }

    /** Decodes the payload of a {@link #PENDING_SETTLE} record: {@code {session, seq}}. */
    static long[] readPendingSettlePayload(ByteBuffer payload) throws Malformed {
        long[] key = {readLong(payload, "session"), readLong(payload, "seq")};
        requireConsumed(payload, "settled write");
        return key;
    }

    /** Decodes the payload of a {@link #STATE} record. */
    static State readStatePayload(ByteBuffer payload) throws Malformed {
        long term = readLong(payload, "term");
        if (term < 0) {
            throw new Malformed("negative term " + term);
        }
        String vote = readString(payload, "vote");
        long rejoinTerm = readLong(payload, "rejoin term");
        if (rejoinTerm < Log.NOT_REJOINING) {
            throw new Malformed("invalid rejoin term " + rejoinTerm);
        }
        requireConsumed(payload, "state");
        return new State(new Log.TermAndVote(term, vote == null ? null : nodeId(vote, "vote")), rejoinTerm);
    }

    /** The contents of the state file: what the node must remember about terms, replaced together. */
    record State(Log.TermAndVote termAndVote, long rejoinTerm) {
        /**
         * The state of a directory just created: no term, no vote, and rejoining, since a node given an empty
         * directory cannot tell a new cluster from a disk it lost (the core then asks its peers, see RaftCore).
         */
        static final State INITIAL = new State(new Log.TermAndVote(0, null), Log.REJOIN_TERM_UNKNOWN);
    }

    /** Decodes the payload of a {@link #META} record. */
    static Meta readMetaPayload(ByteBuffer payload) throws Malformed {
        int version = readInt(payload, "format version");
        String node = readString(payload, "node id");
        if (node == null) {
            throw new Malformed("meta without a node id");
        }
        requireConsumed(payload, "meta");
        return new Meta(version, nodeId(node, "node id"));
    }

    /** The contents of the meta file. */
    record Meta(int formatVersion, NodeId node) {
    }

    // ------------------------------------------------------------------------------------------ entries

    /** Encodes an entry (no frame). */
    static void writeEntry(RecordBuffer out, Entry entry) {
        out.putLong(entry.index());
        out.putLong(entry.term());
        writeCommand(out, entry.command());
    }

    /** Decodes an entry (no frame), leaving the buffer after it. */
    static Entry readEntry(ByteBuffer in) throws Malformed {
        long index = readLong(in, "index");
        long term = readLong(in, "term");
        if (index <= 0 || term <= 0) {
            throw new Malformed("entry index and term must be positive: " + index + "/" + term);
        }
        return new Entry(index, term, readCommand(in));
    }

    static void writeCommand(RecordBuffer out, Command command) {
        if (command instanceof ClientCommand client) {
            out.putByte(COMMAND_CLIENT);
            writeClientCommand(out, client);
        } else if (command instanceof Command.PurgeTombstones purge) {
            out.putByte(COMMAND_PURGE);
            out.putLong(purge.horizon());
        } else if (command instanceof Command.Noop) {
            out.putByte(COMMAND_NOOP);
        } else {
            throw new IllegalArgumentException("no encoding for command " + command);
        }
    }

    static Command readCommand(ByteBuffer in) throws Malformed {
        byte tag = readByte(in, "command tag");
        switch (tag) {
            case COMMAND_NOOP:
                return Command.Noop.INSTANCE;
            case COMMAND_PURGE:
                return new Command.PurgeTombstones(readLong(in, "horizon"));
            case COMMAND_CLIENT:
                return readClientCommand(in);
            default:
                throw new Malformed("unknown command tag " + tag);
        }
    }

    static void writeClientCommand(RecordBuffer out, ClientCommand command) {
        out.putByte(kindCode(command.kind()));
        out.putByte(command.eventual() ? FLAG_EVENTUAL : 0);
        out.putString(command.origin().value());
        out.putLong(command.session());
        out.putLong(command.seq());
        out.putString(command.key());
        out.putString(command.value());
        out.putString(command.expected());
        out.putLong(command.timestamp());
        out.putString(command.stamper() == null ? null : command.stamper().value());
    }

    static ClientCommand readClientCommand(ByteBuffer in) throws Malformed {
        ClientCommand.Kind kind = kind(readByte(in, "kind"));
        byte flags = readByte(in, "flags");
        if ((flags & ~FLAG_EVENTUAL) != 0) {
            throw new Malformed("unknown command flags " + flags);
        }
        String origin = readString(in, "origin");
        if (origin == null) {
            throw new Malformed("command without an origin");
        }
        long session = readLong(in, "session");
        long seq = readLong(in, "seq");
        String key = readString(in, "key");
        String value = readString(in, "value");
        String expected = readString(in, "expected");
        long timestamp = readLong(in, "timestamp");
        String stamper = readString(in, "stamper");
        try {
            return new ClientCommand(kind, (flags & FLAG_EVENTUAL) != 0, nodeId(origin, "origin"), session, seq, key,
                    value, expected, timestamp, stamper == null ? null : nodeId(stamper, "stamper"));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new Malformed("invalid command: " + e.getMessage(), e);
        }
    }

    // Explicit codes rather than ordinals, so that reordering the enum cannot silently change what a log means.
    private static byte kindCode(ClientCommand.Kind kind) {
        switch (kind) {
            case PUT:
                return 0;
            case DELETE:
                return 1;
            case CAS:
                return 2;
            case SET_MODE:
                return 3;
            default:
                throw new IllegalArgumentException("no code for kind " + kind);
        }
    }

    private static ClientCommand.Kind kind(byte code) throws Malformed {
        switch (code) {
            case 0:
                return ClientCommand.Kind.PUT;
            case 1:
                return ClientCommand.Kind.DELETE;
            case 2:
                return ClientCommand.Kind.CAS;
            case 3:
                return ClientCommand.Kind.SET_MODE;
            default:
                throw new Malformed("unknown command kind " + code);
        }
    }

    // ------------------------------------------------------------------------------------------ primitives

    static byte readByte(ByteBuffer in, String what) throws Malformed {
        need(in, 1, what);
        return in.get();
    }

    static int readInt(ByteBuffer in, String what) throws Malformed {
        need(in, 4, what);
        return in.getInt();
    }

    static long readLong(ByteBuffer in, String what) throws Malformed {
        need(in, 8, what);
        return in.getLong();
    }

    /** Reads a string written by {@link RecordBuffer#putString}; {@code null} for the null tag. */
    static String readString(ByteBuffer in, String what) throws Malformed {
        byte tag = readByte(in, what);
        if (tag == STRING_NULL) {
            return null;
        }
        if (tag != STRING_UTF8 && tag != STRING_UTF16) {
            throw new Malformed("unknown string tag " + tag + " for " + what);
        }
        int length = readInt(in, what + " length");
        if (length < 0) {
            throw new Malformed("negative length " + length + " for " + what);
        }
        need(in, length, what);
        if (tag == STRING_UTF16) {
            if (length % 2 != 0) {
                throw new Malformed("odd UTF-16 length " + length + " for " + what);
            }
            char[] chars = new char[length / 2];
            for (int i = 0; i < chars.length; i++) {
                chars[i] = in.getChar();
            }
            return new String(chars);
        }
        return utf8(in, length, what);
    }

    private static String utf8(ByteBuffer in, int length, String what) throws Malformed {
        int start = in.position();
        boolean ascii = true;
        for (int i = 0; i < length && ascii; i++) {
            ascii = in.get(start + i) >= 0;
        }
        String text;
        if (ascii && in.hasArray()) {
            text = new String(in.array(), in.arrayOffset() + start, length, StandardCharsets.ISO_8859_1);
        } else {
            ByteBuffer bytes = in.slice();
            bytes.limit(length);
            try {
                // Strict: a replacement character would silently turn damaged bytes into a different key.
                text = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(bytes)
                        .toString();
            } catch (CharacterCodingException e) {
                throw new Malformed(what + " is not valid UTF-8", e);
            }
        }
        in.position(start + length);
        return text;
    }

    private static NodeId nodeId(String text, String what) throws Malformed {
        try {
            return NodeId.of(text);
        } catch (IllegalArgumentException e) {
            throw new Malformed("invalid " + what + ": " + e.getMessage(), e);
        }
    }

    private static void need(ByteBuffer in, int bytes, String what) throws Malformed {
        if (in.remaining() < bytes) {
            throw new Malformed("truncated " + what + ": needs " + bytes + " bytes, " + in.remaining() + " left");
        }
    }

    private static void requireConsumed(ByteBuffer in, String what) throws Malformed {
        if (in.hasRemaining()) {
            throw new Malformed(in.remaining() + " unexpected bytes after the " + what);
        }
    }
}
