package io.nodesync.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Node;
import io.nodesync.testing.LocalCluster;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Deleted keys do not cost memory forever: once every node has reported its watermark, tombstones are collected. */
class TombstoneCollectionClusterTest {

    @Test
    void tombstonesOfDeletedKeysAreCollectedOnEveryNode() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            cluster.awaitLeader(Duration.ofSeconds(10));
            for (int i = 0; i < 50; i++) {
                cluster.node(i % 3).store().put("k" + i, "v", ConsistencyPolicy.EVENTUAL);
                cluster.node((i + 1) % 3).store().delete("k" + i, ConsistencyPolicy.STRONG);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> cluster.nodes().stream()
                    .allMatch(node -> node.status().tombstones() == 50));
            // The purge runs every 10 election timeouts (2 s here); give it a few rounds.
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.nodes().stream()
                    .allMatch(node -> node.status().tombstones() == 0));
            for (Node node : cluster.nodes()) {
                assertThat(node.store().get("k7", ConsistencyPolicy.STRONG)).isEmpty();
                assertThat(node.store().get("k7", ConsistencyPolicy.EVENTUAL)).isEmpty();
                assertThat(node.status().toLine()).contains("tombstones=0");
            }
        }
    }
}
