package io.nodesync.examples;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Election;
import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.NodeListener;
import io.nodesync.transport.tcp.TcpTransport;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Embedding a 3-node cluster over TCP in one JVM: each node gets its own {@link TcpTransport} on a loopback port
 * the OS picks, and the nodes find each other by address, exactly as nodes in different processes or machines do.
 */
public final class TcpClusterExample {

    private TcpClusterExample() {
    }

    /**
     * Binds a transport per id (port 0: the OS picks) into {@code transports}, then tells each where the others
     * listen. Transports are added as they bind, so the caller closes every one even if a later bind fails.
     */
    static void bindMesh(List<NodeId> ids, List<TcpTransport> transports) throws java.io.IOException {
        for (NodeId id : ids) {
            transports.add(TcpTransport.builder(id).bind());
        }
        for (int i = 0; i < ids.size(); i++) {
            for (int j = 0; j < ids.size(); j++) {
                if (i != j) {
                    transports.get(i).setPeerAddress(ids.get(j), transports.get(j).localAddress());
                }
            }
        }
    }

    /** Starts three nodes over loopback TCP, writes through one, reads through all, and shuts them down. */
    public static void main(String[] args) throws Exception {
        List<NodeId> ids = List.of(NodeId.of(1), NodeId.of(2), NodeId.of(3));
        // Bind every port first (port 0: the OS picks), so each node can be told where its peers are.
        List<TcpTransport> transports = new ArrayList<>();
        List<Node> nodes = new ArrayList<>();
        CompletableFuture<NodeId> leaderKnown = new CompletableFuture<>();
        try {
            bindMesh(ids, transports);
            for (int i = 0; i < ids.size(); i++) {
                NodeId self = ids.get(i);
                Node node = Node.builder()
                        .id(self)
                        .peers(ids.stream().filter(id -> !id.equals(self)).toList())
                        .transport(transports.get(i))
                        .election(Election.raft())
                        .build();
                node.addListener(new NodeListener() {
                    @Override
                    public void onLeaderChange(NodeId leader, long term) {
                        if (leader != null) {
                            leaderKnown.complete(leader);
                        }
                    }
                });
                nodes.add(node.start());
                InetSocketAddress address = transports.get(i).localAddress();
                System.out.println("node " + self + " listening on " + address.getHostString() + ":" + address.getPort());
            }

            System.out.println("leader: " + leaderKnown.get(10, TimeUnit.SECONDS));
            nodes.get(0).store().put("greeting", "hello over TCP");        // strong: a majority has it
            for (Node node : nodes) {
                Optional<String> value = node.store().get("greeting", ConsistencyPolicy.STRONG);
                System.out.println("node " + node.id() + " reads " + value.orElse("nothing"));
            }
            Map<NodeId, ?> peers = nodes.get(0).status().peers();
            System.out.println("node " + nodes.get(0).id() + " sees its peers " + peers);
        } finally {
            nodes.forEach(Node::close);                                      // closes each node's transport too
            transports.forEach(TcpTransport::close);                         // idempotent; covers nodes never built
        }
    }
}
