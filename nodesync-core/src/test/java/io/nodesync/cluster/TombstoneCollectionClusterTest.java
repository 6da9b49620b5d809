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
            Node leader = cluster.awaitLeader(Duration.ofSeconds(10));
            for (int i = 0; i < 50; i++) {
                // Through one node, so that the delete is stamped after the write: through two, an eventual write
                // and a strong delete are concurrent, and last-writer-wins may keep the write.
                Node node = cluster.node(i % 3);
                node.store().put("k" + i, "v", ConsistencyPolicy.EVENTUAL);
                node.store().delete("k" + i, ConsistencyPolicy.STRONG);
            }
            // Every node applies every delete. (Waiting for all three to show 50 tombstones at one instant raced
            // with the purge: a follower can apply the last deletes and the purge after them in one turn.)
            long deletesCommitted = leader.status().commitIndex();
            await().atMost(Duration.ofSeconds(10)).until(() -> cluster.nodes().stream()
                    .allMatch(node -> node.status().appliedIndex() >= deletesCommitted));
            for (Node node : cluster.nodes()) {
                for (int i = 0; i < 50; i++) {
                    assertThat(node.store().get("k" + i, ConsistencyPolicy.EVENTUAL)).as("k%d on %s", i, node.id())
                            .isEmpty();
                }
            }
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
