package io.nodesync.transport.tcp;

import io.netty.channel.ChannelPipeline;
import io.nodesync.NodeId;
import io.nodesync.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs inputs through an inbound peer connection's pipeline on an embedded channel, in random chunks, and checks
 * it against the codec's reading of the whole input ({@link PeerStreams#read}): it delivers exactly the messages of
 * the complete frames, with the handshake's sender; it closes the connection when (and only when) the input is
 * refused, through the transport's refusal (counted), never through an exception; it writes nothing; it releases
 * every buffer. Uses the given transport, which it starts to record deliveries. One input at a time.
 */
final class PeerConnectionCheck {

    private record Delivery(NodeId from, Message message) {
    }

    private final TcpTransport transport;
    private final List<Delivery> delivered = new ArrayList<>();

    PeerConnectionCheck(TcpTransport transport) {
        this.transport = transport;
        transport.start(transport.self(), (from, message) -> delivered.add(new Delivery(from, message)));
    }

    /**
     * Feeds {@code input} to a connection whose pipeline {@code setup} builds, and checks it.
     *
     * @param intact whether {@code input} is a valid stream to this node left unchanged, which must be accepted whole
     */
    void run(byte[] input, boolean intact, SplittableRandom random, Fuzzer.Tally tally,
            Consumer<ChannelPipeline> setup) {
        delivered.clear();
        PeerStreams.Reading expected = PeerStreams.read(input, transport.codec(), transport.self());
        if (intact && (expected.refusal() != null || expected.leftover() != 0)) {
            throw new AssertionError("a valid stream was not read whole: " + expected);
        }
        TcpTransport.Counters before = transport.counters();
        EmbeddedConnection.Ending ending = EmbeddedConnection.Ending.random(random);
        int[] ends = Mutator.chunkEnds(input.length, random);
        int hangUpAfter = ends.length == 0 ? -1 : random.nextInt(ends.length);
        boolean hungUp = false;
        try (EmbeddedConnection connection = new EmbeddedConnection(setup)) {
            int from = 0;
            for (int i = 0; i < ends.length && connection.receive(input, from, ends[i]); i++) {
                from = ends[i];
                if (ending == EmbeddedConnection.Ending.HANGS_UP && i == hangUpAfter) {
                    connection.hangUp();
                    hungUp = true;
                    break;
                }
            }
            List<Message> messages = delivered.stream().map(Delivery::message).toList();
            if (hungUp) {
                expect(messages.size() <= expected.messages().size()
                        && expected.messages().subList(0, messages.size()).equals(messages),
                        () -> "delivered " + messages + ", not a prefix of " + expected.messages());
            } else {
                expect(messages.equals(expected.messages()), () -> "delivered " + messages + ", expected "
                        + expected.messages());
                boolean refused = expected.refusal() != null;
                expect(connection.channel().isOpen() == !refused, () -> (refused ? "kept open" : "closed")
                        + " a connection the codec reads as " + expected);
                expect(transport.counters().rejectedConnections() - before.rejectedConnections() == (refused ? 1 : 0),
                        () -> "the connection was not closed through a counted refusal (an exception closed it?)");
            }
            for (Delivery delivery : delivered) {
                expect(delivery.from().equals(expected.handshake().sender()), () -> "a message delivered as sent by "
                        + delivery.from() + " on a connection from " + expected.handshake().sender());
            }
            expect(transport.counters().received() - before.received() == delivered.size(),
                    () -> "the received counter disagrees with the deliveries");
            if (!hungUp && ending == EmbeddedConnection.Ending.HALF_CLOSES) {
                connection.halfClose();
                expect(!connection.channel().isOpen(), () -> "a peer connection stayed open after its input ended");
            }
            connection.finishAndCheck();
            long refusals = transport.counters().rejectedConnections() - before.rejectedConnections();
            if (!hungUp) {
                // Closing a connection that ends inside a handshake or frame is a refusal too.
                boolean shouldRefuse = expected.refusal() != null || expected.leftover() > 0;
                expect(refusals == (shouldRefuse ? 1 : 0), () -> refusals + " refusals counted for " + expected);
            }
            expect(connection.written().length == 0, () -> "the peer decoder wrote to its peer");
            if (refusals > 0) {
                tally.errorReplies(refusals);
                tally.closed();
            }
        }
    }

    private static void expect(boolean condition, Supplier<String> failure) {
        if (!condition) {
            throw new AssertionError(failure.get());
        }
    }
}
