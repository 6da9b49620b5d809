package io.nodesync.cluster;

import static io.nodesync.ConsistencyPolicy.EVENTUAL;
import static io.nodesync.ConsistencyPolicy.STRONG;
import static io.nodesync.cluster.ClusterTesting.awaitLeader;
import static io.nodesync.cluster.ClusterTesting.awaitPeersDown;
import static io.nodesync.cluster.ClusterTesting.awaitRunningNodesSeeEachOther;
import static io.nodesync.cluster.ClusterTesting.eventually;
import static io.nodesync.cluster.ClusterTesting.followers;
import static io.nodesync.cluster.ClusterTesting.quorumFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.QuorumNotReachedException;
import io.nodesync.testing.LocalCluster;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Five nodes tolerate two failures; a third takes strong service away but not eventual writes. */
class FiveNodeFaultToleranceTest {

    @Test
    void survivesTwoFailuresAndDegradesToEventualOnlyAtThree() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(5).build().start()) {
            Node leader = awaitLeader(cluster);
            Node follower = followers(cluster, leader).get(0);
            leader.store().put("k0", "v0");

            // Two failures, one of them the leader.
            cluster.kill(leader.id());
            cluster.kill(follower.id());
            awaitLeader(cluster);
            List<Node> three = cluster.nodes();
            assertThat(three).hasSize(3);
            for (int i = 1; i <= 9; i++) {
                three.get(i % 3).store().put("k" + i, "v" + i);
            }
            for (Node node : three) {
                for (int i = 0; i <= 9; i++) {
                    assertThat(node.store().get("k" + i, STRONG)).as("k%d on %s", i, node.id()).contains("v" + i);
                }
            }
            assertThat(three.get(0).store().compareAndSet("k1", "v1", "cas")).isTrue();

            // A third failure: two of five left, no majority.
            cluster.kill(three.get(2).id());
            Node survivor = three.get(0);
            List<NodeId> gone = List.of(leader.id(), follower.id(), three.get(2).id());
            awaitPeersDown(survivor, gone);
            QuorumNotReachedException failure = quorumFailure(survivor.store().putAsync("strong", "no"));
            assertThat(failure.outcomeUnknown()).isFalse();
            assertThat(failure).hasMessageContaining("quorum not reached");
            assertThat(quorumFailure(survivor.store().getAsync("k1", STRONG)).outcomeUnknown()).isFalse();

            survivor.store().put("eventual", "yes", EVENTUAL);
            assertThat(survivor.store().get("eventual", EVENTUAL)).contains("yes");
            assertThat(survivor.store().get("k1", EVENTUAL)).contains("cas");
            assertThat(survivor.status().pendingEventualWrites()).isEqualTo(1);

            // A majority again: the pending eventual write is replicated, the refused strong one never was.
            cluster.restart(leader.id());
            awaitLeader(cluster);
            // Each node refuses strong requests while its own failure detector sees no majority, so wait until
            // every node has heard from the returning one, not merely until a leader is agreed.
            awaitRunningNodesSeeEachOther(cluster);
            eventually().until(() -> survivor.status().pendingEventualWrites() == 0);
            for (Node node : cluster.nodes()) {
                assertThat(node.store().get("eventual", STRONG)).as("on %s", node.id()).contains("yes");
                assertThat(node.store().get("strong", STRONG)).as("on %s", node.id()).isEmpty();
                assertThat(node.store().get("k1", STRONG)).as("on %s", node.id()).contains("cas");
            }
        }
    }
}
