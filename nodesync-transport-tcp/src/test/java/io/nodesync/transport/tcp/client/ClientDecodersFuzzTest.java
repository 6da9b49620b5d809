package io.nodesync.transport.tcp.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.nodesync.transport.tcp.Fuzzer;
import io.nodesync.transport.tcp.LeakWatch;
import io.nodesync.transport.tcp.Mutator;
import java.nio.charset.StandardCharsets;
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
 * Fuzzes both client dialects' decoders with random and mutated input (see {@link Fuzzer} for seeds and budget):
 * the pure pieces ({@link LineCommandParser}, {@link RespRequestReader}) and whole connections on an embedded
 * channel ({@link ClientConnectionCheck} lists what is checked there).
 */
@Tag("fuzz")
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClientDecodersFuzzTest {

    private Fuzzer fuzzer;

    @BeforeAll
    static void watchLeaks() {
        LeakWatch.start();
    }

    @AfterAll
    static void stopWatchingLeaks() {
        LeakWatch.stop();
    }

    @AfterEach
    void noInputLeftRunningAndNoLeak() {
        if (fuzzer != null) {
            fuzzer.assertNoInputLeftRunning();
        }
        LeakWatch.assertNoLeakReported();
    }

    /** Line-dialect input whose long lines are near {@code limits}' line limit. */
    private static byte[] lineInput(SplittableRandom random, ClientLimits limits) {
        return Mutator.generate(random, r -> ClientInputs.lineCommands(r, limits.maxLineBytes()),
                ClientInputs.LINE_TOKENS, null).bytes();
    }

    private static byte[] respInput(SplittableRandom random) {
        return Mutator.generate(random, ClientInputs::respCommands, ClientInputs.RESP_TOKENS, (byte) '*').bytes();
    }

    @Test
    void theLineParserAnswersEveryLineWithACommandOrAnError() {
        fuzzer = new Fuzzer("LineCommandParser");
        fuzzer.run(new Fuzzer.Target() {
            @Override
            public byte[] generate(SplittableRandom random) {
                return lineInput(random, random.nextBoolean() ? ClientLimits.DEFAULT.withMaxLineBytes(64)
                        : ClientLimits.DEFAULT);
            }

            @Override
            public void check(byte[] input, SplittableRandom random, Fuzzer.Tally tally) {
                // UTF-16 as well as UTF-8, so lines also hold what no decoder makes: lone surrogates, any char.
                String text = new String(input, random.nextInt(4) == 0 ? StandardCharsets.UTF_16BE
                        : StandardCharsets.UTF_8);
                String[] lines = random.nextInt(8) == 0 ? new String[] {text} : text.split("\n", -1);
                for (String line : lines) {
                    if (checkParse(line)) {
                        tally.errorReplies(1);
                    }
                }
            }
        });
    }

    /** Parses one line and checks the result; returns whether it was refused. */
    private static boolean checkParse(String line) {
        Request request = LineCommandParser.parse(line);
        if (request instanceof Request.Answered answered) {
            String reply = answered.reply().line();
            expect(answered.reply() instanceof Reply.Error && reply.startsWith("ERROR ")
                    && reply.indexOf('\n') < 0 && reply.indexOf('\r') < 0, () -> "refused with a reply that is not one "
                    + "ERROR line: " + reply);
            return true;
        }
        expect(line.indexOf('\r') < 0, () -> "accepted a line with a carriage return inside: " + request);
        for (String key : request.keys()) {
            expect(!key.isEmpty() && key.indexOf(' ') < 0, () -> "a key that is empty or holds a space: " + request);
        }
        // What was parsed, spelled out again, parses to the same command: nothing was lost or invented.
        String again = spelled(request);
        expect(LineCommandParser.parse(again).equals(request),
                () -> "'" + again + "' does not parse back to " + request);
        return false;
    }

    private static String spelled(Request request) {
        if (request instanceof Request.Ping) {
            return "PING";
        } else if (request instanceof Request.Get get) {
            return "GET " + get.key();
        } else if (request instanceof Request.Set set) {
            return "SET " + set.key() + " " + set.value();
        } else if (request instanceof Request.Delete delete) {
            expect(delete.keys().size() == 1, () -> "the line dialect deletes one key: " + delete);
            return "DEL " + delete.keys().get(0);
        } else if (request instanceof Request.CompareAndSet cas) {
            expect(cas.expected().indexOf(' ') < 0 && cas.newValue().indexOf(' ') < 0, () -> "CAS values with spaces: "
                    + cas);
            return "CAS " + cas.key() + " " + cas.expected() + " " + cas.newValue();
        } else if (request instanceof Request.GetConsistency) {
            return "CONSISTENCY";
        } else if (request instanceof Request.SetConsistency switchTo) {
            return "CONSISTENCY " + switchTo.policy().wireName();
        } else if (request instanceof Request.Status) {
            return "STATUS";
        }
        throw new AssertionError("the line parser made a request no line command makes: " + request);
    }

    @Test
    void theRespReaderFramesTheSameRequestsHoweverTheBytesArriveAndHoldsLittle() {
        fuzzer = new Fuzzer("RespRequestReader");
        fuzzer.run(new Fuzzer.Target() {
            private ClientLimits limits;

            @Override
            public byte[] generate(SplittableRandom random) {
                limits = ClientConnectionCheck.randomLimits(random);
                return respInput(random);
            }

            @Override
            public void check(byte[] input, SplittableRandom random, Fuzzer.Tally tally) {
                List<Object> whole = readWhole(input, limits);
                List<Object> chunked = readInChunks(input, limits, random);
                expect(chunked.equals(whole), () -> "read in chunks " + chunked + ", read whole "
                        + whole);
                for (Object request : whole) {
                    if (request instanceof RespRequestReader.ProtocolError) {
                        tally.errorReplies(1);
                        tally.closed();
                    } else {
                        checkArguments((List<?>) request, limits);
                    }
                }
            }
        });
    }

    private static List<Object> readWhole(byte[] input, ClientLimits limits) {
        RespRequestReader reader = new RespRequestReader(limits);
        ByteBuf in = Unpooled.wrappedBuffer(input);
        List<Object> requests = new ArrayList<>();
        for (Object request = reader.read(in); request != null; request = reader.read(in)) {
            requests.add(request);
            if (request instanceof RespRequestReader.ProtocolError) {
                break; // the connection answers it and closes
            }
        }
        return requests;
    }

    /** Reads as a connection does: each chunk appended to what is left, then every request that is complete. */
    private static List<Object> readInChunks(byte[] input, ClientLimits limits, SplittableRandom random) {
        RespRequestReader reader = new RespRequestReader(limits);
        // What a reader may leave unread while it waits: one header, one inline command or one bulk string.
        int mostHeld = Math.max(32, Math.max(limits.maxInlineBytes(), limits.maxBulkBytes()) + 2);
        ByteBuf cumulation = Unpooled.buffer();
        List<Object> requests = new ArrayList<>();
        try {
            int from = 0;
            for (int end : Mutator.chunkEnds(input.length, random)) {
                cumulation.writeBytes(input, from, end - from);
                from = end;
                for (Object request = reader.read(cumulation); request != null; request = reader.read(cumulation)) {
                    requests.add(request);
                    if (request instanceof RespRequestReader.ProtocolError) {
                        return requests;
                    }
                }
                expect(cumulation.readableBytes() <= mostHeld, () -> "the reader holds " + cumulation.readableBytes()
                        + " unread bytes while waiting, more than " + mostHeld + " for limits " + limits);
                cumulation.discardReadBytes();
            }
            return requests;
        } finally {
            cumulation.release();
        }
    }

    private static void checkArguments(List<?> arguments, ClientLimits limits) {
        expect(!arguments.isEmpty(), () -> "an empty request was returned rather than skipped");
        long chars = 0;
        for (Object argument : arguments) {
            // A bulk string of n bytes decodes to at most n chars; an inline command is one bounded line.
            int length = ((String) argument).length();
            expect(length <= Math.max(limits.maxBulkBytes(), limits.maxInlineBytes()),
                    () -> "an argument of " + length + " chars, over the limits " + limits);
            chars += length;
        }
        long totalChars = chars;
        expect(arguments.size() <= Math.max(limits.maxArrayElements(), limits.maxInlineBytes()),
                () -> arguments.size() + " arguments, over the limits " + limits);
        expect(totalChars <= Math.max(limits.maxRequestBytes(), limits.maxInlineBytes()),
                () -> totalChars + " chars of arguments, over the limits " + limits);
    }

    @Test
    void aLineConnectionAnswersEveryInputAsTheContractSays() {
        fuzzer = new Fuzzer("line connection");
        fuzzer.run(new Fuzzer.Target() {
            private ClientLimits limits;

            @Override
            public byte[] generate(SplittableRandom random) {
                limits = ClientConnectionCheck.randomLimits(random);
                return lineInput(random, limits);
            }

            @Override
            public void check(byte[] input, SplittableRandom random, Fuzzer.Tally tally) {
                ClientConnectionCheck connection = new ClientConnectionCheck(ClientConnectionCheck.Dialect.LINE,
                        limits, random);
                connection.run(input, tally, connection::install);
            }
        });
    }

    @Test
    void aRespConnectionAnswersEveryInputAsTheContractSays() {
        fuzzer = new Fuzzer("RESP connection");
        fuzzer.run(new Fuzzer.Target() {
            private ClientLimits limits;

            @Override
            public byte[] generate(SplittableRandom random) {
                limits = ClientConnectionCheck.randomLimits(random);
                return respInput(random);
            }

            @Override
            public void check(byte[] input, SplittableRandom random, Fuzzer.Tally tally) {
                ClientConnectionCheck connection = new ClientConnectionCheck(ClientConnectionCheck.Dialect.RESP,
                        limits, random);
                connection.run(input, tally, connection::install);
            }
        });
    }

    private static void expect(boolean condition, Supplier<String> failure) {
        if (!condition) {
            throw new AssertionError(failure.get());
        }
    }
}
