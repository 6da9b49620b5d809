package io.nodesync.cluster;

import static io.nodesync.ConsistencyPolicy.EVENTUAL;
import static io.nodesync.ConsistencyPolicy.STRONG;
import static io.nodesync.cluster.ClusterTesting.awaitLeader;
import static io.nodesync.cluster.ClusterTesting.awaitNextMillisecond;
import static io.nodesync.cluster.ClusterTesting.awaitPeersDown;
import static io.nodesync.cluster.ClusterTesting.eventually;
import static io.nodesync.cluster.ClusterTesting.followers;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.testing.LocalCluster;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Eventual writes are available on both sides of a partition, even on a node that is alone; once healed, every node
 * converges on one map, last writer wins.
 */
class EventualPartitionConvergenceTest {

    @Test
    void bothSidesAcceptWritesAndConvergeLastWriterWinsAfterHeal() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).consistency(EVENTUAL).build().start()) {
            Node leader = awaitLeader(cluster);
            Node lone = followers(cluster, leader).get(0);
            Node majorityFollower = followers(cluster, leader).get(1);
            List<Node> majority = List.of(leader, majorityFollower);
            Map<String, Optional<String>> expected = new LinkedHashMap<>();

            // Before the partition: keys both sides will later change.
            leader.store().put("to-delete-on-lone", "x");
            leader.store().put("to-delete-on-majority", "x");
            eventually().until(() -> cluster.nodes().stream().allMatch(node ->
                    node.store().get("to-delete-on-majority", EVENTUAL).isPresent()
                            && node.store().get("to-delete-on-lone", EVENTUAL).isPresent()
                            && node.status().pendingEventualWrites() == 0));

            cluster.partition(List.of(lone.id()), majority.stream().map(Node::id).toList());
            awaitPeersDown(lone, majority.stream().map(Node::id).toList());

            // The lone node acks at once and reads its own writes; so does each majority node.
            lone.store().put("lone-only", "from-lone");
            expected.put("lone-only", Optional.of("from-lone"));
            for (Node node : majority) {
                node.store().put("majority-only-" + node.id(), "from-" + node.id());
                expected.put("majority-only-" + node.id(), Optional.of("from-" + node.id()));
            }
            assertThat(lone.store().get("lone-only")).contains("from-lone");
            assertThat(lone.store().get("majority-only-" + leader.id())).isEmpty();
            for (Node node : majority) {
                assertThat(node.store().get("majority-only-" + node.id())).contains("from-" + node.id());
                assertThat(node.store().get("lone-only")).isEmpty();
            }
            assertThat(lone.status().pendingEventualWrites()).isPositive();

            // Conflicting writes, each pair ordered in time: the later one must win everywhere after the heal.
            writeThenLater(majorityFollower, "conflict-lone-last", "majority-early", lone, "lone-late");
            expected.put("conflict-lone-last", Optional.of("lone-late"));
            writeThenLater(lone, "conflict-majority-last", "lone-early", leader, "majority-late");
            expected.put("conflict-majority-last", Optional.of("majority-late"));

            assertThat(lone.store().delete("to-delete-on-lone")).isTrue();
            awaitNextMillisecond();
            majorityFollower.store().put("to-delete-on-lone", "rewritten-later");
            expected.put("to-delete-on-lone", Optional.of("rewritten-later"));

            majorityFollower.store().put("to-delete-on-majority", "rewritten-early");
            awaitNextMillisecond();
            assertThat(lone.store().delete("to-delete-on-majority")).isTrue();
            expected.put("to-delete-on-majority", Optional.empty());

            // While cut off, each side shows its own latest write.
            assertThat(lone.store().get("conflict-lone-last")).contains("lone-late");
            assertThat(lone.store().get("conflict-majority-last")).contains("lone-early");
            assertThat(lone.store().get("to-delete-on-majority")).isEmpty();
            assertThat(leader.store().get("conflict-majority-last")).contains("majority-late");

            cluster.heal();
            eventually().alias("convergence").untilAsserted(() -> {
                for (Node node : cluster.nodes()) {
                    assertThat(node.status().pendingEventualWrites()).as("pending on %s", node.id()).isZero();
                    assertThat(viewOf(node, expected.keySet())).as("view of %s", node.id()).isEqualTo(expected);
                }
            });
            // The committed state agrees too: a strong read through every node gives the same map.
            for (Node node : cluster.nodes()) {
                Map<String, Optional<String>> strong = new LinkedHashMap<>();
                for (String key : expected.keySet()) {
                    strong.put(key, node.store().get(key, STRONG));
                }
                assertThat(strong).as("strong view of %s", node.id()).isEqualTo(expected);
            }
            eventually().until(() -> cluster.nodes().stream().map(node -> node.status().appliedIndex())
                    .distinct().count() == 1);
        }
    }

    @Test
    void aLoneSurvivorKeepsAcceptingWritesAndHandsThemOnWhenOthersReturn() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).consistency(EVENTUAL).build().start()) {
            awaitLeader(cluster);
            Node survivor = cluster.node(cluster.id(0));
            List<NodeId> others = List.of(cluster.id(1), cluster.id(2));
            others.forEach(cluster::kill);
            awaitPeersDown(survivor, others);

            for (int i = 0; i < 20; i++) {
                survivor.store().put("k" + i, "v" + i);
            }
            assertThat(survivor.store().delete("k0")).isTrue();
            assertThat(survivor.store().get("k1")).contains("v1");
            assertThat(survivor.store().get("k0")).isEmpty();
            assertThat(survivor.status().pendingEventualWrites()).isEqualTo(21);

            others.forEach(cluster::restart);
            awaitLeader(cluster);
            eventually().untilAsserted(() -> {
                assertThat(survivor.status().pendingEventualWrites()).isZero();
                for (Node node : cluster.nodes()) {
                    assertThat(node.store().get("k0")).isEmpty();
                    for (int i = 1; i < 20; i++) {
                        assertThat(node.store().get("k" + i)).as("k%d on %s", i, node.id()).contains("v" + i);
                    }
                }
            });
        }
    }

    /** Writes on {@code first}, then, strictly later in physical time, on {@code second}. */
    private static void writeThenLater(Node first, String key, String firstValue, Node second, String secondValue) {
        first.store().put(key, firstValue);
        awaitNextMillisecond();
        second.store().put(key, secondValue);
    }

    private static Map<String, Optional<String>> viewOf(Node node, Iterable<String> keys) {
        Map<String, Optional<String>> view = new LinkedHashMap<>();
        for (String key : keys) {
            view.put(key, node.store().get(key));
        }
        return view;
    }
}
