package io.nodesync.cluster;

import static io.nodesync.cluster.ClusterTesting.awaitLeader;
import static io.nodesync.cluster.ClusterTesting.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.log.FileLog;
import io.nodesync.log.FsyncPolicy;
import io.nodesync.log.InMemoryLog;
import io.nodesync.log.Log;
import io.nodesync.testing.LocalCluster;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the in-process cluster keeps its nodes' logs: where, when the files are released, and what a wipe leaves. */
class LocalClusterStorageTest {

    @Test
    void killReleasesANodesDirectoryAndCloseReleasesEveryOneButKeepsThem(@TempDir Path root) throws Exception {
        Path clusterRoot = root.resolve("not-yet-created");
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).dataDirectory(clusterRoot).fsync(FsyncPolicy.NEVER)
                .build().start()) {
            Node leader = awaitLeader(cluster);
            DurabilityTesting.put(leader, "key", "value");
            NodeId killed = cluster.id(0);
            assertThat(cluster.dataDirectory(killed)).isEqualTo(clusterRoot.resolve(killed.value()));
            assertThatThrownBy(() -> openAndClose(cluster.dataDirectory(killed), killed))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already open");

            cluster.kill(killed);
            openAndClose(cluster.dataDirectory(killed), killed);
            cluster.restart(killed);
        }
        for (int i = 1; i <= 3; i++) {
            NodeId id = NodeId.of(i);
            try (FileLog log = FileLog.open(clusterRoot.resolve(id.value()), id, FileLog.Options.defaults())) {
                assertThat(log.isNew()).isFalse();
                assertThat(log.lastIndex()).isPositive();
            }
        }
    }

    @Test
    void anInMemoryWipeReplacesTheLogWithOneThatRejoins() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node leader = awaitLeader(cluster);
            DurabilityTesting.put(leader, "key", "value");
            NodeId wiped = cluster.id(0);
            InMemoryLog before = cluster.log(wiped);

            cluster.wipe(wiped);
            eventually().until(() -> !cluster.logState(wiped).rejoining());
            cluster.kill(wiped); // the log may only be read while its node is down
            InMemoryLog after = cluster.log(wiped);
            assertThat(after).isNotSameAs(before);
            assertThat(after.rejoinTerm()).isEqualTo(Log.NOT_REJOINING);
            assertThat(after.lastIndex()).isGreaterThanOrEqualTo(before.lastIndex());
        }
    }

    @Test
    void theBuilderRefusesSettingsThatCannotWork(@TempDir Path root) {
        assertThatThrownBy(() -> LocalCluster.builder().fsync(FsyncPolicy.NEVER).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("dataDirectory");
        assertThatThrownBy(() -> LocalCluster.builder().ids("a", "..").dataDirectory(root).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'..'");
        assertThatThrownBy(() -> LocalCluster.builder().ids("a", "b/c").dataDirectory(root).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'b/c'");
        assertThatThrownBy(() -> LocalCluster.builder().snapshotThreshold(0))
                .isInstanceOf(IllegalArgumentException.class);

        try (LocalCluster inMemory = LocalCluster.builder().build();
                LocalCluster onFiles = LocalCluster.builder().dataDirectory(root).build()) {
            assertThatThrownBy(() -> inMemory.dataDirectory(inMemory.id(0))).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> onFiles.log(onFiles.id(0))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(root.resolve("1").toString());
            assertThatThrownBy(() -> onFiles.logState(onFiles.id(0))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("never started");
        }
    }

    private static void openAndClose(Path directory, NodeId id) {
        FileLog.open(directory, id, FileLog.Options.defaults()).close();
    }
}
