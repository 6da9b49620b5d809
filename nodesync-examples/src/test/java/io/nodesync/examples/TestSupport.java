package io.nodesync.examples;

import static org.awaitility.Awaitility.await;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Election;
import io.nodesync.NodeId;
import io.nodesync.Timing;
import io.nodesync.log.InMemoryLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Helpers shared by the examples' tests. */
final class TestSupport {

    /** Something that may throw anything, e.g. a main method. */
    interface Action {
        void run() throws Exception;
    }

    private TestSupport() {
    }

    /** Runs {@code action} and returns what it printed on {@code System.out}. */
    static String captureStdout(Action action) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setOut(original);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * Starts three nodes on free loopback ports (ids are their ports, priority election, in-memory logs), adds them to
     * {@code nodes} as they start (so the caller closes whatever started, also on failure), and waits until the
     * highest port leads on all three. Returns the ports, ascending.
     */
    static List<Integer> startLoopbackCluster(List<ServedNode> nodes) throws IOException {
        List<Integer> ports = freePorts(3);
        for (int port : ports) {
            Map<NodeId, InetSocketAddress> peers = new LinkedHashMap<>();
            ports.stream().filter(peer -> peer != port).forEach(peer ->
                    peers.put(NodeId.of(peer), new InetSocketAddress(InetAddress.getLoopbackAddress(), peer)));
            nodes.add(ServedNode.start(new NodeProcess.Options(NodeId.of(port), port, InetAddress.getLoopbackAddress(),
                    peers, Election.priority(), "priority", ConsistencyPolicy.STRONG, Timing.DEFAULT),
                    new InMemoryLog()));
        }
        NodeId highest = NodeId.of(ports.get(2));
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream().allMatch(served ->
                highest.equals(served.node().status().leader())));
        return ports;
    }

    /** Loopback ports free at the moment, ascending: bound once by the OS's choice, then released. */
    static List<Integer> freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().map(ServerSocket::getLocalPort).sorted().toList();
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }
}
