package io.nodesync.examples.bench;

import io.nodesync.Node;
import io.nodesync.NodeBuilder;
import io.nodesync.NodeId;
import io.nodesync.log.FsyncPolicy;
import io.nodesync.transport.tcp.TcpTransport;
import io.nodesync.transport.tcp.client.ClientLimits;
import io.nodesync.transport.tcp.client.ClientProtocols;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Nodes started in this JVM for the benchmark, each on its own TCP transport on a loopback port the OS picks, each
 * serving the client dialects on that port as a node process does. Closing it closes every node and transport.
 */
public final class BenchCluster implements AutoCloseable {

    private final List<TcpTransport> transports = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();

    private BenchCluster() {
    }

    /**
     * Starts {@code count} nodes; with a {@code dataDirectory}, each keeps a file log under it with {@code fsync}.
     * Returns once every node follows the same leader.
     */
    public static BenchCluster start(int count, Path dataDirectory, FsyncPolicy fsync) throws IOException,
            InterruptedException {
        BenchCluster cluster = new BenchCluster();
        try {
            cluster.startNodes(count, dataDirectory, fsync);
            cluster.awaitLeader(Duration.ofSeconds(30));
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private void startNodes(int count, Path dataDirectory, FsyncPolicy fsync) throws IOException {
        List<NodeId> ids = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            ids.add(NodeId.of(i));
        }
        // The client dialects need the node, which needs the transport: they find it here once it is built.
        AtomicReferenceArray<Node> built = new AtomicReferenceArray<>(count);
        for (int i = 0; i < count; i++) {
            int slot = i;
            transports.add(TcpTransport.builder(ids.get(i))
                    .listen(new InetSocketAddress("127.0.0.1", 0))
                    .lineDialect(pipeline -> ClientProtocols.installLine(pipeline, node(built, slot),
                            ClientLimits.DEFAULT))
                    .respDialect(pipeline -> ClientProtocols.installResp(pipeline, node(built, slot),
                            ClientLimits.DEFAULT))
                    .bind());
        }
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < count; j++) {
                if (i != j) {
                    transports.get(i).setPeerAddress(ids.get(j), transports.get(j).localAddress());
                }
            }
        }
        for (int i = 0; i < count; i++) {
            NodeId self = ids.get(i);
            NodeBuilder builder = Node.builder().id(self)
                    .peers(ids.stream().filter(id -> !id.equals(self)).toList())
                    .transport(transports.get(i));
            if (dataDirectory != null) {
                builder.dataDirectory(dataDirectory.resolve("node-" + self)).fsync(fsync);
            }
            Node node = builder.build();
            nodes.add(node);
            built.set(i, node);
            node.start();
        }
    }

    private static Node node(AtomicReferenceArray<Node> built, int slot) {
        Node node = built.get(slot);
        if (node == null) {
            throw new IllegalStateException("the node is still starting"); // the router refuses this connection
        }
        return node;
    }

    private void awaitLeader(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (leaderIndex() >= 0) {
                return;
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("no leader every node agrees on within " + timeout.toSeconds() + " s");
    }

    /** The position of the node every node names as leader, or -1. */
    private int leaderIndex() {
        for (int i = 0; i < nodes.size(); i++) {
            Node candidate = nodes.get(i);
            if (candidate.status().isLeader()
                    && nodes.stream().allMatch(node -> candidate.id().equals(node.status().leader()))) {
                return i;
            }
        }
        return -1;
    }

    /** The current leader, waiting up to 30 s for one every node agrees on. */
    public Node leader() throws InterruptedException {
        awaitLeader(Duration.ofSeconds(30));
        return nodes.get(leaderIndex());
    }

    /** The client address of {@code node}. */
    public InetSocketAddress address(Node node) {
        return transports.get(nodes.indexOf(node)).localAddress();
    }

    /** The nodes, in id order. */
    public List<Node> nodes() {
        return nodes;
    }

    @Override
    public void close() {
        nodes.forEach(Node::close);
        transports.forEach(TcpTransport::close); // idempotent; covers transports whose node was never built
    }
}
