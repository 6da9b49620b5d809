package io.nodesync.transport.tcp.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.nodesync.LimitExceededException;
import io.nodesync.NodeClosedException;
import io.nodesync.OutcomeUnknownException;
import io.nodesync.QuorumNotReachedException;
import io.nodesync.transport.tcp.EmbeddedConnection;
import io.nodesync.transport.tcp.Fuzzer;
import io.nodesync.transport.tcp.Mutator;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Runs one input through a client connection of either dialect on an embedded channel, against a
 * {@link ScriptedNode} whose calls this check completes in random order with random outcomes (values, misses,
 * quorum failures, limit errors, ...) as the input arrives in random chunks; then checks what came back against a
 * model of the contract computed from the whole input:
 *
 * <ul>
 *   <li>one reply per complete command, in order, each of a shape the contract allows for that command (an error
 *       answered by the parser exactly as the parser words it); line replies end with {@code \n}, RESP replies
 *       parse as RESP2;
 *   <li>the connection closes exactly when the contract says (a line too long, a RESP protocol error, {@code QUIT},
 *       or the client half-closing), never through an exception;
 *   <li>the node sees exactly the store calls of the complete commands before any such close, with their keys and
 *       values, and none for input refused before a complete command;
 *   <li>every buffer is released, and nothing escapes the pipeline.
 * </ul>
 *
 * A client that hangs up part-way gets a prefix of those replies and causes a subset of those calls. One input per
 * instance.
 */
public final class ClientConnectionCheck {

    /** The two client dialects of the node's port. */
    public enum Dialect {
        LINE, RESP
    }

    /** The commands a connection frames from an input, and whether it must close after the last of them. */
    private record Model(List<Request> requests, List<List<String>> arguments, boolean closes) {
    }

    // DOTALL: a reply line may hold any character but LF (and CR), U+2028 and U+0085 included.
    private static final Pattern ERROR_LINE = Pattern.compile("ERROR .+", Pattern.DOTALL);
    private static final Pattern CONSISTENCY_LINE = Pattern.compile("CONSISTENCY (strong|eventual)");
    private static final Pattern STATUS_LINE = Pattern.compile("id=\\S+ role=\\S+ term=\\d+ leader=\\S+ commit=\\d+ "
            + "applied=\\d+ pending=\\d+ consistency=(strong|eventual) peers=\\S*( .*)?", Pattern.DOTALL);
    private static final String QUORUM_LINE = "FAIL: quorum not reached";

    /** Values the node hands back: with spaces, line breaks (which the line dialect must refuse to print), ... */
    private static final String[] STORED_VALUES = {"v", "", "hello world", "gr\u00fc\u00dfe \uD83D\uDE80",
        "two\nlines", "cr\rhere", "x".repeat(300), "lone \uD800 surrogate", "$5\r\n", "tab\tvalue"};
    private static final List<Supplier<Exception>> FAILURES = List.of(
            () -> new QuorumNotReachedException("no majority", false),
            () -> new QuorumNotReachedException("no majority within the timeout", true),
            () -> new OutcomeUnknownException("timed out"),
            () -> new LimitExceededException("value of 2000 bytes exceeds the limit of 1024 bytes"),
            () -> new NodeClosedException("node scripted is closed"),
            () -> new IllegalArgumentException("bad\r\nargument"),
            () -> new IllegalStateException("a failure the executor does not expect"));

    private final Dialect dialect;
    private final ClientLimits limits;
    private final SplittableRandom random;
    private final ScriptedNode node = new ScriptedNode();
    private final List<ScriptedNode.Call> notDone = new ArrayList<>();
    private int callsSeen;
    private Dialect installed;

    public ClientConnectionCheck(Dialect dialect, ClientLimits limits, SplittableRandom random) {
        this.dialect = dialect;
        this.limits = limits;
        this.random = random;
    }

    /**
     * Limits to fuzz with: mostly small ones, so that short inputs reach every bound, sometimes the defaults; a small
     * in-flight bound a third of the time, so that reading pauses and resumes.
     */
    public static ClientLimits randomLimits(SplittableRandom random) {
        ClientLimits limits = random.nextInt(4) == 0 ? ClientLimits.DEFAULT
                : new ClientLimits(8 + random.nextInt(120), 8 + random.nextInt(120), 1 + random.nextInt(64),
                        1 + random.nextInt(8), 1 + random.nextInt(128), 1024);
        return limits.withMaxInFlightPerConnection(random.nextInt(3) == 0 ? 1 + random.nextInt(4) : 1024);
    }

    /** Installs the dialect this check expects, as the node's router would. */
    public void install(ChannelPipeline pipeline) {
        install(dialect, pipeline);
    }

    /** Installs {@code asked} (what a router chose) and remembers it, so a wrong choice shows. */
    public void install(Dialect asked, ChannelPipeline pipeline) {
        installed = asked;
        if (asked == Dialect.LINE) {
            ClientProtocols.installLine(pipeline, node, limits);
        } else {
            ClientProtocols.installResp(pipeline, node, limits);
        }
    }

    /** The dialect installed on the connection, or null if none was. */
    public Dialect installed() {
        return installed;
    }

    /** Runs {@code input} through a connection whose pipeline {@code setup} builds, and checks it. */
    public void run(byte[] input, Fuzzer.Tally tally, Consumer<ChannelPipeline> setup) {
        Model model = dialect == Dialect.LINE ? lineModel(input, limits) : respModel(input, limits);
        EmbeddedConnection.Ending ending = EmbeddedConnection.Ending.random(random);
        int[] ends = Mutator.chunkEnds(input.length, random);
        int hangUpAfter = ends.length == 0 ? -1 : random.nextInt(ends.length);
        boolean hungUp = false;
        try (EmbeddedConnection connection = new EmbeddedConnection(setup)) {
            if (random.nextInt(8) == 0) {
                // A client slow to take replies: the channel turns unwritable after a few bytes.
                connection.channel().config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
            }
            int from = 0;
            for (int i = 0; i < ends.length && connection.receive(input, from, ends[i]); i++) {
                from = ends[i];
                completeSome();
                connection.settle();
                if (ending == EmbeddedConnection.Ending.HANGS_UP && i == hangUpAfter) {
                    connection.hangUp();
                    hungUp = true;
                    break;
                }
            }
            if (!hungUp && ending == EmbeddedConnection.Ending.HALF_CLOSES) {
                connection.halfClose();
            }
            completeAll();
            connection.settle();
            boolean open = connection.channel().isOpen();
            byte[] written = connection.written();
            int replies = dialect == Dialect.LINE ? checkLineReplies(written, model, tally)
                    : checkRespReplies(written, model, tally);
            if (hungUp) {
                expect(replies <= model.requests().size(), () -> replies + " replies to " + model.requests().size()
                        + " commands");
            } else {
                expect(replies == model.requests().size(), () -> replies + " replies to the " + model.requests().size()
                        + " commands " + model.requests());
                boolean closes = model.closes() || ending == EmbeddedConnection.Ending.HALF_CLOSES;
                expect(open == !closes, () -> "the connection is " + (open ? "open" : "closed") + " after commands "
                        + model.requests() + (ending == EmbeddedConnection.Ending.HALF_CLOSES
                                ? " and the client's half-close" : ""));
                if (model.closes()) {
                    tally.closed();
                }
            }
            checkStoreCalls(model, hungUp);
            connection.finishAndCheck();
        }
    }

    // ------------------------------------------------------------------------------------------ the scripted node

    /** Completes about half of the node's open calls, in random order. */
    private void completeSome() {
        List<ScriptedNode.Call> open = openCalls();
        for (ScriptedNode.Call call : open) {
            if (random.nextBoolean()) {
                complete(call);
            }
        }
    }

    /** Completes every call, including those that only start once earlier ones on their key are done. */
    private void completeAll() {
        for (List<ScriptedNode.Call> open = openCalls(); !open.isEmpty(); open = openCalls()) {
            open.forEach(this::complete);
        }
    }

    /** The node's calls not completed yet, in random order. */
    private List<ScriptedNode.Call> openCalls() {
        // Only calls made since the last look are new; those seen before stay in notDone until done. So a long chain
        // of commands on one key, which starts one call at a time, costs linear time, not quadratic.
        List<ScriptedNode.Call> calls = node.calls();
        notDone.addAll(calls.subList(callsSeen, calls.size()));
        callsSeen = calls.size();
        notDone.removeIf(call -> call.future().isDone());
        List<ScriptedNode.Call> open = new ArrayList<>(notDone);
        for (int i = open.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            ScriptedNode.Call swapped = open.get(i);
            open.set(i, open.get(j));
            open.set(j, swapped);
        }
        return open;
    }

    private void complete(ScriptedNode.Call call) {
        if (random.nextInt(6) == 0) {
            call.fail(FAILURES.get(random.nextInt(FAILURES.size())).get());
            return;
        }
        switch (call.op()) {
            case "get" -> call.complete(random.nextInt(3) == 0 ? Optional.empty()
                    : Optional.of(STORED_VALUES[random.nextInt(STORED_VALUES.length)]));
            case "delete", "cas" -> call.complete(random.nextBoolean());
            default -> call.complete(null);
        }
    }

    /** The node saw the store calls of the model's commands, no more (fewer if the client hung up). */
    private void checkStoreCalls(Model model, boolean hungUp) {
        List<String> expected = new ArrayList<>();
        for (Request request : model.requests()) {
            if (request instanceof Request.Get get) {
                expected.add(call("get", get.key(), null));
            } else if (request instanceof Request.Set set) {
                expected.add(call("put", set.key(), set.value()));
            } else if (request instanceof Request.Delete delete) {
                delete.keys().forEach(key -> expected.add(call("delete", key, null)));
            } else if (request instanceof Request.CompareAndSet cas) {
                expected.add(call("cas", cas.key(), cas.expected() + "->" + cas.newValue()));
            } else if (request instanceof Request.SetConsistency switchTo) {
                expected.add(call("consistency", null, switchTo.policy().wireName()));
            }
        }
        List<String> actual = new ArrayList<>();
        node.calls().forEach(c -> actual.add(call(c.op(), c.key(), c.value())));
        Map<String, Integer> missing = new HashMap<>();
        expected.forEach(call -> missing.merge(call, 1, Integer::sum));
        for (String made : actual) {
            expect(missing.merge(made, -1, Integer::sum) >= 0, () -> "the node saw a call the input does not ask "
                    + "for: " + made + " (calls " + actual + ", commands " + model.requests() + ")");
        }
        missing.values().removeIf(count -> count == 0);
        expect(hungUp || missing.isEmpty(), () -> "the node never saw " + missing);
    }

    private static String call(String op, String key, String value) {
        return op + "(" + key + (value == null ? "" : ", " + value) + ")";
    }

    // ------------------------------------------------------------------------------------------ models

    /**
     * The line dialect's framing as the contract states it: lines ended by LF, one CR before it dropped, a line
     * over the limit answered {@code ERROR line too long} and the connection closed, also as soon as that many
     * bytes came without a line end.
     */
    private static Model lineModel(byte[] input, ClientLimits limits) {
        List<Request> requests = new ArrayList<>();
        int max = limits.maxLineBytes();
        ByteBuf text = Unpooled.wrappedBuffer(input);
        int start = 0;
        while (start < input.length) {
            int end = (int) Math.min(input.length, start + max + 2L);
            int newline = -1;
            for (int i = start; i < end; i++) {
                if (input[i] == '\n') {
                    newline = i;
                    break;
                }
            }
            if (newline < 0 && end - start < max + 2L) {
                break; // the rest is an unfinished line
            }
            int content = newline < 0 ? Integer.MAX_VALUE
                    : newline - start - (newline > start && input[newline - 1] == '\r' ? 1 : 0);
            if (content > max) {
                requests.add(new Request.Answered(Reply.error("line too long (the limit is " + max + " bytes)")));
                return new Model(requests, null, true);
            }
            requests.add(LineCommandParser.parse(text.toString(start, content, StandardCharsets.UTF_8)));
            start = newline + 1;
        }
        return new Model(requests, null, false);
    }

    /** The RESP framing of the whole input read at once, up to a protocol error or {@code QUIT}. */
    private static Model respModel(byte[] input, ClientLimits limits) {
        List<Request> requests = new ArrayList<>();
        List<List<String>> arguments = new ArrayList<>();
        RespRequestReader reader = new RespRequestReader(limits);
        RespCommands commands = new RespCommands(new ScriptedNode());
        ByteBuf in = Unpooled.wrappedBuffer(input);
        for (Object read = reader.read(in); read != null; read = reader.read(in)) {
            if (read instanceof RespRequestReader.ProtocolError error) {
                requests.add(new Request.Answered(Reply.error(error.message())));
                arguments.add(List.of());
                return new Model(requests, arguments, true);
            }
            @SuppressWarnings("unchecked")
            List<String> command = (List<String>) read;
            requests.add(commands.parse(command));
            arguments.add(command);
            if (RespCommands.isQuit(command)) {
                return new Model(requests, arguments, true);
            }
        }
        return new Model(requests, arguments, false);
    }

    // ------------------------------------------------------------------------------------------ replies

    /** Checks the line replies against the model, in order; returns how many there are. */
    private static int checkLineReplies(byte[] written, Model model, Fuzzer.Tally tally) {
        String text = strictUtf8(written);
        expect(text.isEmpty() || text.endsWith("\n"), () -> "a line reply without its \\n: " + text);
        String[] lines = text.isEmpty() ? new String[0] : text.substring(0, text.length() - 1).split("\n", -1);
        for (int i = 0; i < lines.length && i < model.requests().size(); i++) {
            Request request = model.requests().get(i);
            String line = lines[i];
            int index = i;
            expect(lineReplyFits(request, line), () -> "reply " + index + " '" + line + "' does not answer " + request);
            if (line.startsWith("ERROR") || line.startsWith("FAIL")) {
                tally.errorReplies(1);
            }
        }
        return lines.length;
    }

    private static boolean lineReplyFits(Request request, String line) {
        if (line.indexOf('\r') >= 0) {
            return false;
        }
        if (request instanceof Request.Answered answered) {
            // As UTF-8 carries it: an echo cut inside a surrogate pair ends in '?' on the wire.
            String expected = answered.reply().line();
            return line.equals(new String(expected.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
        }
        boolean failed = line.equals(QUORUM_LINE) || ERROR_LINE.matcher(line).matches();
        if (request instanceof Request.Ping) {
            return line.equals("PONG");
        } else if (request instanceof Request.Get) {
            return line.startsWith("VALUE ") || line.equals("NOT_FOUND") || failed;
        } else if (request instanceof Request.Set || request instanceof Request.SetConsistency) {
            return line.equals("OK") || failed;
        } else if (request instanceof Request.Delete) {
            return line.equals("OK") || line.equals("NOT_FOUND") || failed;
        } else if (request instanceof Request.CompareAndSet) {
            return line.equals("OK") || line.equals("FAIL: mismatch") || failed;
        } else if (request instanceof Request.GetConsistency) {
            return CONSISTENCY_LINE.matcher(line).matches();
        } else if (request instanceof Request.Status) {
            return STATUS_LINE.matcher(line).matches();
        }
        throw new AssertionError("the line dialect parsed a request it has no command for: " + request);
    }

    /** Checks the RESP replies against the model, in order; returns how many there are. */
    private static int checkRespReplies(byte[] written, Model model, Fuzzer.Tally tally) {
        List<RespReplies.Value> replies = RespReplies.parseAll(written);
        for (int i = 0; i < replies.size() && i < model.requests().size(); i++) {
            RespReplies.Value reply = replies.get(i);
            Request request = model.requests().get(i);
            int index = i;
            expect(respReplyFits(request, model.arguments().get(i), reply), () -> "reply " + index + " "
                    + new String(reply.raw(), StandardCharsets.UTF_8) + " does not answer " + request);
            if (reply.isError()) {
                tally.errorReplies(1);
            }
        }
        return replies.size();
    }

    private static boolean respReplyFits(Request request, List<String> arguments, RespReplies.Value reply) {
        if (request instanceof Request.Answered answered) {
            ByteBuf rendered = Unpooled.buffer();
            try {
                answered.reply().writeResp(rendered);
                byte[] expected = new byte[rendered.readableBytes()];
                rendered.readBytes(expected);
                // CLIENT, HELLO and INFO answers carry the connection's id or the node's state of the moment.
                String name = arguments.isEmpty() ? "" : arguments.get(0).toLowerCase(Locale.ROOT);
                boolean stateful = name.equals("client") || name.equals("hello") || name.equals("info");
                return stateful && !answered.reply().getClass().equals(Reply.Error.class)
                        ? reply.type() == expected[0] : Arrays.equals(reply.raw(), expected);
            } finally {
                rendered.release();
            }
        }
        boolean failed = reply.isError();
        if (request instanceof Request.Ping ping) {
            return ping.message() == null ? reply.isSimple("PONG")
                    : reply.type() == '$' && ping.message().equals(reply.text());
        } else if (request instanceof Request.Get) {
            return reply.type() == '$' || failed;
        } else if (request instanceof Request.Set || request instanceof Request.SetConsistency) {
            return reply.isSimple("OK") || failed;
        } else if (request instanceof Request.Delete delete) {
            return reply.isInteger(0, delete.keys().size()) || failed;
        } else if (request instanceof Request.CompareAndSet) {
            return reply.isInteger(0, 1) || failed;
        } else if (request instanceof Request.GetConsistency) {
            return reply.isSimple("strong") || reply.isSimple("eventual");
        } else if (request instanceof Request.Status) {
            return reply.type() == '$' && reply.text() != null && STATUS_LINE.matcher(reply.text()).matches();
        }
        throw new AssertionError("RESP parsed a request it has no command for: " + request);
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("line replies that are not valid UTF-8: " + Fuzzer.escape(bytes, 500), e);
        }
    }

    private static void expect(boolean condition, Supplier<String> failure) {
        if (!condition) {
            throw new AssertionError(failure.get());
        }
    }
}
