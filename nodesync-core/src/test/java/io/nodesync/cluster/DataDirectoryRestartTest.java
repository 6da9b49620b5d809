package io.nodesync.cluster;

import static io.nodesync.ConsistencyPolicy.EVENTUAL;
import static io.nodesync.ConsistencyPolicy.STRONG;
import static io.nodesync.cluster.ClusterTesting.awaitLeader;
import static io.nodesync.cluster.ClusterTesting.eventually;
import static io.nodesync.cluster.ClusterTesting.followers;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.testing.LocalCluster;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes on data directories survive being stopped: restarted on the same directories they come back with their
 * data, their terms, and the eventual writes they acknowledged but never got to forward.
 */
class DataDirectoryRestartTest {

    @Test
    void aWholeClusterRestartedOnItsDirectoriesKeepsItsDataAndTerms(@TempDir Path root) throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).dataDirectory(root).build().start()) {
            awaitLeader(cluster);
            Map<String, String> written = new LinkedHashMap<>();
            for (int i = 0; i < 15; i++) {
                DurabilityTesting.put(cluster.node(i % 3), "strong-" + i, "s" + i);
                written.put("strong-" + i, "s" + i);
                cluster.node(i % 3).store().put("eventual-" + i, "e" + i, EVENTUAL);
                written.put("eventual-" + i, "e" + i);
            }

            Map<NodeId, Long> termsBefore = new LinkedHashMap<>();
            for (NodeId id : cluster.ids()) {
                Node node = cluster.node(id);
                cluster.kill(id);
                termsBefore.put(id, node.status().term()); // a closed node's status is its last
            }
            for (NodeId id : cluster.ids()) {
                assertThat(DurabilityTesting.segmentFiles(cluster.dataDirectory(id))).as("segments of %s", id).isNotEmpty();
                assertThat(termsBefore.get(id)).isPositive();
            }

            cluster.start();
            for (NodeId id : cluster.ids()) {
                // Read before any election of the new run could raise it: this is the term read back from disk.
                assertThat(cluster.node(id).status().term()).as("term of %s", id)
                        .isGreaterThanOrEqualTo(termsBefore.get(id));
            }
            awaitLeader(cluster);
            for (Node node : cluster.nodes()) {
                for (Map.Entry<String, String> entry : written.entrySet()) {
                    assertThat(node.store().get(entry.getKey(), STRONG)).as("%s on %s", entry.getKey(), node.id())
                            .contains(entry.getValue());
                }
            }
            // Nothing was lost on the way: every node's own view holds everything too, and nothing stays pending.
            eventually().untilAsserted(() -> {
                for (Node node : cluster.nodes()) {
                    assertThat(node.status().pendingEventualWrites()).isZero();
                    for (Map.Entry<String, String> entry : written.entrySet()) {
                        assertThat(node.store().get(entry.getKey(), EVENTUAL)).as("%s on %s", entry.getKey(),
                                node.id()).contains(entry.getValue());
                    }
                }
            });
        }
    }

    @Test
    void eventualWritesAcknowledgedButNotForwardedSurviveARestartAndCommit(@TempDir Path root) throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).dataDirectory(root).build().start()) {
            Node leader = awaitLeader(cluster);
            NodeId cutOff = followers(cluster, leader).get(0).id();
            cluster.isolate(cutOff);
            Map<String, String> offline = new LinkedHashMap<>();
            for (int i = 0; i < 10; i++) {
                cluster.node(cutOff).store().put("offline-" + i, "o" + i, EVENTUAL);
                offline.put("offline-" + i, "o" + i);
            }
            assertThat(cluster.node(cutOff).status().pendingEventualWrites()).isEqualTo(offline.size());
            assertThat(leader.store().get("offline-0", STRONG)).isEmpty();

            cluster.kill(cutOff);
            Node restarted = cluster.restart(cutOff); // still cut off: the writes can only have come from its disk
            assertThat(restarted.status().pendingEventualWrites()).isEqualTo(offline.size());
            for (Map.Entry<String, String> entry : offline.entrySet()) {
                assertThat(restarted.store().get(entry.getKey(), EVENTUAL)).contains(entry.getValue());
            }

            cluster.heal();
            List<Node> nodes = cluster.nodes();
            eventually().untilAsserted(() -> assertThat(restarted.status().pendingEventualWrites()).isZero());
            for (Node node : nodes) {
                for (Map.Entry<String, String> entry : offline.entrySet()) {
                    assertThat(node.store().get(entry.getKey(), STRONG)).as("%s on %s", entry.getKey(), node.id())
                            .contains(entry.getValue());
                }
            }
        }
    }
}
