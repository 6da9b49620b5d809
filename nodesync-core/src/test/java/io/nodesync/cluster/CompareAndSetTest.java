package io.nodesync.cluster;

import static io.nodesync.ConsistencyPolicy.EVENTUAL;
import static io.nodesync.ConsistencyPolicy.STRONG;
import static io.nodesync.cluster.ClusterTesting.awaitLeader;
import static io.nodesync.cluster.ClusterTesting.followers;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Node;
import io.nodesync.testing.LocalCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Compare-and-set is linearizable through any node and whatever the cluster mode. */
class CompareAndSetTest {

    @ParameterizedTest(name = "cluster mode {0}")
    @EnumSource
    void swapsOnlyWhenTheCommittedValueMatches(io.nodesync.ConsistencyPolicy mode) throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).consistency(mode).build().start()) {
            Node leader = awaitLeader(cluster);
            Node follower = followers(cluster, leader).get(0);
            Node other = followers(cluster, leader).get(1);
            leader.store().put("k", "0", STRONG);

            // Through a follower.
            assertThat(follower.store().compareAndSet("k", "1", "x")).isFalse();
            assertThat(follower.store().compareAndSet("k", null, "x")).as("expected absent, but present").isFalse();
            assertThat(other.store().get("k", STRONG)).contains("0");
            assertThat(follower.store().compareAndSet("k", "0", "a")).isTrue();
            // Linearizable: the swap is visible at once through any node, and a stale expectation now fails.
            assertThat(other.store().get("k", STRONG)).contains("a");
            assertThat(other.store().compareAndSet("k", "0", "b")).isFalse();
            // Through the leader.
            assertThat(leader.store().compareAndSet("k", "a", "b")).isTrue();
            assertThat(follower.store().get("k", STRONG)).contains("b");
            assertThat(leader.store().compareAndSet("k", "a", "c")).isFalse();

            // Expected null means absent: creates once, never twice.
            assertThat(other.store().compareAndSet("fresh", null, "first")).isTrue();
            assertThat(leader.store().compareAndSet("fresh", null, "second")).isFalse();
            assertThat(follower.store().get("fresh", STRONG)).contains("first");

            // A deleted key is absent again.
            assertThat(leader.store().delete("fresh", STRONG)).isTrue();
            assertThat(follower.store().compareAndSet("fresh", "first", "x")).isFalse();
            assertThat(follower.store().compareAndSet("fresh", null, "reborn")).isTrue();
            assertThat(other.store().get("fresh", STRONG)).contains("reborn");

            // CAS compares against the committed value: an eventual write counts once it is committed.
            follower.store().put("mixed", "e1", EVENTUAL);
            ClusterTesting.eventually().until(() -> follower.status().pendingEventualWrites() == 0);
            assertThat(other.store().compareAndSet("mixed", "e1", "swapped")).isTrue();
            assertThat(leader.store().get("mixed", STRONG)).contains("swapped");
            assertThat(follower.store().get("mixed", STRONG)).contains("swapped");
        }
    }

    @Test
    void exactlyOneOfManyRacingSwapsWins() throws Exception {
        int racers = 6;
        int rounds = 10;
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            awaitLeader(cluster);
            List<Node> nodes = cluster.nodes();
            for (int round = 0; round < rounds; round++) {
                String key = "race-" + round;
                nodes.get(round % nodes.size()).store().put(key, "0");
                CyclicBarrier start = new CyclicBarrier(racers);
                List<Future<Boolean>> results = new ArrayList<>();
                for (int i = 0; i < racers; i++) {
                    Node via = nodes.get(i % nodes.size());
                    String value = "x_" + i;
                    results.add(pool.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        return via.store().compareAndSet(key, "0", value);
                    }));
                }
                List<Integer> winners = new ArrayList<>();
                for (int i = 0; i < racers; i++) {
                    if (results.get(i).get(20, TimeUnit.SECONDS)) {
                        winners.add(i);
                    }
                }
                assertThat(winners).as("winners of round %d", round).hasSize(1);
                for (Node node : nodes) {
                    assertThat(node.store().get(key, STRONG)).contains("x_" + winners.get(0));
                }
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
