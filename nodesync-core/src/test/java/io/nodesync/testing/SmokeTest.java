package io.nodesync.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Node;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void threeNodesElectAndReplicate() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node leader = cluster.awaitLeader(Duration.ofSeconds(10));
            System.out.println("leader " + leader.id());
            for (Node node : cluster.nodes()) {
                node.store().put("k" + node.id(), "v" + node.id());
            }
            for (Node node : cluster.nodes()) {
                for (Node other : cluster.nodes()) {
                    assertThat(node.store().get("k" + other.id(), ConsistencyPolicy.STRONG)).isEqualTo(Optional.of("v" + other.id()));
                }
            }
            cluster.node(0).store().put("e", "x", ConsistencyPolicy.EVENTUAL);
            assertThat(cluster.node(0).store().get("e", ConsistencyPolicy.EVENTUAL)).contains("x");
            assertThat(cluster.node(1).store().compareAndSet("k1", "v1", "w")).isTrue();
            assertThat(cluster.node(2).store().compareAndSet("k1", "v1", "w")).isFalse();
            System.out.println(leader.status().toLine());
        }
    }
}
