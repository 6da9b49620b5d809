package io.nodesync.cluster;

import static io.nodesync.ConsistencyPolicy.EVENTUAL;
import static io.nodesync.ConsistencyPolicy.STRONG;
import static io.nodesync.cluster.ClusterTesting.awaitLeader;
import static io.nodesync.cluster.ClusterTesting.awaitNextMillisecond;
import static io.nodesync.cluster.ClusterTesting.awaitPeersDown;
import static io.nodesync.cluster.ClusterTesting.awaitRejoined;
import static io.nodesync.cluster.ClusterTesting.eventually;
import static io.nodesync.cluster.ClusterTesting.followers;
import static io.nodesync.cluster.ClusterTesting.quorumFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.testing.LocalCluster;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cluster-wide consistency mode: switched from any node, at once there, spread to all, latest switch wins. */
class ConsistencyModeSwitchTest {

    @Test
    void switchOnOneNodeTakesEffectThereAtOnceAndReachesEveryNode() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node leader = awaitLeader(cluster);
            Node follower = followers(cluster, leader).get(0);
            cluster.nodes().forEach(node -> assertThat(node.store().consistency()).isEqualTo(STRONG));

            follower.store().setConsistency(EVENTUAL);
            assertThat(follower.store().consistency()).isEqualTo(EVENTUAL);
            assertThat(follower.status().consistency()).isEqualTo(EVENTUAL);
            awaitMode(cluster, EVENTUAL);

            leader.store().setConsistency(STRONG);
            assertThat(leader.store().consistency()).isEqualTo(STRONG);
            awaitMode(cluster, STRONG);

            // Switching to the mode already in force is harmless.
            follower.store().setConsistency(STRONG);
            awaitMode(cluster, STRONG);
        }
    }

    @Test
    void switchOnTheMinorityTakesEffectThereAndSpreadsAfterHeal() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node leader = awaitLeader(cluster);
            Node lone = followers(cluster, leader).get(0);
            List<Node> majority = cluster.nodes().stream().filter(node -> node != lone).toList();
            isolate(cluster, lone, majority);

            lone.store().setConsistency(EVENTUAL);
            assertThat(lone.store().consistency()).isEqualTo(EVENTUAL);
            // In force at once: a write with the cluster's mode now succeeds on the lone node, where strong cannot.
            lone.store().put("written-alone", "yes");
            assertThat(lone.store().get("written-alone")).contains("yes");
            assertThat(quorumFailure(lone.store().putAsync("strong-alone", "no", STRONG)).outcomeUnknown()).isFalse();
            // The majority cannot know yet.
            majority.forEach(node -> assertThat(node.store().consistency()).isEqualTo(STRONG));

            cluster.heal();
            awaitMode(cluster, EVENTUAL);
            eventually().until(() -> cluster.nodes().stream()
                    .allMatch(node -> node.store().get("written-alone").orElse("").equals("yes")));
        }
    }

    @Test
    void latestSwitchWinsEverywhereWhenBothSidesSwitch() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node leader = awaitLeader(cluster);
            Node lone = followers(cluster, leader).get(0);
            List<Node> majority = cluster.nodes().stream().filter(node -> node != lone).toList();
            isolate(cluster, lone, majority);

            // The minority switches first, the majority later: the majority's switch is the latest.
            lone.store().setConsistency(EVENTUAL);
            awaitNextMillisecond();
            majority.get(1).store().setConsistency(STRONG);
            assertThat(lone.store().consistency()).isEqualTo(EVENTUAL);
            majority.forEach(node -> assertThat(node.store().consistency()).isEqualTo(STRONG));

            cluster.heal();
            awaitRejoined(cluster, lone);
            awaitMode(cluster, STRONG);
            eventually().until(() -> lone.status().pendingEventualWrites() == 0);
            cluster.nodes().forEach(node -> assertThat(node.store().consistency()).isEqualTo(STRONG));

            // Now the other way round: the majority first, the minority later wins, even though it is alone.
            isolate(cluster, lone, majority);
            majority.get(0).store().setConsistency(EVENTUAL);
            awaitNextMillisecond();
            lone.store().setConsistency(STRONG);
            awaitMode(majority, EVENTUAL);
            assertThat(lone.store().consistency()).isEqualTo(STRONG);

            cluster.heal();
            awaitMode(cluster, STRONG);
            eventually().until(() -> cluster.nodes().stream().allMatch(node ->
                    node.status().pendingEventualWrites() == 0));
            cluster.nodes().forEach(node -> assertThat(node.store().consistency()).isEqualTo(STRONG));
        }
    }

    private static void isolate(LocalCluster cluster, Node lone, List<Node> majority) {
        List<NodeId> majorityIds = majority.stream().map(Node::id).toList();
        cluster.partition(List.of(lone.id()), majorityIds);
        awaitPeersDown(lone, majorityIds);
    }

    private static void awaitMode(LocalCluster cluster, ConsistencyPolicy mode) {
        awaitMode(cluster.nodes(), mode);
    }

    private static void awaitMode(List<Node> nodes, ConsistencyPolicy mode) {
        eventually().alias("every node in mode " + mode).until(() -> nodes.stream()
                .allMatch(node -> node.store().consistency() == mode));
    }
}
