package io.nodesync.examples;

import io.nodesync.Node;
import io.nodesync.NodeListener;
import io.nodesync.log.Log;
import io.nodesync.transport.tcp.TcpTransport;
import io.nodesync.transport.tcp.client.ClientLimits;
import io.nodesync.transport.tcp.client.ClientProtocols;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** A started node on TCP that serves its peers and both client dialects on one port. */
record ServedNode(Node node, InetSocketAddress address) {

    /** Binds the port, builds the node on it over {@code log} and starts it, with {@code listeners} from the start. */
    static ServedNode start(NodeProcess.Options options, Log log, NodeListener... listeners) throws IOException {
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
            node = Node.builder()
                    .id(options.id())
                    .peers(List.copyOf(options.peers().keySet()))
                    .transport(transport)
                    .log(log)
                    .election(options.election())
                    .consistency(options.consistency())
                    .timing(options.timing())
                    .build();
        } catch (RuntimeException e) {
            transport.close();
            throw e;
        }
        nodeRef.set(node);
        for (NodeListener listener : listeners) {
            node.addListener(listener);
        }
        node.start();
        return new ServedNode(node, transport.localAddress());
    }

    private static Node started(AtomicReference<Node> nodeRef) {
        Node node = nodeRef.get();
        if (node == null) {
            throw new IllegalStateException("the node is still starting"); // the router refuses this connection
        }
        return node;
    }
}
