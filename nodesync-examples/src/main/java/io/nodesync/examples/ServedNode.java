package io.nodesync.examples;

import io.nodesync.Node;
import io.nodesync.NodeBuilder;
import io.nodesync.NodeListener;
import io.nodesync.NodeStatus;
import io.nodesync.log.InMemoryLog;
import io.nodesync.log.Log;
import io.nodesync.transport.tcp.TcpTransport;
import io.nodesync.transport.tcp.client.ClientLimits;
import io.nodesync.transport.tcp.client.ClientProtocols;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A started node on TCP that serves its peers and both client dialects on one port.
 *
 * @param recovered the node's status when it was built, before it started: what it found in its storage
 */
record ServedNode(Node node, InetSocketAddress address, NodeStatus recovered) {

    /**
     * Binds the port, builds the node on the storage {@code options} ask for (its data directory, or a fresh
     * in-memory log) and starts it, with {@code listeners} from the start.
     *
     * @throws java.io.UncheckedIOException, IllegalArgumentException, IllegalStateException or
     *     {@link io.nodesync.log.LogCorruptedException} when the data directory cannot be used
     */
    static ServedNode start(NodeProcess.Options options, NodeListener... listeners) throws IOException {
        if (options.dataDirectory() == null) {
            return start(options, new InMemoryLog(), listeners);
        }
        return start(options, builder -> builder.dataDirectory(options.dataDirectory()).fsync(options.fsync()),
                listeners);
    }

    /**
     * Binds the port, builds the node on {@code log} and starts it, with {@code listeners} from the start. For
     * callers that keep a log across restarts in one process; {@code options} must not name a data directory.
     */
    static ServedNode start(NodeProcess.Options options, Log log, NodeListener... listeners) throws IOException {
        if (options.dataDirectory() != null) {
            throw new IllegalArgumentException("give either a log or a data directory, not both");
        }
        return start(options, builder -> builder.log(log), listeners);
    }

    private static ServedNode start(NodeProcess.Options options, Consumer<NodeBuilder> storage,
            NodeListener... listeners) throws IOException {
        // The transport must exist before the node, and the client dialects need the node: they find it here.
        AtomicReference<Node> nodeRef = new AtomicReference<>();
        TcpTransport transport = TcpTransport.builder(options.id())
                .listen(new InetSocketAddress(options.bind(), options.port()))
                .outgoingBindAddress(options.bind())
                .peers(options.peers())
                .lineDialect(pipeline -> ClientProtocols.installLine(pipeline, started(nodeRef), ClientLimits.DEFAULT))
                .respDialect(pipeline -> ClientProtocols.installResp(pipeline, started(nodeRef), ClientLimits.DEFAULT))
                .bind();
        Node node;
        try {
            NodeBuilder builder = Node.builder()
                    .id(options.id())
                    .peers(List.copyOf(options.peers().keySet()))
                    .transport(transport)
                    .election(options.election())
                    .consistency(options.consistency())
                    .timing(options.timing())
                    .snapshotThreshold(options.snapshotThresholdBytes());
            storage.accept(builder);
            node = builder.build();
        } catch (RuntimeException e) {
            transport.close();
            throw e;
        }
        // Read before the loop runs: afterwards the status mixes what was on disk with what peers sent.
        NodeStatus recovered = node.status();
        nodeRef.set(node);
        for (NodeListener listener : listeners) {
            node.addListener(listener);
        }
        node.start();
        return new ServedNode(node, transport.localAddress(), recovered);
    }

    private static Node started(AtomicReference<Node> nodeRef) {
        Node node = nodeRef.get();
        if (node == null) {
            throw new IllegalStateException("the node is still starting"); // the router refuses this connection
        }
        return node;
    }
}
