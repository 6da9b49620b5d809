package io.nodesync.cluster;

import static io.nodesync.ConsistencyPolicy.STRONG;
import static io.nodesync.cluster.ClusterTesting.eventually;

import io.nodesync.Node;
import io.nodesync.QuorumNotReachedException;
import io.nodesync.testing.LocalCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Shared setup of the tests of clusters that keep their state across restarts and lose it in a wipe. */
final class DurabilityTesting {

    private DurabilityTesting() {
    }

    /** Where the nodes keep their logs. */
    enum Storage {
        IN_MEMORY, FILES;

        /** A 3-node cluster builder with this storage, under {@code root} for files. */
        LocalCluster.Builder cluster(Path root) {
            LocalCluster.Builder builder = LocalCluster.builder().nodes(3);
            return this == FILES ? builder.dataDirectory(root) : builder;
        }
    }

    /**
     * A strong put, retried while it fails without effect. On a loaded machine a node's failure detector may briefly
     * see its peers down and refuse a write at once; the tests using this are about what happens to data, not that.
     */
    static void put(Node node, String key, String value) {
        retryWhileNoEffect(() -> node.store().put(key, value, STRONG));
    }

    /** A strong delete, retried as {@link #put}. */
    static void delete(Node node, String key) {
        retryWhileNoEffect(() -> node.store().delete(key, STRONG));
    }

    private static void retryWhileNoEffect(Runnable write) {
        eventually().ignoreExceptionsMatching(e -> e instanceof QuorumNotReachedException quorum
                && !quorum.outcomeUnknown()).until(() -> {
                    write.run();
                    return true;
                });
    }

    /** The segment files in a node's data directory. */
    static List<Path> segmentFiles(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".seg")).sorted().toList();
        }
    }
}
