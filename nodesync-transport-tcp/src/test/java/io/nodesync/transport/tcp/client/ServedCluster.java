package io.nodesync.transport.tcp.client;

import io.nodesync.Node;
import io.nodesync.testing.LocalCluster;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * An in-process cluster with a {@link ClientServer} in front of each node, on 127.0.0.1 and a free port: what the
 * client-protocol tests talk to over real sockets. {@link #close()} stops the servers, then the cluster.
 */
final class ServedCluster implements AutoCloseable {

    /** The bound on any wait for the cluster (elections, replication) or for a reply. */
    static final Duration WAIT = Duration.ofSeconds(20);

    private final LocalCluster cluster;
    private final List<ClientServer> servers = new ArrayList<>();

    private ServedCluster(LocalCluster cluster) {
        this.cluster = cluster;
    }

    /** Three nodes with the default settings, a leader elected, every node served. */
    static ServedCluster start() throws Exception {
        return start(LocalCluster.builder().nodes(3), ClientLimits.DEFAULT);
    }

    /** The cluster {@code builder} describes, a leader elected, every node served with {@code limits}. */
    static ServedCluster start(LocalCluster.Builder builder, ClientLimits limits) throws Exception {
        ServedCluster served = new ServedCluster(builder.build().start());
        try {
            for (Node node : served.cluster.nodes()) {
                served.servers.add(ClientServer.start(node, new InetSocketAddress("127.0.0.1", 0), limits));
            }
            served.awaitLeader();
            return served;
        } catch (Exception | Error e) {
            served.close();
            throw e;
        }
    }

    Node awaitLeader() throws TimeoutException, InterruptedException {
        return cluster.awaitLeader(WAIT);
    }

    LocalCluster cluster() {
        return cluster;
    }

    /** The client port of the node at {@code index}. */
    int port(int index) {
        return servers.get(index).port();
    }

    /** The index of a node, to find its port. */
    int indexOf(Node node) {
        return cluster.ids().indexOf(node.id());
    }

    /** Awaitility bounded by {@link #WAIT}, polling often: the nodes tick every 10 ms. */
    static ConditionFactory eventually() {
        return Awaitility.await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (ClientServer server : servers) {
            try {
                server.close();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        cluster.close();
        if (failure != null) {
            throw failure;
        }
    }
}
