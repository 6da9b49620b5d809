package io.nodesync.transport.tcp;

import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Command;
import io.nodesync.protocol.Entry;
import io.nodesync.protocol.Message;
import io.nodesync.transport.ProtocolSamples;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Peer-protocol inputs for the fuzzers and the codec tests: sample messages of every type ({@link ProtocolSamples}
 * and snapshot chunks), valid streams (a handshake, then frames of the samples and random variations, encoded by
 * {@link WireCodec}), their tokens, and the reference reading of a whole stream that every chunked decoder must
 * agree with.
 */
final class PeerStreams {

    /** The node the fuzzed connections are made to. */
    static final NodeId SELF = NodeId.of("fuzzed-node");

    private static final List<NodeId> SENDERS = List.of(NodeId.of("5001"), NodeId.of("a"),
            NodeId.of("n\u0153ud-\u6771\u4eac-\uD83D\uDE80"), NodeId.of("p".repeat(255)));
    private static final List<Message> SAMPLES = samples();
    private static final List<ClientCommand> SAMPLE_COMMANDS = ProtocolSamples.everyClientCommandKind();
    private static final String[] TEXTS = {"", "k", "colour", "gr\u00fc\u00dfe \u65e5\u672c\u8a9e \uD83D\uDE80",
        "line\nbreak\r\n", "\u0000", "x".repeat(300)};

    /** Pieces of peer streams, for soups: the magic, versions, lengths, types and whole frames. */
    static final List<byte[]> TOKENS = tokens();

    private PeerStreams() {
    }

    /**
     * A message of every type: the core's samples, plus snapshot chunks of the shapes the codec must get right
     * (empty, every byte value, first and last chunk) and both answers to them.
     */
    static List<Message> everyMessageType() {
        return SAMPLES;
    }

    private static List<Message> samples() {
        byte[] everyByteValue = new byte[256];
        for (int i = 0; i < everyByteValue.length; i++) {
            everyByteValue[i] = (byte) i;
        }
        List<Message> samples = new ArrayList<>(ProtocolSamples.everyMessageType());
        samples.add(new Message.InstallSnapshot(7, 40, 6, 0, new byte[0], false));
        samples.add(new Message.InstallSnapshot(7, 40, 6, 0, everyByteValue, false));
        samples.add(new Message.InstallSnapshot(7, 40, 6, 256, new byte[] {WireCodec.MAGIC, 0, 0, 0, 1}, true));
        samples.add(new Message.InstallSnapshotResponse(7, 40, 6, 256, false));
        samples.add(new Message.InstallSnapshotResponse(7, 40, 6, 261, true));
        return List.copyOf(samples);
    }

    private static List<byte[]> tokens() {
        List<byte[]> tokens = new ArrayList<>();
        tokens.add(new byte[] {WireCodec.MAGIC});
        tokens.add(new byte[] {WireCodec.MAGIC, WireCodec.VERSION});
        tokens.add(WireCodec.encodeHandshake(NodeId.of("5001"), SELF));
        tokens.add(new byte[] {0, 1});
        tokens.add(new byte[] {0, 0, 0, 9});
        tokens.add(new byte[] {0, 0, 0, 0});
        tokens.add(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        tokens.add(new byte[] {1});
        tokens.add(new byte[] {0});
        tokens.add(new byte[] {3});
        tokens.add(new byte[8]);
        WireCodec codec = new WireCodec();
        for (Message message : SAMPLES) {
            tokens.add(frameBytes(codec, message));
        }
        return List.copyOf(tokens);
    }

    /**
     * A valid stream to {@code receiver}: the handshake, then up to eight frames. Its fields are the handshake's id
     * lengths, every frame's length prefix and every snapshot chunk's length.
     */
    static Mutator.Valid stream(SplittableRandom random, NodeId receiver, WireCodec codec) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Mutator.Field> fields = new ArrayList<>();
        NodeId sender = SENDERS.get(random.nextInt(SENDERS.size()));
        out.writeBytes(WireCodec.encodeHandshake(sender, receiver));
        fields.add(new Mutator.Field(2, 2));
        fields.add(new Mutator.Field(4 + sender.value().getBytes(StandardCharsets.UTF_8).length, 2));
        int frames = random.nextInt(9);
        for (int i = 0; i < frames; i++) {
            Message message = message(random);
            fields.add(new Mutator.Field(out.size(), WireCodec.LENGTH_PREFIX_BYTES));
            if (message instanceof Message.InstallSnapshot) {
                // The chunk's own length: after the frame's length prefix, type byte and four longs.
                fields.add(new Mutator.Field(out.size() + WireCodec.LENGTH_PREFIX_BYTES + 1 + 4 * 8, 4));
            }
            out.writeBytes(frameBytes(codec, message));
        }
        return new Mutator.Valid(out.toByteArray(), fields);
    }

    private static byte[] frameBytes(WireCodec codec, Message message) {
        try {
            ByteBuffer frame = codec.encodeFrame(message);
            byte[] bytes = new byte[frame.remaining()];
            frame.get(bytes);
            return bytes;
        } catch (WireFormatException e) {
            throw new IllegalStateException("a generated message does not fit a frame", e);
        }
    }

    /** A sample message most of the time, else one with random fields. */
    static Message message(SplittableRandom random) {
        if (random.nextInt(10) < 6) {
            return SAMPLES.get(random.nextInt(SAMPLES.size()));
        }
        switch (random.nextInt(10)) {
            case 0:
                return new Message.RequestVote(anyLong(random), anyLong(random), anyLong(random), random.nextBoolean(),
                        random.nextBoolean());
            case 1: {
                List<Entry> entries = new ArrayList<>();
                int count = random.nextInt(5);
                for (int i = 0; i < count; i++) {
                    entries.add(new Entry(1 + random.nextInt(1000), 1 + random.nextInt(10), command(random)));
                }
                return new Message.AppendEntries(anyLong(random), anyLong(random), anyLong(random), entries,
                        anyLong(random));
            }
            case 2: {
                List<ClientCommand> commands = new ArrayList<>();
                int count = random.nextInt(5);
                for (int i = 0; i < count; i++) {
                    commands.add(clientCommand(random));
                }
                return new Message.ForwardCommands(commands);
            }
            case 3:
                return new Message.ReadIndexRequest(anyLong(random), longs(random));
            case 4:
                return new Message.ReadIndexResponse(anyLong(random), anyLong(random), longs(random), anyLong(random));
            case 5:
                return new Message.InstallSnapshot(anyLong(random), anyLong(random), anyLong(random), anyLong(random),
                        chunk(random), random.nextBoolean());
            case 6:
                return new Message.InstallSnapshotResponse(anyLong(random), anyLong(random), anyLong(random),
                        anyLong(random), random.nextBoolean());
            case 7:
                return new Message.RejoinQueryResponse(anyLong(random), anyLong(random), anyLong(random),
                        random.nextBoolean());
            case 8:
                return new Message.RejoinRequest(anyLong(random));
            default:
                return new Message.Heartbeat(anyLong(random), anyLong(random), anyLong(random));
        }
    }

    private static Command command(SplittableRandom random) {
        return switch (random.nextInt(3)) {
            case 0 -> Command.Noop.INSTANCE;
            case 1 -> new Command.PurgeTombstones(anyLong(random));
            default -> clientCommand(random);
        };
    }

    private static ClientCommand clientCommand(SplittableRandom random) {
        if (random.nextBoolean()) {
            return SAMPLE_COMMANDS.get(random.nextInt(SAMPLE_COMMANDS.size()));
        }
        ClientCommand.Kind kind = ClientCommand.Kind.values()[random.nextInt(ClientCommand.Kind.values().length)];
        String key = kind == ClientCommand.Kind.SET_MODE && random.nextBoolean() ? null : text(random);
        String value = kind == ClientCommand.Kind.DELETE && random.nextBoolean() ? null : text(random);
        String expected = kind == ClientCommand.Kind.CAS && random.nextBoolean() ? text(random) : null;
        boolean eventual = kind != ClientCommand.Kind.CAS && random.nextBoolean();
        NodeId stamper = random.nextBoolean() ? null : SENDERS.get(random.nextInt(SENDERS.size()));
        return new ClientCommand(kind, eventual, SENDERS.get(random.nextInt(SENDERS.size())), anyLong(random),
                anyLong(random), key, value, expected, anyLong(random), stamper);
    }

    private static String text(SplittableRandom random) {
        return TEXTS[random.nextInt(TEXTS.length)];
    }

    /** Snapshot bytes: mostly short, sometimes empty or a few KiB (longer would only slow the fuzzers down). */
    private static byte[] chunk(SplittableRandom random) {
        int bound = random.nextInt(10) == 0 ? 8 * 1024 : 64;
        byte[] bytes = new byte[random.nextInt(bound + 1)];
        random.nextBytes(bytes);
        return bytes;
    }

    private static List<Long> longs(SplittableRandom random) {
        Long[] values = new Long[random.nextInt(5)];
        for (int i = 0; i < values.length; i++) {
            values[i] = anyLong(random);
        }
        return Arrays.asList(values);
    }

    private static long anyLong(SplittableRandom random) {
        return switch (random.nextInt(4)) {
            case 0 -> Long.MIN_VALUE;
            case 1 -> Long.MAX_VALUE;
            case 2 -> random.nextInt(-2, 100);
            default -> random.nextLong();
        };
    }

    /**
     * What the codec makes of a whole stream read at once.
     *
     * @param handshake the handshake, or null if it is incomplete (or refused)
     * @param messages the frames decoded, in order
     * @param refusal why the stream is refused (the decoder must close the connection), or null
     * @param leftover bytes after the last complete frame, when not refused
     */
    record Reading(WireCodec.Handshake handshake, List<Message> messages, String refusal, int leftover) {
    }

    /**
     * Reads a whole stream with the codec: the reference for the decoders fed the same bytes in chunks. Checks on the
     * way that a {@code null} ("not complete yet") consumes nothing and that every frame decoded re-encodes to the
     * very bytes it came from (decoding is strict, so no two encodings mean one message). Anything the codec throws
     * other than a {@link WireFormatException} propagates: that is a finding.
     *
     * @param self the node the stream must be addressed to, or null to accept any receiver
     */
    static Reading read(byte[] input, WireCodec codec, NodeId self) {
        ByteBuffer view = ByteBuffer.wrap(input);
        WireCodec.Handshake handshake = null;
        List<Message> messages = new ArrayList<>();
        try {
            handshake = WireCodec.decodeHandshake(view);
            if (handshake == null) {
                assertConsumedNothing(view, 0, "an incomplete handshake");
                return new Reading(null, messages, null, input.length);
            }
            if (self != null && !handshake.receiver().equals(self)) {
                return new Reading(handshake, messages, "addressed to " + handshake.receiver(), 0);
            }
            while (true) {
                int start = view.position();
                Message message = codec.decodeFrame(view);
                if (message == null) {
                    assertConsumedNothing(view, start, "an incomplete frame");
                    break;
                }
                byte[] again = frameBytes(codec, message);
                if (!Arrays.equals(again, Arrays.copyOfRange(input, start, view.position()))) {
                    throw new AssertionError("the frame at byte " + start + " decoded to " + message
                            + ", which encodes to other bytes: " + Fuzzer.escape(again, 200));
                }
                messages.add(message);
            }
        } catch (WireFormatException refused) {
            return new Reading(handshake, messages, refused.getMessage(), 0);
        }
        return new Reading(handshake, messages, null, view.remaining());
    }

    private static void assertConsumedNothing(ByteBuffer view, int start, String what) {
        if (view.position() != start) {
            throw new AssertionError(what + " consumed " + (view.position() - start) + " bytes");
        }
    }
}
