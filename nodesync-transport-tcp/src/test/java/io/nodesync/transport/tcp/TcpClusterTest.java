package io.nodesync.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.NodeStatus;
import io.nodesync.Role;
import io.nodesync.testing.LocalCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Three real nodes talking over TCP on loopback: election, replication through a follower, and failover. */
class TcpClusterTest {

    private static final List<NodeId> IDS = List.of(NodeId.of("1"), NodeId.of("2"), NodeId.of("3"));
    /** Many election timeouts of {@link LocalCluster#DEFAULT_TIMING} (200-400 ms): only reached when broken. */
    private static final Duration ELECTION_WAIT = Duration.ofSeconds(10);

    private final List<TcpTransport> transports = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();

    @AfterEach
    void closeEverything() {
        nodes.forEach(Node::close);
        transports.forEach(TcpTransport::close); // a node closes its transport too; this covers a failed start
    }

    private void startCluster() throws Exception {
        for (NodeId id : IDS) {
            transports.add(TcpTesting.transport(id).bind());
        }
        for (TcpTransport transport : transports) {
            for (TcpTransport other : transports) {
                if (other != transport) {
                    transport.setPeerAddress(other.self(), other.localAddress());
                }
            }
        }
        for (TcpTransport transport : transports) {
            NodeId id = transport.self();
            nodes.add(Node.builder()
                    .id(id)
                    .peers(IDS.stream().filter(other -> !other.equals(id)).toList())
                    .transport(transport)
                    .timing(LocalCluster.DEFAULT_TIMING)
                    .build()
                    .start());
        }
    }

    /** The leader a majority of the whole cluster follows in the highest term among {@code running}, if any. */
    private static Optional<Node> agreedLeader(List<Node> running) {
        long maxTerm = running.stream().mapToLong(node -> node.status().term()).max().orElse(0);
        for (Node candidate : running) {
            NodeStatus status = candidate.status();
            if (status.role() != Role.LEADER || status.term() != maxTerm) {
                continue;
            }
            long followers = running.stream().filter(node -> candidate.id().equals(node.status().leader())
                    && node.status().term() == maxTerm).count();
            if (followers >= IDS.size() / 2 + 1) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static Node awaitLeader(List<Node> running) {
        AtomicReference<Node> leader = new AtomicReference<>();
        Awaitility.await().atMost(ELECTION_WAIT).pollInterval(Duration.ofMillis(10)).alias("an agreed leader")
                .until(() -> {
                    agreedLeader(running).ifPresent(leader::set);
                    return leader.get() != null;
                });
        return leader.get();
    }

    @Test
    void threeNodesElectReplicateAStrongWriteAndFailOver() throws Exception {
        startCluster();

        Node leader = awaitLeader(nodes);
        Node follower = nodes.stream().filter(node -> node != leader).findFirst().orElseThrow();
        follower.store().put("colour", "blue", ConsistencyPolicy.STRONG);

        for (Node node : nodes) {
            assertThat(node.store().get("colour", ConsistencyPolicy.STRONG)).as("strong read on " + node.id())
                    .contains("blue");
        }
        Awaitility.await().atMost(ELECTION_WAIT).alias("every replica applied the write").until(() -> nodes.stream()
                .allMatch(node -> node.store().get("colour", ConsistencyPolicy.EVENTUAL).equals(Optional.of("blue"))));

        leader.close();
        List<Node> survivors = nodes.stream().filter(node -> node != leader).toList();
        Node next = awaitLeader(survivors);
        assertThat(next.id()).isNotEqualTo(leader.id());

        Node writer = survivors.stream().filter(node -> node != next).findFirst().orElseThrow();
        writer.store().put("colour", "green", ConsistencyPolicy.STRONG);
        for (Node node : survivors) {
            assertThat(node.store().get("colour", ConsistencyPolicy.STRONG)).as("strong read on " + node.id())
                    .contains("green");
        }
        assertThat(transports).allSatisfy(transport -> assertThat(transport.counters().received()).isPositive());
    }
}
