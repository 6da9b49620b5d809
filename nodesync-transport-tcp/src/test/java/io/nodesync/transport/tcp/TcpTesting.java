package io.nodesync.transport.tcp;

import static org.assertj.core.api.Assertions.fail;

import io.nodesync.NodeId;
import io.nodesync.Transport;
import io.nodesync.protocol.Message;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/** Shared helpers of the TCP tests: loopback-only addresses, OS-chosen ports, bounded waits, raw sockets. */
final class TcpTesting {

    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    /** The bound on any wait; only reached when something is broken. */
    static final Duration WAIT = Duration.ofSeconds(20);

    private TcpTesting() {
    }

    static ConditionFactory eventually() {
        return Awaitility.await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }

    /** A builder listening on a loopback port the OS picks, with short backoffs so tests recover quickly. */
    static TcpTransport.Builder transport(NodeId id) {
        return TcpTransport.builder(id)
                .listen(new InetSocketAddress(LOOPBACK, 0))
                .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(200))
                .ioThreads(1);
    }

    /**
     * A loopback address where nothing listens: a port the OS handed out and that was released again. Connecting
     * to it is refused at once.
     */
    static InetSocketAddress deadAddress() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, LOOPBACK)) {
            return new InetSocketAddress(LOOPBACK, socket.getLocalPort());
        }
    }

    /** An inbound handler that records what arrives, in order. */
    static final class Inbox implements Transport.Inbound {
        record Received(NodeId from, Message message) {
        }

        final List<Received> received = new CopyOnWriteArrayList<>();

        @Override
        public void receive(NodeId from, Message message) {
            received.add(new Received(from, message));
        }

        boolean contains(NodeId from, Message message) {
            return received.contains(new Received(from, message));
        }
    }

    /**
     * Reads until the server closes the connection (end of stream or a reset) and returns what it sent before.
     * Fails if the connection is still open after {@link #WAIT}: the socket's read timeout bounds the wait.
     */
    static byte[] readUntilClosedByServer(Socket socket) throws IOException {
        socket.setSoTimeout((int) WAIT.toMillis());
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        try {
            int read;
            while ((read = in.read(buffer)) != -1) {
                reply.write(buffer, 0, read);
            }
        } catch (SocketTimeoutException e) {
            fail("the server kept the connection open for " + WAIT);
        } catch (SocketException reset) {
            // A reset is a close too: the server closed while our bytes were still unread.
        }
        return reply.toByteArray();
    }
}
