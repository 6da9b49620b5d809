package io.nodesync.transport.tcp;

import static io.nodesync.transport.tcp.TcpTesting.LOOPBACK;
import static io.nodesync.transport.tcp.TcpTesting.eventually;
import static io.nodesync.transport.tcp.TcpTesting.readUntilClosedByServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Message;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What only the TCP transport has to get right: restarts, backpressure, hostile input, many connections, binding. */
class TcpTransportTest {

    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");

    /** Everything a test opens, closed after it in reverse order, even when it fails. */
    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();

    private <T extends AutoCloseable> T closeLater(T resource) {
        toClose.push(resource);
        return resource;
    }

    @AfterEach
    void closeEverything() throws Exception {
        Exception failure = null;
        while (!toClose.isEmpty()) {
            try {
                toClose.pop().close();
            } catch (Exception e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private TcpTransport started(TcpTransport.Builder builder, TcpTesting.Inbox inbox) throws IOException {
        TcpTransport transport = closeLater(builder.bind());
        transport.start(transport.self(), inbox);
        return transport;
    }

    /** Two started transports, A knowing B's address; B's inbox is returned through {@code bInbox}. */
    private TcpTransport[] linkedPair(TcpTesting.Inbox bInbox, TcpTransport.Builder bBuilder) throws IOException {
        TcpTransport b = started(bBuilder, bInbox);
        TcpTransport a = started(TcpTesting.transport(A).peer(B, b.localAddress()), new TcpTesting.Inbox());
        return new TcpTransport[] {a, b};
    }

    private static void awaitDelivery(TcpTransport from, NodeId to, TcpTesting.Inbox inbox, Message message) {
        from.send(to, message);
        eventually().alias(to + " received " + message).until(() -> inbox.contains(from.self(), message));
    }

    @Test
    void trafficResumesAfterThePeerRestartsOnTheSamePort() throws Exception {
        TcpTesting.Inbox firstInbox = new TcpTesting.Inbox();
        TcpTransport[] pair = linkedPair(firstInbox, TcpTesting.transport(B));
        TcpTransport a = pair[0];
        TcpTransport firstB = pair[1];
        awaitDelivery(a, B, firstInbox, new Message.TimeoutNow(1));
        InetSocketAddress port = firstB.localAddress();

        firstB.close();
        TcpTesting.Inbox secondInbox = new TcpTesting.Inbox();
        started(TcpTesting.transport(B).listen(port), secondInbox);

        // A keeps talking, as a node loop does every heartbeat; once its backoff allows, it reconnects.
        Message afterRestart = new Message.TimeoutNow(2);
        eventually().alias("the restarted B hears from A").until(() -> {
            a.send(B, afterRestart);
            return secondInbox.contains(A, afterRestart);
        });
        assertThat(a.counters().reconnects()).isGreaterThanOrEqualTo(1);
        assertThat(firstInbox.received).extracting(TcpTesting.Inbox.Received::message)
                .doesNotContain(afterRestart);
    }

    @Test
    void sendNeverBlocksAndDropsEverythingWhileThePeerIsDown() throws Exception {
        TcpTransport a = started(TcpTesting.transport(A).peer(B, TcpTesting.deadAddress()), new TcpTesting.Inbox());
        int count = 100_000;

        CompletableFuture<Void> sends = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < count; i++) {
                a.send(B, new Message.Heartbeat(1, i, i));
            }
        });

        assertThatCode(() -> sends.get(20, TimeUnit.SECONDS)).as("100,000 sends to a dead peer return")
                .doesNotThrowAnyException();
        // The few frames queued during the first connection attempt are dropped when it fails.
        eventually().alias("every message counted as dropped").until(() -> a.counters().dropped() == count);
        assertThat(a.counters().sent()).isZero();
    }

    @Test
    void aPeerThatStopsReadingCostsBoundedMemoryAndDropsTheRest() throws Exception {
        // A "peer" that accepts the connection and then never reads: the kernel buffers fill, then ours.
        ServerSocket stalled = closeLater(new ServerSocket(0, 1, LOOPBACK));
        List<Socket> accepted = new ArrayList<>();
        int maxFrame = 16 * 1024;
        TcpTransport a = started(TcpTesting.transport(A)
                .peer(B, new InetSocketAddress(LOOPBACK, stalled.getLocalPort()))
                .maxFrameBytes(maxFrame)
                .maxQueuedBytesPerPeer(64 * 1024), new TcpTesting.Inbox());
        Message big = new Message.ForwardCommands(List.of(new ClientCommand(ClientCommand.Kind.PUT, true, A, 1, 1,
                "k", "v".repeat(8 * 1024), null, 1, A)));
        int count = 20_000; // about 160 MiB in all: far more than any buffer on the way may hold

        try {
            CompletableFuture<Void> sends = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < count; i++) {
                    a.send(B, big);
                }
            });
            accepted.add(stalled.accept());
            assertThatCode(() -> sends.get(20, TimeUnit.SECONDS)).as("sends to a stalled peer return")
                    .doesNotThrowAnyException();

            eventually().alias("every message sent or dropped")
                    .until(() -> a.counters().sent() + a.counters().dropped() == count);
            TcpTransport.Counters counters = a.counters();
            assertThat(counters.dropped()).as("dropped").isGreaterThan(count / 2);
            // What was "sent" sits in socket buffers: kernel buffers plus at most about twice our bound.
            assertThat(counters.sent() * 8 * 1024).as("bytes handed to the socket").isLessThan(32L * 1024 * 1024);
        } finally {
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }

    static Stream<Arguments> hostileInputs() throws WireFormatException {
        byte[] handshake = WireCodec.encodeHandshake(A, B);
        byte[] validFrame = toArray(new WireCodec().encodeFrame(new Message.Ping(1, 1)));
        byte[] garbage = new byte[512];
        new Random(7).nextBytes(garbage);
        return Stream.of(
                Arguments.of(Named.of("an unsupported version", new byte[] {WireCodec.MAGIC, 2, 0, 1, 'a'}), false),
                Arguments.of(Named.of("a handshake meant for another node",
                        WireCodec.encodeHandshake(A, NodeId.of("someone-else"))), false),
                Arguments.of(Named.of("an oversized frame length, sent without its body",
                        concat(handshake, new byte[] {0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF})), false),
                Arguments.of(Named.of("an unknown message type", concat(handshake, new byte[] {0, 0, 0, 1, 99})),
                        false),
                Arguments.of(Named.of("a frame with trailing garbage", concat(handshake, trailing(validFrame))),
                        false),
                // Whether the garbage fails at once or reads as the start of a long frame, the end of stream settles it.
                Arguments.of(Named.of("random bytes after a valid handshake", concat(handshake, garbage)), true),
                Arguments.of(Named.of("a truncated frame, then end of stream",
                        concat(handshake, new byte[] {0, 0, 0, 100, 5, 0, 0, 0})), true),
                Arguments.of(Named.of("a truncated handshake, then end of stream", new byte[] {WireCodec.MAGIC, 1, 0}),
                        true));
    }

    private static byte[] toArray(ByteBuffer buffer) {
        byte[] array = new byte[buffer.remaining()];
        buffer.get(array);
        return array;
    }

    private static byte[] trailing(byte[] frame) {
        byte[] longer = Arrays.copyOf(frame, frame.length + 2);
        ByteBuffer.wrap(longer).putInt(frame.length + 2 - 4); // a length that includes two extra bytes
        return longer;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileInputs")
    void hostileInputClosesThatConnectionAndTheNodeKeepsServingPeers(byte[] input, boolean thenEndOfStream)
            throws Exception {
        TcpTesting.Inbox bInbox = new TcpTesting.Inbox();
        TcpTransport[] pair = linkedPair(bInbox, TcpTesting.transport(B));
        TcpTransport a = pair[0];
        TcpTransport b = pair[1];
        awaitDelivery(a, B, bInbox, new Message.TimeoutNow(1));
        long rejectedBefore = b.counters().rejectedConnections();

        try (Socket hostile = new Socket(LOOPBACK, b.localAddress().getPort())) {
            hostile.getOutputStream().write(input);
            hostile.getOutputStream().flush();
            if (thenEndOfStream) {
                hostile.shutdownOutput();
            }
            readUntilClosedByServer(hostile);
        }

        eventually().alias("the rejection is counted")
                .until(() -> b.counters().rejectedConnections() == rejectedBefore + 1);
        assertThat(bInbox.received).as("only A's real message got through").hasSize(1);
        awaitDelivery(a, B, bInbox, new Message.TimeoutNow(2));
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAfterTheIdleTimeout() throws Exception {
        TcpTransport b = started(TcpTesting.transport(B).idleTimeout(Duration.ofMillis(200)), new TcpTesting.Inbox());

        try (Socket silent = new Socket(LOOPBACK, b.localAddress().getPort())) {
            long start = System.nanoTime();
            readUntilClosedByServer(silent);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("time until closed")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(150));
        }
        eventually().alias("the idle close is counted").until(() -> b.counters().rejectedConnections() == 1);
    }

    @Test
    void thousandsOfConnectionsOpenedAndDroppedLeaveTheNodeWorking() throws Exception {
        TcpTesting.Inbox bInbox = new TcpTesting.Inbox();
        TcpTransport[] pair = linkedPair(bInbox, TcpTesting.transport(B));
        TcpTransport a = pair[0];
        TcpTransport b = pair[1];
        awaitDelivery(a, B, bInbox, new Message.TimeoutNow(1));
        long openFilesBefore = openFileDescriptors();

        byte[][] openings = {new byte[0], new byte[] {WireCodec.MAGIC}, WireCodec.encodeHandshake(A, B)};
        for (int i = 0; i < 2_000; i++) {
            try (Socket socket = new Socket(LOOPBACK, b.localAddress().getPort())) {
                OutputStream out = socket.getOutputStream();
                out.write(openings[i % openings.length]);
                out.flush();
            }
        }

        awaitDelivery(a, B, bInbox, new Message.TimeoutNow(2));
        assertThat(bInbox.received).hasSize(2);
        if (openFilesBefore >= 0) {
            // Every accepted socket is closed again once its client has gone: no descriptor leak.
            eventually().alias("open file descriptors back near " + openFilesBefore)
                    .until(() -> openFileDescriptors() <= openFilesBefore + 20);
        }
    }

    /** The process's open file descriptors (Linux), or -1 where /proc is not there. */
    private static long openFileDescriptors() throws IOException {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return -1;
        }
        try (Stream<Path> list = Files.list(fds)) {
            return list.count();
        }
    }

    @Test
    void outgoingConnectionsComeFromTheBindAddressAndStartWithTheHandshake() throws Exception {
        ServerSocket peer = closeLater(new ServerSocket(0, 1, LOOPBACK));
        InetAddress bindAddress = InetAddress.getByName("127.0.0.1");
        TcpTransport a = started(TcpTesting.transport(A)
                .peer(B, new InetSocketAddress(LOOPBACK, peer.getLocalPort()))
                .outgoingBindAddress(bindAddress), new TcpTesting.Inbox());
        Message message = new Message.Heartbeat(3, 2, 1);

        a.send(B, message);

        peer.setSoTimeout((int) TcpTesting.WAIT.toMillis());
        try (Socket connection = peer.accept()) {
            connection.setSoTimeout((int) TcpTesting.WAIT.toMillis());
            assertThat(connection.getInetAddress()).isEqualTo(bindAddress);
            DataInputStream in = new DataInputStream(connection.getInputStream());
            byte[] handshake = new byte[WireCodec.encodeHandshake(A, B).length];
            in.readFully(handshake);
            assertThat(handshake).isEqualTo(WireCodec.encodeHandshake(A, B));
            int length = in.readInt();
            byte[] frame = new byte[length];
            in.readFully(frame);
            assertThat(WireCodec.decodeMessage(ByteBuffer.wrap(frame))).isEqualTo(message);
        }
    }

    @Test
    void anOutgoingBindAddressThatIsNotLocalFailsTheConnectionNotTheSender() throws Exception {
        // 192.0.2.1 (TEST-NET-1) is on no interface here, so binding to it fails locally: nothing leaves the host.
        // That the connection fails proves the bind address is applied at all.
        Path nonLocalBind = Path.of("/proc/sys/net/ipv4/ip_nonlocal_bind");
        Assumptions.assumeTrue(Files.isReadable(nonLocalBind) && Files.readString(nonLocalBind).trim().equals("0"),
                "binding to a foreign address must be refused by the OS (Linux, ip_nonlocal_bind = 0)");
        TcpTesting.Inbox bInbox = new TcpTesting.Inbox();
        TcpTransport b = started(TcpTesting.transport(B), bInbox);
        TcpTransport a = started(TcpTesting.transport(A).peer(B, b.localAddress())
                .outgoingBindAddress(InetAddress.getByName("192.0.2.1")), new TcpTesting.Inbox());

        assertThatCode(() -> a.send(B, new Message.TimeoutNow(1))).doesNotThrowAnyException();

        eventually().alias("the message is dropped").until(() -> a.counters().dropped() == 1);
        assertThat(bInbox.received).isEmpty();
    }

    @Test
    void aPeerAddressCanChangeWhileRunning() throws Exception {
        TcpTesting.Inbox firstInbox = new TcpTesting.Inbox();
        TcpTransport[] pair = linkedPair(firstInbox, TcpTesting.transport(B));
        TcpTransport a = pair[0];
        awaitDelivery(a, B, firstInbox, new Message.TimeoutNow(1));
        TcpTesting.Inbox movedInbox = new TcpTesting.Inbox();
        TcpTransport moved = started(TcpTesting.transport(B), movedInbox);

        a.setPeerAddress(B, moved.localAddress());

        Message afterMove = new Message.TimeoutNow(2);
        eventually().alias("B at its new address hears from A").until(() -> {
            a.send(B, afterMove);
            return movedInbox.contains(A, afterMove);
        });
    }

    @Test
    void closeReleasesThePortAndEveryThread() throws Exception {
        TcpTesting.Inbox bInbox = new TcpTesting.Inbox();
        TcpTransport[] pair = linkedPair(bInbox, TcpTesting.transport(B).ioThreads(3));
        TcpTransport a = pair[0];
        TcpTransport b = pair[1];
        awaitDelivery(a, B, bInbox, new Message.TimeoutNow(1));
        assertThat(transportThreads(B)).isNotEmpty();

        b.close();

        assertThat(transportThreads(B)).as("threads of B alive after close()").isEmpty();
        try (ServerSocket rebound = new ServerSocket()) {
            rebound.setReuseAddress(true);
            assertThatCode(() -> rebound.bind(b.localAddress())).as("B's port is free again")
                    .doesNotThrowAnyException();
        }
    }

    private static List<Thread> transportThreads(NodeId id) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("nodesync-tcp-" + id + "-") && thread.isAlive())
                .toList();
    }

    @Test
    void aPortInUseFailsBindWithAnIOExceptionAndLeavesNoThreads() throws Exception {
        ServerSocket taken = closeLater(new ServerSocket(0, 1, LOOPBACK));
        NodeId id = NodeId.of("port-in-use");

        assertThatThrownBy(() -> TcpTesting.transport(id)
                .listen(new InetSocketAddress(LOOPBACK, taken.getLocalPort())).bind())
                .isInstanceOf(IOException.class).hasMessageContaining("cannot listen on");
        assertThat(transportThreads(id)).isEmpty();
    }

    @Test
    void aMessageOverTheFrameLimitIsDroppedAndTheLinkKeepsWorking() throws Exception {
        TcpTesting.Inbox bInbox = new TcpTesting.Inbox();
        TcpTransport b = started(TcpTesting.transport(B).maxFrameBytes(1024).maxQueuedBytesPerPeer(4096), bInbox);
        TcpTransport a = started(TcpTesting.transport(A).peer(B, b.localAddress()).maxFrameBytes(1024)
                .maxQueuedBytesPerPeer(4096), new TcpTesting.Inbox());
        Message tooBig = new Message.ForwardCommands(List.of(new ClientCommand(ClientCommand.Kind.PUT, true, A, 1, 1,
                "k", "v".repeat(2048), null, 1, A)));

        a.send(B, tooBig);

        assertThat(a.counters().dropped()).isEqualTo(1);
        awaitDelivery(a, B, bInbox, new Message.TimeoutNow(1));
        assertThat(bInbox.received).hasSize(1);
    }

    @Test
    void startingTwiceOrAsAnotherNodeIsRefused() throws Exception {
        TcpTransport a = closeLater(TcpTesting.transport(A).bind());

        assertThatThrownBy(() -> a.start(B, (from, message) -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("started as node b");
        a.start(A, (from, message) -> { });
        assertThatThrownBy(() -> a.start(A, (from, message) -> { })).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theBuilderRefusesInconsistentSettings() {
        assertThatThrownBy(() -> TcpTransport.builder(A).peer(A, new InetSocketAddress(LOOPBACK, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("itself");
        assertThatThrownBy(() -> TcpTransport.builder(A).reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TcpTransport.builder(A).idleTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TcpTransport.builder(A).maxFrameBytes(1 << 20).maxQueuedBytesPerPeer(1 << 10).bind())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("at least one largest frame");
    }
}
