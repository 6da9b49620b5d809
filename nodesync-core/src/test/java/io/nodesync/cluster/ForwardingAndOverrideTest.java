package io.nodesync.cluster;

import static io.nodesync.ConsistencyPolicy.EVENTUAL;
import static io.nodesync.ConsistencyPolicy.STRONG;
import static io.nodesync.cluster.ClusterTesting.awaitLeader;
import static io.nodesync.cluster.ClusterTesting.awaitPeersDown;
import static io.nodesync.cluster.ClusterTesting.eventually;
import static io.nodesync.cluster.ClusterTesting.followers;
import static io.nodesync.cluster.ClusterTesting.quorumFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.testing.LocalCluster;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Followers forward writes and strong reads to the leader; a per-call policy overrides the cluster's mode. */
class ForwardingAndOverrideTest {

    @Test
    void writesAndStrongReadsThroughFollowersAreForwardedAndLinearizable() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node leader = awaitLeader(cluster);
            Node follower = followers(cluster, leader).get(0);
            Node other = followers(cluster, leader).get(1);
            long commitBefore = leader.status().commitIndex();

            follower.store().put("k", "from-follower");
            // The leader appended it: its commit index moved although nobody called the leader.
            assertThat(leader.status().commitIndex()).isGreaterThan(commitBefore);
            // Linearizable: once the put returned, a strong read through any node sees it, with no waiting.
            assertThat(other.store().get("k", STRONG)).contains("from-follower");
            assertThat(leader.store().get("k", STRONG)).contains("from-follower");
            assertThat(follower.store().get("k", STRONG)).contains("from-follower");

            // Read-your-write-then-overwrite through different followers, many times in a row.
            for (int i = 0; i < 20; i++) {
                Node writer = i % 2 == 0 ? follower : other;
                Node reader = i % 2 == 0 ? other : follower;
                writer.store().put("seq", "v" + i);
                assertThat(reader.store().get("seq", STRONG)).contains("v" + i);
            }

            assertThat(other.store().delete("k")).as("existed").isTrue();
            assertThat(follower.store().get("k", STRONG)).isEmpty();
            assertThat(follower.store().delete("k")).as("existed").isFalse();
            assertThat(leader.store().get("never-written", STRONG)).isEmpty();
            assertThat(follower.store().get("never-written", STRONG)).isEmpty();

            // Once applied everywhere, every node's local view agrees too.
            eventually().until(() -> cluster.nodes().stream()
                    .allMatch(node -> node.store().get("seq", EVENTUAL).orElse("").equals("v19")
                            && node.store().get("k", EVENTUAL).isEmpty()));
        }
    }

    @Test
    void eventualOverrideInAStrongCluster() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node leader = awaitLeader(cluster);
            Node lone = followers(cluster, leader).get(0);
            List<NodeId> others = cluster.nodes().stream().map(Node::id).filter(id -> !id.equals(lone.id()))
                    .toList();
            cluster.partition(List.of(lone.id()), others);
            awaitPeersDown(lone, others);

            // The cluster's mode is strong: the default write fails, the eventual override succeeds.
            assertThat(lone.store().consistency()).isEqualTo(STRONG);
            assertThat(quorumFailure(lone.store().putAsync("k", "strong")).outcomeUnknown()).isFalse();
            lone.store().put("k", "eventual", EVENTUAL);
            assertThat(lone.store().get("k", EVENTUAL)).contains("eventual");
            assertThat(quorumFailure(lone.store().getAsync("k")).outcomeUnknown()).isFalse();
            assertThat(lone.store().delete("gone", EVENTUAL)).as("existed").isFalse();
            // The override is for that call only.
            assertThat(lone.store().consistency()).isEqualTo(STRONG);

            cluster.heal();
            eventually().until(() -> lone.status().pendingEventualWrites() == 0);
            ClusterTesting.awaitRejoined(cluster, lone);
            for (Node node : cluster.nodes()) {
                assertThat(node.store().get("k")).as("default (strong) read on %s", node.id())
                        .contains("eventual");
            }
        }
    }

    @Test
    void strongOverrideInAnEventualCluster() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).consistency(EVENTUAL).build().start()) {
            Node leader = awaitLeader(cluster);
            Node follower = followers(cluster, leader).get(0);
            Node other = followers(cluster, leader).get(1);

            // A strong write through a follower: committed when it returns, so a strong read anywhere sees it.
            follower.store().put("k", "strong", STRONG);
            assertThat(other.store().get("k", STRONG)).contains("strong");
            // Having served that read, the node has applied the write, so its own (eventual) view has it too.
            assertThat(other.store().get("k")).contains("strong");
            assertThat(leader.store().delete("k", STRONG)).isTrue();
            assertThat(follower.store().get("k", STRONG)).isEmpty();

            // Cut off, the default (eventual) write succeeds and the strong override fails.
            List<NodeId> others = List.of(leader.id(), other.id());
            cluster.partition(List.of(follower.id()), others);
            awaitPeersDown(follower, others);
            follower.store().put("k2", "eventual");
            assertThat(follower.store().get("k2")).contains("eventual");
            assertThat(quorumFailure(follower.store().putAsync("k3", "strong", STRONG)).outcomeUnknown()).isFalse();
            assertThat(quorumFailure(follower.store().getAsync("k2", STRONG)).outcomeUnknown()).isFalse();
            assertThat(follower.store().consistency()).isEqualTo(EVENTUAL);

            cluster.heal();
            eventually().until(() -> cluster.nodes().stream()
                    .allMatch(node -> node.store().get("k2").orElse("").equals("eventual")));
            ClusterTesting.awaitRejoined(cluster, follower);
            assertThat(follower.store().get("k3", STRONG)).isEmpty();
        }
    }
}
