package io.nodesync.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.nodesync.NodeId;
import io.nodesync.Transport;
import io.nodesync.protocol.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Transport} promises the node loop, as one suite that each implementation runs by extending it:
 * the in-memory transport here, the TCP transport in its own module (through this module's test jar).
 *
 * <p>A subclass creates transports for a few node ids that can all reach each other, plus one peer id that the
 * transports know of but that never answers. The suite starts them, and closes every one after each test, even on
 * failure. Waits are bounded Awaitility conditions, never sleeps.
 */
public abstract class TransportContract {

    /** The bound on any wait for delivery; generous, it only matters when something is broken. */
    protected static final Duration WAIT = Duration.ofSeconds(20);

    protected static final NodeId A = NodeId.of("a");
    protected static final NodeId B = NodeId.of("b");
    protected static final NodeId C = NodeId.of("c");
    /** A peer the transports are told about but that never answers. */
    protected static final NodeId UNREACHABLE = NodeId.of("unreachable");
    /** A node no transport has heard of. */
    protected static final NodeId UNKNOWN = NodeId.of("unknown");

    /** What one node's inbound handler received, in order. */
    protected record Received(NodeId from, Message message) {
    }

    private final List<Transport> created = new ArrayList<>();
    private final Map<NodeId, List<Received>> inboxes = new ConcurrentHashMap<>();

    /**
     * Creates one transport per id in {@code ids}, not yet started, each able to reach every other one, and each
     * configured so that {@code unreachable} is a peer it knows but cannot reach.
     */
    protected abstract Map<NodeId, Transport> createTransports(List<NodeId> ids, NodeId unreachable)
            throws Exception;

    /** Releases anything {@link #createTransports} set up besides the transports. Called after they are closed. */
    protected void releaseFixture() throws Exception {
    }

    /** Creates and starts transports for {@code ids}, recording what each receives. */
    protected final Map<NodeId, Transport> started(NodeId... ids) throws Exception {
        Map<NodeId, Transport> transports = createTransports(Arrays.asList(ids), UNREACHABLE);
        created.addAll(transports.values());
        for (NodeId id : ids) {
            List<Received> inbox = new CopyOnWriteArrayList<>();
            inboxes.put(id, inbox);
            transports.get(id).start(id, (from, message) -> inbox.add(new Received(from, message)));
        }
        return transports;
    }

    /** What {@code id}'s handler has received so far. */
    protected final List<Received> inbox(NodeId id) {
        return inboxes.get(id);
    }

    protected static ConditionFactory eventually() {
        return Awaitility.await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }

    @AfterEach
    final void closeEverything() throws Exception {
        try {
            for (Transport transport : created) {
                transport.close();
            }
        } finally {
            releaseFixture();
        }
    }

    @Test
    void samplesCoverEveryMessageType() {
        // The delivery test below is only as complete as the samples: a new message type must get one.
        assertThat(ProtocolSamples.everyMessageType().stream().map(Object::getClass).distinct())
                .containsExactlyInAnyOrder(Message.class.getPermittedSubclasses());
    }

    @Test
    void everyMessageTypeArrivesIntactWithItsSender() throws Exception {
        Map<NodeId, Transport> transports = started(A, B);
        List<Message> samples = ProtocolSamples.everyMessageType();

        samples.forEach(message -> transports.get(A).send(B, message));
        samples.forEach(message -> transports.get(B).send(A, message));

        eventually().alias("B received every sample").until(() -> inbox(B).size() >= samples.size());
        eventually().alias("A received every sample").until(() -> inbox(A).size() >= samples.size());
        assertThat(inbox(B)).extracting(Received::from).containsOnly(A);
        assertThat(inbox(B)).extracting(Received::message).containsExactlyInAnyOrderElementsOf(samples);
        assertThat(inbox(A)).extracting(Received::from).containsOnly(B);
        assertThat(inbox(A)).extracting(Received::message).containsExactlyInAnyOrderElementsOf(samples);
    }

    @Test
    void manyMessagesOnAHealthyLinkArriveInOrder() throws Exception {
        Map<NodeId, Transport> transports = started(A, B, C);
        int count = 10_000;
        List<Message> sentToB = new ArrayList<>();
        List<Message> sentToC = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Message toB = new Message.Heartbeat(1, i, i);
            Message toC = new Message.HeartbeatResponse(2, i);
            sentToB.add(toB);
            sentToC.add(toC);
            transports.get(A).send(B, toB);
            transports.get(A).send(C, toC);
        }

        eventually().alias("B received all").until(() -> inbox(B).size() >= count);
        eventually().alias("C received all").until(() -> inbox(C).size() >= count);
        assertThat(inbox(B)).extracting(Received::message).containsExactlyElementsOf(sentToB);
        assertThat(inbox(C)).extracting(Received::message).containsExactlyElementsOf(sentToC);
    }

    @Test
    void sendingToAnUnknownOrUnreachablePeerNeitherBlocksNorThrows() throws Exception {
        Map<NodeId, Transport> transports = started(A, B);
        Transport a = transports.get(A);

        // On another thread, so that a send that blocked would fail the bounded get() instead of hanging the build.
        CompletableFuture<Void> sends = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 1_000; i++) {
                a.send(UNKNOWN, new Message.TimeoutNow(i));
                a.send(UNREACHABLE, new Message.TimeoutNow(i));
            }
        });
        assertThatCode(() -> sends.get(10, TimeUnit.SECONDS)).doesNotThrowAnyException();

        Message afterwards = new Message.Ping(1, 2);
        a.send(B, afterwards);
        eventually().alias("the healthy link still works").until(() -> inbox(B).stream()
                .anyMatch(received -> received.message().equals(afterwards)));
    }

    @Test
    void closeIsIdempotentAndStopsDelivery() throws Exception {
        Map<NodeId, Transport> transports = started(A, B, C);
        transports.get(A).send(B, new Message.TimeoutNow(1));
        eventually().alias("B received the first message").until(() -> !inbox(B).isEmpty());

        transports.get(B).close();
        assertThatCode(transports.get(B)::close).doesNotThrowAnyException();
        int receivedByB = inbox(B).size();

        for (int i = 0; i < 100; i++) {
            transports.get(A).send(B, new Message.TimeoutNow(100 + i));
        }
        // A marker on a live link, sent after the messages to B: once it is in, those had their chance to arrive.
        Message marker = new Message.TimeoutNow(999);
        transports.get(A).send(C, marker);
        eventually().alias("C received the marker").until(() -> inbox(C).contains(new Received(A, marker)));
        assertThat(inbox(B)).as("what B received after its close()").hasSize(receivedByB);
    }

    @Test
    void sendAfterCloseDoesNotThrowAndSendsNothing() throws Exception {
        Map<NodeId, Transport> transports = started(A, B, C);
        Transport a = transports.get(A);
        a.close();

        assertThatCode(() -> {
            a.send(B, new Message.TimeoutNow(1));
            a.send(UNKNOWN, new Message.TimeoutNow(2));
            a.close();
        }).doesNotThrowAnyException();

        Message marker = new Message.TimeoutNow(3);
        transports.get(C).send(B, marker);
        eventually().alias("B received the marker").until(() -> inbox(B).contains(new Received(C, marker)));
        assertThat(inbox(B)).as("what B received").containsExactly(new Received(C, marker));
    }
}
