package io.nodesync.transport.tcp;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.nodesync.transport.tcp.client.ClientConnectionCheck;
import io.nodesync.transport.tcp.client.ClientInputs;
import io.nodesync.transport.tcp.client.ClientLimits;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes a node port's first-byte router with the inputs of all three protocols, random and mutated (see
 * {@link Fuzzer} for seeds and budget), on the pipeline the transport gives every accepted connection: the peer
 * magic byte must lead to the peer decoder, {@code *} to RESP and anything else to the line dialect, with every
 * byte handed over (so each connection then behaves as {@link PeerConnectionCheck} and
 * {@link ClientConnectionCheck} check); a port without client dialects refuses clients with one line and closes.
 */
@Tag("fuzz")
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FirstByteRouterFuzzTest {

    private static TcpTransport withDialects;
    private static TcpTransport peersOnly;
    private static PeerConnectionCheck peerConnection;
    /** The check of the client input in progress: the transport's dialects install through it. */
    private static ClientConnectionCheck clientConnection;
    private Fuzzer fuzzer;

    @BeforeAll
    static void bindTransports() throws Exception {
        LeakWatch.start();
        withDialects = TcpTesting.transport(PeerStreams.SELF)
                .lineDialect(pipeline -> clientConnection.install(ClientConnectionCheck.Dialect.LINE, pipeline))
                .respDialect(pipeline -> clientConnection.install(ClientConnectionCheck.Dialect.RESP, pipeline))
                .bind();
        peersOnly = TcpTesting.transport(PeerStreams.SELF).bind();
        peerConnection = new PeerConnectionCheck(withDialects);
    }

    @AfterAll
    static void closeTransports() {
        LeakWatch.stop();
        if (withDialects != null) {
            withDialects.close();
        }
        if (peersOnly != null) {
            peersOnly.close();
        }
    }

    @AfterEach
    void noInputLeftRunningAndNoLeak() {
        if (fuzzer != null) {
            fuzzer.assertNoInputLeftRunning();
        }
        LeakWatch.assertNoLeakReported();
    }

    /** The pipeline the transport gives an accepted connection. */
    private static Consumer<ChannelPipeline> acceptedBy(TcpTransport transport) {
        return pipeline -> pipeline
                .addLast(ClientDialect.IDLE_HANDLER, new ReadTimeoutHandler(30, TimeUnit.SECONDS))
                .addLast(FirstByteRouter.NAME, new FirstByteRouter(transport));
    }

    @Test
    void theRouterHandsEveryConnectionWholeToTheProtocolItsFirstByteNames() {
        fuzzer = new Fuzzer("FirstByteRouter");
        fuzzer.run(new Fuzzer.Target() {
            private ClientLimits limits;
            private boolean intact;

            @Override
            public byte[] generate(SplittableRandom random) {
                limits = ClientConnectionCheck.randomLimits(random);
                Mutator.Input input = switch (random.nextInt(3)) {
                    case 0 -> PeerDecoderFuzzTest.peerInput(random);
                    case 1 -> Mutator.generate(random, r -> ClientInputs.lineCommands(r, limits.maxLineBytes()),
                            ClientInputs.LINE_TOKENS, null);
                    default -> Mutator.generate(random, ClientInputs::respCommands, ClientInputs.RESP_TOKENS,
                            (byte) '*');
                };
                intact = input.intact();
                return input.bytes();
            }

            @Override
            public void check(byte[] input, SplittableRandom random, Fuzzer.Tally tally) {
                if (input.length == 0 || input[0] == WireCodec.MAGIC) {
                    // An empty connection goes nowhere; its check is the peer one's: nothing delivered or written.
                    peerConnection.run(input, intact && input.length > 0, random, tally, acceptedBy(withDialects));
                    return;
                }
                boolean resp = input[0] == FirstByteRouter.RESP_FIRST_BYTE;
                if (random.nextInt(8) == 0) {
                    checkRefused(input, resp, random, tally);
                    return;
                }
                ClientConnectionCheck.Dialect dialect = resp ? ClientConnectionCheck.Dialect.RESP
                        : ClientConnectionCheck.Dialect.LINE;
                clientConnection = new ClientConnectionCheck(dialect, limits, random);
                clientConnection.run(input, tally, acceptedBy(withDialects));
                expect(clientConnection.installed() == dialect, () -> "a connection starting with byte " + input[0]
                        + " got the " + clientConnection.installed() + " dialect");
            }
        });
    }

    /** A port without client dialects answers a client with one refusal line and closes, whatever it sent. */
    private static void checkRefused(byte[] input, boolean resp, SplittableRandom random, Fuzzer.Tally tally) {
        long refusalsBefore = peersOnly.counters().rejectedConnections();
        try (EmbeddedConnection connection = new EmbeddedConnection(acceptedBy(peersOnly))) {
            int from = 0;
            for (int end : Mutator.chunkEnds(input.length, random)) {
                if (!connection.receive(input, from, end)) {
                    break;
                }
                from = end;
            }
            connection.settle();
            String expected = resp ? FirstByteRouter.RESP_REFUSAL : FirstByteRouter.LINE_REFUSAL;
            byte[] written = connection.written();
            expect(Arrays.equals(written, expected.getBytes(StandardCharsets.US_ASCII)), () -> "refused with "
                    + Fuzzer.escape(written, 200));
            expect(!connection.channel().isOpen(), () -> "a refused client's connection stayed open");
            connection.finishAndCheck();
        }
        expect(peersOnly.counters().rejectedConnections() - refusalsBefore == 1,
                () -> "the refusal was not counted once");
        tally.errorReplies(1);
        tally.closed();
    }

    private static void expect(boolean condition, Supplier<String> failure) {
        if (!condition) {
            throw new AssertionError(failure.get());
        }
    }
}
