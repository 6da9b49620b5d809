package io.nodesync.cluster;

import static io.nodesync.ConsistencyPolicy.EVENTUAL;
import static io.nodesync.ConsistencyPolicy.STRONG;
import static io.nodesync.cluster.ClusterTesting.awaitLeader;
import static io.nodesync.cluster.ClusterTesting.awaitPeersDown;
import static io.nodesync.cluster.ClusterTesting.awaitRejoined;
import static io.nodesync.cluster.ClusterTesting.eventually;
import static io.nodesync.cluster.ClusterTesting.followers;
import static io.nodesync.cluster.ClusterTesting.quorumFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.QuorumNotReachedException;
import io.nodesync.testing.LocalCluster;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Strong requests on the minority side of a partition fail; the majority side carries on; healing reunites. */
class MinorityPartitionStrongTest {

    /** Far below the 3 s request timeout: a request that fails this fast was refused, not timed out. */
    private static final Duration FAST = LocalCluster.DEFAULT_TIMING.requestTimeout().dividedBy(2);

    @Test
    void isolatedFollowerFailsFastWhileMajorityKeepsWriting() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node leader = awaitLeader(cluster);
            Node minority = followers(cluster, leader).get(0);
            runPartitionScenario(cluster, minority);
        }
    }

    @Test
    void isolatedLeaderStepsDownAndFailsFastWhileMajorityElectsAnother() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node leader = awaitLeader(cluster);
            runPartitionScenario(cluster, leader);
        }
    }

    private static void runPartitionScenario(LocalCluster cluster, Node minority) throws Exception {
        minority.store().put("before", "shared");
        List<Node> majority = cluster.nodes().stream().filter(node -> node != minority).toList();
        List<NodeId> majorityIds = majority.stream().map(Node::id).toList();

        cluster.partition(List.of(minority.id()), majorityIds);
        awaitPeersDown(minority, majorityIds);

        // The minority node knows no majority is reachable: it refuses at once, and says the write had no effect.
        long started = System.nanoTime();
        QuorumNotReachedException writeFailure = quorumFailure(minority.store().putAsync("lost", "minority"));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(FAST);
        assertThat(writeFailure.outcomeUnknown()).isFalse();
        assertThat(quorumFailure(minority.store().deleteAsync("before")).outcomeUnknown()).isFalse();
        assertThat(quorumFailure(minority.store().compareAndSetAsync("before", "shared", "cas")).outcomeUnknown())
                .isFalse();
        QuorumNotReachedException readFailure = quorumFailure(minority.store().getAsync("before", STRONG));
        assertThat(readFailure.outcomeUnknown()).isFalse();
        // Its own (possibly stale) view is still readable.
        assertThat(minority.store().get("before", EVENTUAL)).contains("shared");

        // The majority has (or elects) a leader of its own and keeps writing and reading strongly.
        cluster.awaitCondition(ClusterTesting.ELECTION_WAIT, "a majority-side leader",
                c -> c.currentLeader().filter(leader -> majorityIds.contains(leader.id())).isPresent());
        for (Node node : majority) {
            node.store().put("majority-" + node.id(), "m-" + node.id());
        }
        majority.get(0).store().put("before", "changed-by-majority");
        for (Node node : majority) {
            for (Node writer : majority) {
                assertThat(node.store().get("majority-" + writer.id(), STRONG)).contains("m-" + writer.id());
            }
            assertThat(node.store().get("before", STRONG)).contains("changed-by-majority");
            // The refused write really had no effect.
            assertThat(node.store().get("lost", STRONG)).isEmpty();
        }
        // The minority still cannot serve strong requests, however long the partition lasts.
        assertThat(quorumFailure(minority.store().putAsync("lost", "again")).outcomeUnknown()).isFalse();

        cluster.heal();
        awaitRejoined(cluster, minority);
        for (Node writer : majority) {
            assertThat(minority.store().get("majority-" + writer.id(), STRONG)).contains("m-" + writer.id());
        }
        assertThat(minority.store().get("before", STRONG)).contains("changed-by-majority");
        assertThat(minority.store().get("lost", STRONG)).isEmpty();
        minority.store().put("after-heal", "ok");
        for (Node node : cluster.nodes()) {
            assertThat(node.store().get("after-heal", STRONG)).contains("ok");
        }
    }

    /**
     * A write the node handed to the leader before it lost contact may well be committed by the majority; however
     * the node later fails it, it must not claim the write had no effect.
     */
    @Test
    void writeForwardedBeforeLosingContactIsReportedAsOutcomeUnknown() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node leader = awaitLeader(cluster);
            Node follower = followers(cluster, leader).get(0);
            Node other = followers(cluster, leader).get(1);
            follower.store().put("warm-up", "1"); // the follower has a working path to the leader

            // The follower can still talk, but hears nothing back: its forwarded write commits without it knowing.
            cluster.network().blockLink(leader.id(), follower.id());
            cluster.network().blockLink(other.id(), follower.id());
            CompletableFuture<Void> write = follower.store().putAsync("forwarded", "maybe");
            eventually().untilAsserted(
                    () -> assertThat(leader.store().get("forwarded", EVENTUAL)).contains("maybe"));

            QuorumNotReachedException failure = quorumFailure(write);
            assertThat(leader.store().get("forwarded", STRONG)).as("the majority committed it").contains("maybe");
            assertThat(failure.outcomeUnknown())
                    .as("outcomeUnknown of a failed write that did take effect: %s", failure.getMessage())
                    .isTrue();

            cluster.heal();
            awaitRejoined(cluster, follower);
            assertThat(follower.store().get("forwarded", STRONG)).contains("maybe");
        }
    }
}
