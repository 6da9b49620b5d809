package io.nodesync.transport.tcp;

import io.netty.handler.timeout.ReadTimeoutHandler;
import io.nodesync.protocol.Message;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the peer protocol's decoders with random and mutated streams (see {@link Fuzzer} for seeds and budget):
 * the pure {@link WireCodec}, which must read any bytes fed in any chunks exactly as it reads them whole or refuse
 * them with a {@link WireFormatException}, and the {@link PeerFrameDecoder} in an inbound connection's pipeline
 * ({@link PeerConnectionCheck} lists what is checked there).
 */
@Tag("fuzz")
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PeerDecoderFuzzTest {

    /** Valid streams come from the codec a node uses by default. */
    private static final WireCodec CODEC = new WireCodec();

    private static TcpTransport transport;
    private static PeerConnectionCheck peerConnection;
    private Fuzzer fuzzer;

    @BeforeAll
    static void bindTransport() throws Exception {
        LeakWatch.start();
        transport = TcpTesting.transport(PeerStreams.SELF).bind();
        peerConnection = new PeerConnectionCheck(transport);
    }

    @AfterAll
    static void closeTransport() {
        LeakWatch.stop();
        if (transport != null) {
            transport.close();
        }
    }

    @AfterEach
    void noInputLeftRunningAndNoLeak() {
        if (fuzzer != null) {
            fuzzer.assertNoInputLeftRunning();
        }
        LeakWatch.assertNoLeakReported();
    }

    /** Peer input: valid streams to this node, mutated or not, soups and random bytes (half starting right). */
    static Mutator.Input peerInput(SplittableRandom random) {
        return Mutator.generate(random, r -> PeerStreams.stream(r, PeerStreams.SELF, CODEC), PeerStreams.TOKENS,
                WireCodec.MAGIC);
    }

    @Test
    void theCodecReadsAnyStreamInChunksAsItReadsItWholeOrRefusesIt() {
        fuzzer = new Fuzzer("WireCodec");
        fuzzer.run(new Fuzzer.Target() {
            private boolean intact;

            @Override
            public byte[] generate(SplittableRandom random) {
                Mutator.Input input = peerInput(random);
                intact = input.intact();
                return input.bytes();
            }

            @Override
            public void check(byte[] input, SplittableRandom random, Fuzzer.Tally tally) {
                // A small frame limit a quarter of the time, so that lengths also cross it.
                WireCodec codec = random.nextInt(4) == 0 ? new WireCodec(64 + random.nextInt(1024)) : CODEC;
                PeerStreams.Reading whole = PeerStreams.read(input, codec, null);
                if (intact && codec == CODEC) {
                    expect(whole.refusal() == null && whole.leftover() == 0, () -> "a valid stream was not read whole: "
                            + whole);
                }
                PeerStreams.Reading chunked = readInChunks(input, codec, random);
                expect(chunked.equals(whole), () -> "read in chunks: " + chunked + "; read whole: " + whole);
                if (whole.refusal() != null) {
                    tally.errorReplies(1);
                }
                // A frame's body straight from the bytes: any type byte, any body.
                try {
                    WireCodec.decodeMessage(ByteBuffer.wrap(input));
                } catch (WireFormatException refused) {
                    // the only way the codec may refuse
                }
            }
        });
    }

    /** Reads as a connection does: each chunk appended to what is left, then everything complete is decoded. */
    private static PeerStreams.Reading readInChunks(byte[] input, WireCodec codec, SplittableRandom random) {
        ByteBuffer buffer = ByteBuffer.allocate(input.length);
        WireCodec.Handshake handshake = null;
        List<Message> messages = new ArrayList<>();
        int from = 0;
        for (int end : Mutator.chunkEnds(input.length, random)) {
            buffer.put(input, from, end - from).flip();
            from = end;
            try {
                if (handshake == null) {
                    handshake = WireCodec.decodeHandshake(buffer);
                }
                Message message;
                while (handshake != null && (message = codec.decodeFrame(buffer)) != null) {
                    messages.add(message);
                }
            } catch (WireFormatException refused) {
                return new PeerStreams.Reading(handshake, messages, refused.getMessage(), 0);
            }
            buffer.compact();
        }
        return new PeerStreams.Reading(handshake, messages, null, buffer.position());
    }

    @Test
    void aPeerConnectionDeliversTheFramesOfAnyStreamOrCloses() {
        fuzzer = new Fuzzer("PeerFrameDecoder");
        fuzzer.run(new Fuzzer.Target() {
            private boolean intact;

            @Override
            public byte[] generate(SplittableRandom random) {
                Mutator.Input input = peerInput(random);
                intact = input.intact();
                return input.bytes();
            }

            @Override
            public void check(byte[] input, SplittableRandom random, Fuzzer.Tally tally) {
                // The pipeline of an inbound peer connection once the router has handed it over.
                peerConnection.run(input, intact, random, tally, pipeline -> pipeline
                        .addLast(ClientDialect.IDLE_HANDLER, new ReadTimeoutHandler(30, TimeUnit.SECONDS))
                        .addLast(PeerFrameDecoder.NAME, new PeerFrameDecoder(transport)));
            }
        });
    }

    private static void expect(boolean condition, Supplier<String> failure) {
        if (!condition) {
            throw new AssertionError(failure.get());
        }
    }
}
