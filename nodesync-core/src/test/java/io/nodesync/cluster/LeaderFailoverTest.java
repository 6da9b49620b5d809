package io.nodesync.cluster;

import static io.nodesync.ConsistencyPolicy.EVENTUAL;
import static io.nodesync.ConsistencyPolicy.STRONG;
import static io.nodesync.cluster.ClusterTesting.ELECTION_WAIT;
import static io.nodesync.cluster.ClusterTesting.awaitLeader;
import static io.nodesync.cluster.ClusterTesting.awaitRejoined;
import static io.nodesync.cluster.ClusterTesting.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.testing.LocalCluster;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Killing the leader costs one election, no acknowledged write, and the dead node catches up when it returns. */
class LeaderFailoverTest {

    @Test
    void newLeaderTakesOverAndRestartedNodeCatchesUp() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node first = awaitLeader(cluster);
            long firstTerm = first.status().term();
            Map<String, String> written = new LinkedHashMap<>();
            for (Node node : cluster.nodes()) {
                node.store().put("before-" + node.id(), "v-" + node.id());
                written.put("before-" + node.id(), "v-" + node.id());
            }

            NodeId killed = first.id();
            cluster.kill(killed);
            Node second = cluster.awaitNewLeader(killed, ELECTION_WAIT);
            assertThat(second.status().term()).isGreaterThan(firstTerm);

            // Strong writes continue through both survivors, and nothing acknowledged before the crash is lost.
            for (Node node : cluster.nodes()) {
                for (Map.Entry<String, String> entry : written.entrySet()) {
                    assertThat(node.store().get(entry.getKey(), STRONG)).as("%s on %s", entry.getKey(), node.id())
                            .contains(entry.getValue());
                }
            }
            for (int i = 0; i < 10; i++) {
                Node via = cluster.nodes().get(i % 2);
                via.store().put("after-" + i, "a" + i);
                written.put("after-" + i, "a" + i);
            }
            second.store().put("before-" + killed, "overwritten");
            written.put("before-" + killed, "overwritten");

            Node restarted = cluster.restart(killed);
            awaitRejoined(cluster, restarted);
            // A strong read through the restarted node is linearizable: it sees every write at once.
            for (Map.Entry<String, String> entry : written.entrySet()) {
                assertThat(restarted.store().get(entry.getKey(), STRONG)).as(entry.getKey())
                        .contains(entry.getValue());
            }
            // Having applied that far, its local view holds everything too.
            for (Map.Entry<String, String> entry : written.entrySet()) {
                assertThat(restarted.store().get(entry.getKey(), EVENTUAL)).as(entry.getKey())
                        .contains(entry.getValue());
            }
            // And it takes writes again, which every node sees.
            restarted.store().put("from-restarted", "yes");
            for (Node node : cluster.nodes()) {
                assertThat(node.store().get("from-restarted", STRONG)).contains("yes");
            }
            eventually().untilAsserted(() -> {
                long commit = cluster.currentLeader().orElseThrow().status().commitIndex();
                assertThat(restarted.status().appliedIndex()).isEqualTo(commit);
            });
        }
    }
}
