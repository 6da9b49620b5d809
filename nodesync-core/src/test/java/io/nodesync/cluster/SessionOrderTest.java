package io.nodesync.cluster;

import static io.nodesync.ConsistencyPolicy.EVENTUAL;
import static io.nodesync.ConsistencyPolicy.STRONG;
import static io.nodesync.cluster.ClusterTesting.awaitLeader;
import static io.nodesync.cluster.ClusterTesting.eventually;
import static io.nodesync.cluster.ClusterTesting.followers;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Node;
import io.nodesync.testing.LocalCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Writes issued one after another through one node take effect in that order, whatever their policies. */
class SessionOrderTest {

    @Test
    void strongWriteIssuedAfterAnEventualWriteOfTheSameKeyWins() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node leader = awaitLeader(cluster);
            Node follower = followers(cluster, leader).get(0);
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String key = "k" + i;
                keys.add(key);
                CompletableFuture<Void> first = follower.store().putAsync(key, "eventual-first", EVENTUAL);
                // Issued only once the eventual write is acknowledged: in every sense the later write.
                first.get(10, TimeUnit.SECONDS);
                follower.store().put(key, "strong-second", STRONG);
            }
            eventually().until(() -> follower.status().pendingEventualWrites() == 0);
            List<String> losers = new ArrayList<>();
            for (String key : keys) {
                if (!leader.store().get(key, STRONG).orElse("").equals("strong-second")) {
                    losers.add(key);
                }
            }
            assertThat(losers).as("keys where the earlier eventual write overwrote the later strong one").isEmpty();
        }
    }
}
