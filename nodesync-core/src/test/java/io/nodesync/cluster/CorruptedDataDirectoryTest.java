package io.nodesync.cluster;

import static io.nodesync.ConsistencyPolicy.EVENTUAL;
import static io.nodesync.ConsistencyPolicy.STRONG;
import static io.nodesync.cluster.ClusterTesting.awaitLeader;
import static io.nodesync.cluster.ClusterTesting.eventually;
import static io.nodesync.cluster.ClusterTesting.followers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.log.LogCorruptedException;
import io.nodesync.testing.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose segment file was damaged while it was down refuses to start, naming the file, rather than serve wrong
 * data; the rest of the cluster is not affected, and wiping the node's directory lets it catch up from its peers.
 */
class CorruptedDataDirectoryTest {

    @Test
    void aFlippedByteInASegmentStopsTheNodeFromStartingAndNamesTheFile(@TempDir Path root) throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).dataDirectory(root).build().start()) {
            Node leader = awaitLeader(cluster);
            for (int i = 0; i < 40; i++) {
                DurabilityTesting.put(leader, "key-" + i, "value-" + i);
            }
            Node victim = followers(cluster, leader).get(0);
            NodeId victimId = victim.id();
            eventually().until(() -> victim.status().appliedIndex() == leader.status().commitIndex());
            cluster.kill(victimId);

            List<Path> segments = DurabilityTesting.segmentFiles(cluster.dataDirectory(victimId));
            assertThat(segments).hasSize(1);
            Path segment = segments.get(0);
            byte[] bytes = Files.readAllBytes(segment);
            // The middle of a file of 40-odd records: damage with intact records after it, never a torn last write.
            bytes[bytes.length / 2] ^= 0x5A;
            Files.write(segment, bytes);

            assertThatThrownBy(() -> cluster.restart(victimId))
                    .isInstanceOf(LogCorruptedException.class)
                    .hasMessageContaining(segment.toString())
                    .satisfies(e -> assertThat(((LogCorruptedException) e).file()).isEqualTo(segment));
            assertThat(cluster.nodes()).extracting(Node::id).doesNotContain(victimId);

            // The two others still make a majority, and serve.
            DurabilityTesting.put(leader, "after-corruption", "yes");
            for (Node node : cluster.nodes()) {
                assertThat(node.store().get("after-corruption", STRONG)).contains("yes");
            }

            // The refused start released the directory: the operator's remedy, a wipe, works at once.
            Node rebuilt = cluster.wipe(victimId);
            eventually().untilAsserted(() -> {
                assertThat(rebuilt.store().get("after-corruption", EVENTUAL)).contains("yes");
                for (int i = 0; i < 40; i++) {
                    assertThat(rebuilt.store().get("key-" + i, EVENTUAL)).contains("value-" + i);
                }
            });
        }
    }
}
