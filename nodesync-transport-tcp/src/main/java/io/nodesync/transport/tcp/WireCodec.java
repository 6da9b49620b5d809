package io.nodesync.transport.tcp;

import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Command;
import io.nodesync.protocol.Entry;
import io.nodesync.protocol.Message;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The node-to-node wire format: encodes every {@link Message} (with the {@link Entry entries} and
 * {@link Command commands} it carries) to bytes and decodes it back, exactly. Pure: no sockets, no Netty, no state
 * beyond the maximum frame size, so it is tested on its own and thread-safe.
 *
 * <p><b>Connection start.</b> The connecting node sends one handshake: the {@link #MAGIC} byte (which also tells
 * this protocol from the client dialects sharing the port), the protocol {@link #VERSION} byte, then the sender's
 * and the intended receiver's node ids, each as a 2-byte unsigned length and UTF-8 bytes. The receiver checks the
 * receiver id so that a peer configured with the wrong address is refused rather than fed someone else's traffic.
 *
 * <p><b>Frames.</b> Then, any number of frames, each a 4-byte big-endian length (of what follows it), a 1-byte
 * message type and the message's body. Bodies are fixed sequences of fields: longs are 8 bytes big-endian, booleans
 * one byte (0 or 1, nothing else), strings a 4-byte length ({@code -1} for {@code null}) then UTF-8 bytes, byte
 * arrays (snapshot chunks) a 4-byte length then the bytes, lists a 4-byte count then the elements. Every length is
 * checked against what is left before anything is allocated, and a frame must be consumed exactly: a short body,
 * trailing bytes, an unknown type or malformed UTF-8 is a {@link WireFormatException}, never a partly built message.
 *
 * <p>Type codes are spelled out here rather than taken from declaration order, so reordering the records in the
 * core does not silently change the wire.
 */
public final class WireCodec {

    /**
     * The first byte of a peer connection. Not printable ASCII and never valid in UTF-8 (bytes 0xF5 to 0xFF cannot
     * occur in it), so no line-dialect client and no RESP client ({@code '*'}) can begin with it.
     */
    public static final byte MAGIC = (byte) 0xF5;
    /** The protocol version this codec speaks. */
    public static final byte VERSION = 1;
    /** The frame size limit unless configured otherwise: 16 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
    /** Bytes of the length prefix in front of every frame. */
    public static final int LENGTH_PREFIX_BYTES = 4;

    /** A node id is at most 255 characters, so at most 4 * 255 bytes of UTF-8. */
    private static final int MAX_NODE_ID_BYTES = 4 * 255;

    private static final byte REQUEST_VOTE = 1;
    private static final byte REQUEST_VOTE_RESPONSE = 2;
    private static final byte APPEND_ENTRIES = 3;
    private static final byte APPEND_ENTRIES_RESPONSE = 4;
    private static final byte HEARTBEAT = 5;
    private static final byte HEARTBEAT_RESPONSE = 6;
    private static final byte TIMEOUT_NOW = 7;
    private static final byte PING = 8;
    private static final byte FORWARD_COMMANDS = 9;
    private static final byte READ_INDEX_REQUEST = 10;
    private static final byte READ_INDEX_RESPONSE = 11;
    private static final byte INSTALL_SNAPSHOT = 12;
    private static final byte INSTALL_SNAPSHOT_RESPONSE = 13;
    private static final byte REJOIN_QUERY = 14;
    private static final byte REJOIN_QUERY_RESPONSE = 15;
    private static final byte REJOIN_REQUEST = 16;

    private static final byte NOOP = 1;
    private static final byte PURGE_TOMBSTONES = 2;
    private static final byte CLIENT_COMMAND = 3;

    private static final byte PUT = 1;
    private static final byte DELETE = 2;
    private static final byte CAS = 3;
    private static final byte SET_MODE = 4;

    /**
     * What a connecting node says first.
     *
     * @param version the protocol version the sender speaks
     * @param sender the connecting node
     * @param receiver the node the sender believes it reached
     */
    public record Handshake(int version, NodeId sender, NodeId receiver) {
    }

    private final int maxFrameBytes;

    /** A codec with the {@link #DEFAULT_MAX_FRAME_BYTES default} frame size limit. */
    public WireCodec() {
        this(DEFAULT_MAX_FRAME_BYTES);
    }

    /**
     * A codec that refuses to encode or decode frames longer than {@code maxFrameBytes} (counted after the length
     * prefix: type byte and body).
     */
    public WireCodec(int maxFrameBytes) {
        if (maxFrameBytes < 64) {
            throw new IllegalArgumentException("max frame size must be at least 64 bytes, was " + maxFrameBytes);
        }
        this.maxFrameBytes = maxFrameBytes;
    }

    /** The largest frame (type byte and body) this codec encodes or accepts. */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    // ------------------------------------------------------------------------------------------ handshake

    /** The handshake bytes a node sends once when it connects to {@code receiver}, for this {@link #VERSION}. */
    public static byte[] encodeHandshake(NodeId sender, NodeId receiver) {
        Writer out = new Writer(16 + 2 * sender.value().length() + 2 * receiver.value().length());
        out.writeByte(MAGIC);
        out.writeByte(VERSION);
        writeShortString(out, sender.value());
        writeShortString(out, receiver.value());
        return out.toByteArray();
    }

    private static void writeShortString(Writer out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeShort(bytes.length);
        out.writeBytes(bytes);
    }

    /**
     * Decodes the handshake at the buffer's position. Returns {@code null}, consuming nothing, when the bytes so far
     * are a valid beginning but not yet all of it; otherwise consumes exactly the handshake.
     *
     * @throws WireFormatException if the first byte is not {@link #MAGIC}, the version is not {@link #VERSION}
     *     (checked as soon as it arrives: a later version may lay out the rest differently), or an id is malformed
     */
    public static Handshake decodeHandshake(ByteBuffer in) throws WireFormatException {
        ByteBuffer view = in.duplicate().order(ByteOrder.BIG_ENDIAN);
        if (view.remaining() < 1) {
            return null;
        }
        byte magic = view.get();
        if (magic != MAGIC) {
            throw new WireFormatException(String.format("not a peer connection: first byte 0x%02X, expected 0x%02X",
                    magic & 0xFF, MAGIC & 0xFF));
        }
        if (view.remaining() < 1) {
            return null;
        }
        int version = view.get() & 0xFF;
        if (version != VERSION) {
            throw new WireFormatException("unsupported protocol version " + version + "; this node speaks version "
                    + VERSION);
        }
        // Each id is checked as soon as it is complete, so a bad one is refused without waiting for more bytes.
        String sender = readShortString(view, "sender id");
        if (sender == null) {
            return null;
        }
        NodeId senderId = nodeId(sender, "sender id");
        String receiver = readShortString(view, "receiver id");
        if (receiver == null) {
            return null;
        }
        Handshake handshake = new Handshake(version, senderId, nodeId(receiver, "receiver id"));
        in.position(view.position());
        return handshake;
    }

    private static String readShortString(ByteBuffer view, String what) throws WireFormatException {
        if (view.remaining() < 2) {
            return null;
        }
        int length = view.getShort() & 0xFFFF;
        if (length == 0 || length > MAX_NODE_ID_BYTES) {
            throw new WireFormatException("handshake " + what + " of " + length + " bytes; a node id takes 1 to "
                    + MAX_NODE_ID_BYTES);
        }
        if (view.remaining() < length) {
            return null;
        }
        return utf8(view, length, "handshake " + what);
    }

    // ------------------------------------------------------------------------------------------ frames: encode

    /**
     * Encodes one message as a whole frame: length prefix, type byte and body, from the returned buffer's position
     * (0) to its limit. The buffer is the codec's own array, handed over without a copy.
     *
     * @throws WireFormatException if the frame would exceed the maximum frame size (the receiver would refuse it
     *     and close the connection, so it must not be sent)
     */
    public ByteBuffer encodeFrame(Message message) throws WireFormatException {
        // Sized up front for the large messages, so their array is not copied again and again as it grows (that
        // copying was the largest cost of encoding a batch of entries).
        Writer out = new Writer(estimateBytes(message));
        out.writeInt(0); // the length, patched below once known
        writeMessage(out, message);
        int frameBytes = out.size() - LENGTH_PREFIX_BYTES;
        if (frameBytes > maxFrameBytes) {
            throw new WireFormatException(message.getClass().getSimpleName() + " of " + frameBytes
                    + " bytes exceeds the maximum frame size of " + maxFrameBytes + " bytes");
        }
        out.patchInt(0, frameBytes);
        return out.toByteBuffer();
    }

    /** About the encoded size of {@code message}: exact enough that a batch of ASCII entries fits at once. */
    private static int estimateBytes(Message message) {
        if (message instanceof Message.InstallSnapshot m) {
            return 64 + m.data().length;
        }
        if (message instanceof Message.AppendEntries m) {
            long bytes = 64;
            for (Entry entry : m.entries()) {
                bytes += 16 + estimateBytes(entry.command());
            }
            return (int) Math.min(bytes, Integer.MAX_VALUE - 8);
        }
        if (message instanceof Message.ForwardCommands m) {
            long bytes = 64;
            for (Command command : m.commands()) {
                bytes += estimateBytes(command);
            }
            return (int) Math.min(bytes, Integer.MAX_VALUE - 8);
        }
        return 64;
    }

    private static int estimateBytes(Command command) {
        if (command instanceof ClientCommand c) {
            // Fixed fields and length prefixes, then the strings (one byte per char when ASCII).
            return 64 + c.origin().value().length() + length(c.key()) + length(c.value()) + length(c.expected())
                    + (c.stamper() == null ? 0 : c.stamper().value().length());
        }
        return 64;
    }

    private static int length(String text) {
        return text == null ? 0 : text.length();
    }

    private static void writeMessage(Writer out, Message message) {
        if (message instanceof Message.RequestVote m) {
            out.writeByte(REQUEST_VOTE);
            out.writeLong(m.term());
            out.writeLong(m.lastLogIndex());
            out.writeLong(m.lastLogTerm());
            out.writeBoolean(m.preVote());
            out.writeBoolean(m.transfer());
        } else if (message instanceof Message.RequestVoteResponse m) {
            out.writeByte(REQUEST_VOTE_RESPONSE);
            out.writeLong(m.term());
            out.writeBoolean(m.granted());
            out.writeBoolean(m.preVote());
        } else if (message instanceof Message.AppendEntries m) {
            out.writeByte(APPEND_ENTRIES);
            out.writeLong(m.term());
            out.writeLong(m.prevLogIndex());
            out.writeLong(m.prevLogTerm());
            out.writeLong(m.leaderCommit());
            out.writeInt(m.entries().size());
            for (Entry entry : m.entries()) {
                out.writeLong(entry.index());
                out.writeLong(entry.term());
                writeCommand(out, entry.command());
            }
        } else if (message instanceof Message.AppendEntriesResponse m) {
            out.writeByte(APPEND_ENTRIES_RESPONSE);
            out.writeLong(m.term());
            out.writeBoolean(m.success());
            out.writeLong(m.matchIndex());
            out.writeLong(m.hintIndex());
        } else if (message instanceof Message.Heartbeat m) {
            out.writeByte(HEARTBEAT);
            out.writeLong(m.term());
            out.writeLong(m.commitIndex());
            out.writeLong(m.round());
        } else if (message instanceof Message.HeartbeatResponse m) {
            out.writeByte(HEARTBEAT_RESPONSE);
            out.writeLong(m.term());
            out.writeLong(m.round());
            out.writeBoolean(m.rejoining());
        } else if (message instanceof Message.TimeoutNow m) {
            out.writeByte(TIMEOUT_NOW);
            out.writeLong(m.term());
        } else if (message instanceof Message.Ping m) {
            out.writeByte(PING);
            out.writeLong(m.session());
            out.writeLong(m.watermark());
        } else if (message instanceof Message.ForwardCommands m) {
            out.writeByte(FORWARD_COMMANDS);
            out.writeInt(m.commands().size());
            for (ClientCommand command : m.commands()) {
                writeClientCommand(out, command);
            }
        } else if (message instanceof Message.ReadIndexRequest m) {
            out.writeByte(READ_INDEX_REQUEST);
            out.writeLong(m.session());
            writeLongs(out, m.readIds());
        } else if (message instanceof Message.ReadIndexResponse m) {
            out.writeByte(READ_INDEX_RESPONSE);
            out.writeLong(m.term());
            out.writeLong(m.session());
            out.writeLong(m.readIndex());
            writeLongs(out, m.readIds());
        } else if (message instanceof Message.InstallSnapshot m) {
            out.writeByte(INSTALL_SNAPSHOT);
            out.writeLong(m.term());
            out.writeLong(m.snapshotIndex());
            out.writeLong(m.snapshotTerm());
            out.writeLong(m.offset());
            out.writeInt(m.data().length);
            out.writeBytes(m.data());
            out.writeBoolean(m.done());
        } else if (message instanceof Message.InstallSnapshotResponse m) {
            out.writeByte(INSTALL_SNAPSHOT_RESPONSE);
            out.writeLong(m.term());
            out.writeLong(m.snapshotIndex());
            out.writeLong(m.snapshotTerm());
            out.writeLong(m.nextOffset());
            out.writeBoolean(m.installed());
        } else if (message instanceof Message.RejoinQuery m) {
            out.writeByte(REJOIN_QUERY);
            out.writeLong(m.nonce());
        } else if (message instanceof Message.RejoinQueryResponse m) {
            out.writeByte(REJOIN_QUERY_RESPONSE);
            out.writeLong(m.nonce());
            out.writeLong(m.currentTerm());
            out.writeLong(m.lastIndex());
            out.writeBoolean(m.rejoining());
        } else if (message instanceof Message.RejoinRequest m) {
            out.writeByte(REJOIN_REQUEST);
            out.writeLong(m.term());
        } else {
            // Message is sealed, so only a new record type without a wire form gets here.
            throw new IllegalArgumentException("no wire form for " + message.getClass().getName());
        }
    }

    private static void writeCommand(Writer out, Command command) {
        if (command instanceof Command.Noop) {
            out.writeByte(NOOP);
        } else if (command instanceof Command.PurgeTombstones purge) {
            out.writeByte(PURGE_TOMBSTONES);
            out.writeLong(purge.horizon());
        } else if (command instanceof ClientCommand client) {
            out.writeByte(CLIENT_COMMAND);
            writeClientCommand(out, client);
        } else {
            throw new IllegalArgumentException("no wire form for " + command.getClass().getName());
        }
    }

    private static void writeClientCommand(Writer out, ClientCommand command) {
        out.writeByte(switch (command.kind()) {
            case PUT -> PUT;
            case DELETE -> DELETE;
            case CAS -> CAS;
            case SET_MODE -> SET_MODE;
        });
        out.writeBoolean(command.eventual());
        out.writeString(command.origin().value());
        out.writeLong(command.session());
        out.writeLong(command.seq());
        out.writeString(command.key());
        out.writeString(command.value());
        out.writeString(command.expected());
        out.writeLong(command.timestamp());
        out.writeString(command.stamper() == null ? null : command.stamper().value());
    }

    private static void writeLongs(Writer out, List<Long> values) {
        out.writeInt(values.size());
        for (long value : values) {
            out.writeLong(value);
        }
    }

    // ------------------------------------------------------------------------------------------ frames: decode

    /**
     * Decodes the frame at the buffer's position. Returns {@code null}, consuming nothing, while the frame is not
     * all there yet; otherwise consumes exactly one frame and returns its message.
     *
     * @throws WireFormatException as soon as the length prefix is out of range (before waiting for, or allocating
     *     for, the body), or when the complete frame is malformed
     */
    public Message decodeFrame(ByteBuffer in) throws WireFormatException {
        if (in.remaining() < LENGTH_PREFIX_BYTES) {
            return null;
        }
        int frameBytes = in.duplicate().order(ByteOrder.BIG_ENDIAN).getInt();
        if (frameBytes < 1 || frameBytes > maxFrameBytes) {
            throw new WireFormatException("frame length " + Integer.toUnsignedString(frameBytes)
                    + " is outside 1 to " + maxFrameBytes + " bytes");
        }
        if (in.remaining() - LENGTH_PREFIX_BYTES < frameBytes) {
            return null;
        }
        ByteBuffer frame = in.duplicate().order(ByteOrder.BIG_ENDIAN);
        frame.position(in.position() + LENGTH_PREFIX_BYTES).limit(in.position() + LENGTH_PREFIX_BYTES + frameBytes);
        Message message = decodeMessage(frame);
        in.position(frame.limit());
        return message;
    }

    /**
     * Decodes one frame's type byte and body (everything after the length prefix), which must be consumed exactly.
     *
     * @throws WireFormatException for an unknown type, a body too short or too long, or invalid field values
     */
    public static Message decodeMessage(ByteBuffer frame) throws WireFormatException {
        Reader in = new Reader(frame.duplicate().order(ByteOrder.BIG_ENDIAN));
        byte type = in.readByte("message type");
        Message message;
        try {
            message = readMessage(in, type);
        } catch (IllegalArgumentException | NullPointerException e) {
            // The protocol records validate their fields; a frame that breaks their rules is malformed.
            throw new WireFormatException("invalid " + typeName(type) + ": " + e.getMessage(), e);
        }
        if (in.remaining() != 0) {
            throw new WireFormatException(in.remaining() + " unexpected bytes after a " + typeName(type) + " body");
        }
        return message;
    }

    private static String typeName(byte type) {
        return switch (type) {
            case REQUEST_VOTE -> "RequestVote";
            case REQUEST_VOTE_RESPONSE -> "RequestVoteResponse";
            case APPEND_ENTRIES -> "AppendEntries";
            case APPEND_ENTRIES_RESPONSE -> "AppendEntriesResponse";
            case HEARTBEAT -> "Heartbeat";
            case HEARTBEAT_RESPONSE -> "HeartbeatResponse";
            case TIMEOUT_NOW -> "TimeoutNow";
            case PING -> "Ping";
            case FORWARD_COMMANDS -> "ForwardCommands";
            case READ_INDEX_REQUEST -> "ReadIndexRequest";
            case READ_INDEX_RESPONSE -> "ReadIndexResponse";
            case INSTALL_SNAPSHOT -> "InstallSnapshot";
            case INSTALL_SNAPSHOT_RESPONSE -> "InstallSnapshotResponse";
            case REJOIN_QUERY -> "RejoinQuery";
            case REJOIN_QUERY_RESPONSE -> "RejoinQueryResponse";
            case REJOIN_REQUEST -> "RejoinRequest";
            default -> "message of type " + (type & 0xFF);
        };
    }

    private static Message readMessage(Reader in, byte type) throws WireFormatException {
        switch (type) {
            case REQUEST_VOTE:
                return new Message.RequestVote(in.readLong("term"), in.readLong("lastLogIndex"),
                        in.readLong("lastLogTerm"), in.readBoolean("preVote"), in.readBoolean("transfer"));
            case REQUEST_VOTE_RESPONSE:
                return new Message.RequestVoteResponse(in.readLong("term"), in.readBoolean("granted"),
                        in.readBoolean("preVote"));
            case APPEND_ENTRIES: {
                long term = in.readLong("term");
                long prevLogIndex = in.readLong("prevLogIndex");
                long prevLogTerm = in.readLong("prevLogTerm");
                long leaderCommit = in.readLong("leaderCommit");
                int count = in.readCount("entries", 8 + 8 + 1);
                List<Entry> entries = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    entries.add(new Entry(in.readLong("entry index"), in.readLong("entry term"), readCommand(in)));
                }
                return new Message.AppendEntries(term, prevLogIndex, prevLogTerm, entries, leaderCommit);
            }
            case APPEND_ENTRIES_RESPONSE:
                return new Message.AppendEntriesResponse(in.readLong("term"), in.readBoolean("success"),
                        in.readLong("matchIndex"), in.readLong("hintIndex"));
            case HEARTBEAT:
                return new Message.Heartbeat(in.readLong("term"), in.readLong("commitIndex"), in.readLong("round"));
            case HEARTBEAT_RESPONSE:
                return new Message.HeartbeatResponse(in.readLong("term"), in.readLong("round"),
                        in.readBoolean("rejoining"));
            case TIMEOUT_NOW:
                return new Message.TimeoutNow(in.readLong("term"));
            case PING:
                return new Message.Ping(in.readLong("session"), in.readLong("watermark"));
            case FORWARD_COMMANDS: {
                int count = in.readCount("commands", 1);
                List<ClientCommand> commands = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    commands.add(readClientCommand(in));
                }
                return new Message.ForwardCommands(commands);
            }
            case READ_INDEX_REQUEST:
                return new Message.ReadIndexRequest(in.readLong("session"), readLongs(in, "readIds"));
            case READ_INDEX_RESPONSE: {
                long term = in.readLong("term");
                long session = in.readLong("session");
                long readIndex = in.readLong("readIndex");
                return new Message.ReadIndexResponse(term, session, readLongs(in, "readIds"), readIndex);
            }
            case INSTALL_SNAPSHOT:
                return new Message.InstallSnapshot(in.readLong("term"), in.readLong("snapshotIndex"),
                        in.readLong("snapshotTerm"), in.readLong("offset"), in.readBytes("data"),
                        in.readBoolean("done"));
            case INSTALL_SNAPSHOT_RESPONSE:
                return new Message.InstallSnapshotResponse(in.readLong("term"), in.readLong("snapshotIndex"),
                        in.readLong("snapshotTerm"), in.readLong("nextOffset"), in.readBoolean("installed"));
            case REJOIN_QUERY:
                return new Message.RejoinQuery(in.readLong("nonce"));
            case REJOIN_QUERY_RESPONSE:
                return new Message.RejoinQueryResponse(in.readLong("nonce"), in.readLong("currentTerm"),
                        in.readLong("lastIndex"), in.readBoolean("rejoining"));
            case REJOIN_REQUEST:
                return new Message.RejoinRequest(in.readLong("term"));
            default:
                throw new WireFormatException("unknown message type " + (type & 0xFF));
        }
    }

    private static Command readCommand(Reader in) throws WireFormatException {
        byte type = in.readByte("command type");
        return switch (type) {
            case NOOP -> Command.Noop.INSTANCE;
            case PURGE_TOMBSTONES -> new Command.PurgeTombstones(in.readLong("horizon"));
            case CLIENT_COMMAND -> readClientCommand(in);
            default -> throw new WireFormatException("unknown command type " + (type & 0xFF));
        };
    }

    private static ClientCommand readClientCommand(Reader in) throws WireFormatException {
        byte kindCode = in.readByte("command kind");
        ClientCommand.Kind kind = switch (kindCode) {
            case PUT -> ClientCommand.Kind.PUT;
            case DELETE -> ClientCommand.Kind.DELETE;
            case CAS -> ClientCommand.Kind.CAS;
            case SET_MODE -> ClientCommand.Kind.SET_MODE;
            default -> throw new WireFormatException("unknown command kind " + (kindCode & 0xFF));
        };
        boolean eventual = in.readBoolean("eventual");
        String origin = in.readString("origin");
        if (origin == null) {
            throw new WireFormatException("client command without an origin");
        }
        NodeId originId = nodeId(origin, "origin");
        long session = in.readLong("session");
        long seq = in.readLong("seq");
        String key = in.readString("key");
        String value = in.readString("value");
        String expected = in.readString("expected");
        long timestamp = in.readLong("timestamp");
        String stamper = in.readString("stamper");
        return new ClientCommand(kind, eventual, originId, session, seq, key, value, expected,
                timestamp, stamper == null ? null : nodeId(stamper, "stamper"));
    }

    private static List<Long> readLongs(Reader in, String what) throws WireFormatException {
        int count = in.readCount(what, 8);
        Long[] values = new Long[count];
        for (int i = 0; i < count; i++) {
            values[i] = in.readLong(what);
        }
        return Arrays.asList(values);
    }

    private static NodeId nodeId(String text, String what) throws WireFormatException {
        try {
            return NodeId.of(text);
        } catch (IllegalArgumentException e) {
            throw new WireFormatException("invalid " + what + ": " + e.getMessage(), e);
        }
    }

    private static String utf8(ByteBuffer in, int length, String what) throws WireFormatException {
        // Keys and values are mostly ASCII, which is valid UTF-8 as it is: one copy, no decoder (a decoder per
        // string was the largest cost of decoding an AppendEntries).
        int start = in.position();
        byte[] raw = new byte[length];
        in.get(start, raw);
        int highBits = 0;
        for (byte b : raw) {
            highBits |= b; // no early exit, so the JIT can vectorise the loop
        }
        if (highBits >= 0) {
            in.position(start + length);
            return new String(raw, StandardCharsets.ISO_8859_1);
        }
        ByteBuffer bytes = in.slice();
        bytes.limit(length);
        try {
            // Strict decoding: a replacement character would silently turn garbage into a different key.
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
            in.position(in.position() + length);
            return text;
        } catch (CharacterCodingException e) {
            throw new WireFormatException(what + " is not valid UTF-8", e);
        }
    }

    /** Reads fields in order, checking each against the bytes left; every failure names the field. */
    private static final class Reader {
        private final ByteBuffer in;

        Reader(ByteBuffer in) {
            this.in = in;
        }

        int remaining() {
            return in.remaining();
        }

        private void need(int bytes, String what) throws WireFormatException {
            if (in.remaining() < bytes) {
                throw new WireFormatException("frame ends inside " + what + ": needs " + bytes + " bytes, "
                        + in.remaining() + " left");
            }
        }

        byte readByte(String what) throws WireFormatException {
            need(1, what);
            return in.get();
        }

        long readLong(String what) throws WireFormatException {
            need(8, what);
            return in.getLong();
        }

        boolean readBoolean(String what) throws WireFormatException {
            byte value = readByte(what);
            if (value != 0 && value != 1) {
                throw new WireFormatException(what + " must be 0 or 1, was " + (value & 0xFF));
            }
            return value == 1;
        }

        /** A list count, checked against the least room its elements take, so a bad count cannot allocate much. */
        int readCount(String what, int minElementBytes) throws WireFormatException {
            need(4, what + " count");
            int count = in.getInt();
            if (count < 0 || (long) count * minElementBytes > in.remaining()) {
                throw new WireFormatException(what + " count " + count + " does not fit in the " + in.remaining()
                        + " bytes left");
            }
            return count;
        }

        /**
         * A length-prefixed byte array, copied out: the frame may be a view of a network buffer that is reused once
         * the frame is consumed, and the message outlives it.
         */
        byte[] readBytes(String what) throws WireFormatException {
            need(4, what + " length");
            int length = in.getInt();
            if (length < 0) {
                throw new WireFormatException(what + " length " + length + " is negative");
            }
            need(length, what);
            byte[] bytes = new byte[length];
            in.get(bytes);
            return bytes;
        }

        String readString(String what) throws WireFormatException {
            need(4, what + " length");
            int length = in.getInt();
            if (length == -1) {
                return null;
            }
            if (length < -1) {
                throw new WireFormatException(what + " length " + length + " is negative");
            }
            need(length, what);
            return utf8(in, length, what);
        }
    }

    /** A growable big-endian byte array: one copy at the end, none on the way for most messages. */
    private static final class Writer {
        private byte[] bytes;
        private int size;

        Writer(int initialCapacity) {
            this.bytes = new byte[Math.max(16, initialCapacity)];
        }

        int size() {
            return size;
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                long wanted = Math.max((long) bytes.length * 2, (long) size + more);
                if (wanted > Integer.MAX_VALUE - 8) {
                    throw new IllegalArgumentException("message too large to encode: over 2 GiB");
                }
                bytes = Arrays.copyOf(bytes, (int) wanted);
            }
        }

        void writeByte(int value) {
            ensure(1);
            bytes[size++] = (byte) value;
        }

        void writeBoolean(boolean value) {
            writeByte(value ? 1 : 0);
        }

        void writeShort(int value) {
            ensure(2);
            bytes[size++] = (byte) (value >>> 8);
            bytes[size++] = (byte) value;
        }

        void writeInt(int value) {
            ensure(4);
            patchInt(size, value);
            size += 4;
        }

        void patchInt(int at, int value) {
            bytes[at] = (byte) (value >>> 24);
            bytes[at + 1] = (byte) (value >>> 16);
            bytes[at + 2] = (byte) (value >>> 8);
            bytes[at + 3] = (byte) value;
        }

        void writeLong(long value) {
            ensure(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                bytes[size++] = (byte) (value >>> shift);
            }
        }

        void writeBytes(byte[] data) {
            ensure(data.length);
            System.arraycopy(data, 0, bytes, size, data.length);
            size += data.length;
        }

        void writeString(String text) {
            if (text == null) {
                writeInt(-1);
                return;
            }
            // ASCII, the usual case, is copied char by char without an intermediate array.
            int length = text.length();
            ensure(4 + length);
            int start = size + 4;
            int i = 0;
            while (i < length) {
                char c = text.charAt(i);
                if (c >= 0x80) {
                    break;
                }
                bytes[start + i] = (byte) c;
                i++;
            }
            if (i == length) {
                writeInt(length);
                size += length;
                return;
            }
            byte[] data = text.getBytes(StandardCharsets.UTF_8);
            writeInt(data.length);
            writeBytes(data);
        }

        byte[] toByteArray() {
            return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
        }

        ByteBuffer toByteBuffer() {
            return ByteBuffer.wrap(bytes, 0, size);
        }
    }
}
