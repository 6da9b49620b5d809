package io.nodesync.cluster;

import static io.nodesync.ConsistencyPolicy.EVENTUAL;
import static io.nodesync.ConsistencyPolicy.STRONG;
import static io.nodesync.cluster.ClusterTesting.awaitLeader;
import static io.nodesync.cluster.ClusterTesting.eventually;
import static io.nodesync.cluster.ClusterTesting.followers;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.cluster.DurabilityTesting.Storage;
import io.nodesync.testing.LocalCluster;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A follower that was down while the cluster compacted its logs past the follower's last entry cannot catch up from
 * entries: the leader sends it a snapshot (InstallSnapshot), and it ends with the leader's map. Run with in-memory
 * logs and with file logs, whose snapshots are written in the background.
 */
class SnapshotCatchUpTest {

    /** Small enough that a few dozen writes compact the log. */
    private static final long SNAPSHOT_THRESHOLD = 4 * 1024;
    private static final int MAX_WRITES = 2_000;

    @ParameterizedTest
    @EnumSource(Storage.class)
    void aFollowerBehindTheCompactedLogCatchesUpThroughASnapshot(Storage storage, @TempDir Path root)
            throws Exception {
        try (LocalCluster cluster = storage.cluster(root).snapshotThreshold(SNAPSHOT_THRESHOLD).build().start()) {
            Node leader = awaitLeader(cluster);
            Map<String, String> expected = new LinkedHashMap<>();
            int written = 0;
            for (; written < 20; written++) {
                write(leader, expected, written);
            }
            NodeId lagging = followers(cluster, leader).get(0).id();
            cluster.kill(lagging);
            long laggingLast = cluster.logState(lagging).lastIndex();

            // Until every running log is compacted past the entry the lagging node needs next, whoever leads: then
            // only a snapshot can bring it up to date.
            while (!cluster.nodes().stream()
                    .allMatch(node -> cluster.logState(node.id()).firstIndex() > laggingLast + 1)) {
                assertThat(written).as("writes before the logs were compacted past index %d", laggingLast)
                        .isLessThan(MAX_WRITES);
                write(leader, expected, written++);
            }
            // The snapshot must carry overwritten values and deletes too.
            DurabilityTesting.put(leader, "key-1", "overwritten");
            expected.put("key-1", "overwritten");
            DurabilityTesting.delete(leader, "key-2");
            expected.remove("key-2");

            Node restarted = cluster.restart(lagging);
            eventually().untilAsserted(() -> {
                Optional<Node> current = cluster.currentLeader();
                assertThat(current).isPresent();
                assertThat(restarted.status().appliedIndex()).isEqualTo(current.get().status().commitIndex());
            });
            // The entries it missed were gone from every log, so its log now starts from the leader's snapshot.
            assertThat(cluster.logState(lagging).firstIndex()).isGreaterThan(laggingLast + 1);
            Node current = cluster.currentLeader().orElseThrow();
            for (int i = 0; i < written; i++) {
                String key = "key-" + i;
                Optional<String> value = Optional.ofNullable(expected.get(key));
                assertThat(current.store().get(key, EVENTUAL)).as("%s on the leader", key).isEqualTo(value);
                assertThat(restarted.store().get(key, EVENTUAL)).as("%s on the restarted node", key)
                        .isEqualTo(value);
            }

            // And it follows by entries again afterwards.
            DurabilityTesting.put(restarted, "after-catch-up", "yes");
            assertThat(current.store().get("after-catch-up", STRONG)).contains("yes");
        }
    }

    private static void write(Node node, Map<String, String> expected, int i) {
        String value = "value-" + i + "-" + "x".repeat(40);
        DurabilityTesting.put(node, "key-" + i, value);
        expected.put("key-" + i, value);
    }
}
