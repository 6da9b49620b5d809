package io.nodesync.cluster;

import static io.nodesync.cluster.ClusterTesting.followers;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.NodeListener;
import io.nodesync.NodeStatus;
import io.nodesync.Role;
import io.nodesync.Timing;
import io.nodesync.testing.LocalCluster;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A fresh cluster elects one leader quickly, and never two in one term. */
class FirstLeaderElectionTest {

    /**
     * "A few election timeouts": the longest randomised timeout is twice the base; allow ten of those (4 s with the
     * default timing) so a loaded CI machine does not fail the test, while a livelocked election still does.
     */
    private static final Timing TIMING = LocalCluster.DEFAULT_TIMING;
    private static final Duration FIRST_LEADER_BOUND =
            TIMING.tick().multipliedBy(2L * TIMING.electionTimeoutTicks() * 10);

    /** Every leader any node reported, by term. */
    private final Map<Long, Set<NodeId>> leadersByTerm = new ConcurrentHashMap<>();

    private final NodeListener recorder = new NodeListener() {
        @Override
        public void onLeaderChange(NodeId leader, long term) {
            if (leader != null) {
                leadersByTerm.computeIfAbsent(term, t -> ConcurrentHashMap.newKeySet()).add(leader);
            }
        }
    };

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {3, 5})
    void electsExactlyOneLeaderWithinAFewElectionTimeouts(int size) throws Exception {
        long started = System.nanoTime();
        try (LocalCluster cluster = LocalCluster.builder().nodes(size).build().start()) {
            // Nodes cannot elect anyone before their first election timeout (200 ms), so these listeners are in
            // place long before; a missed event could only weaken the per-term check, never fail it falsely.
            cluster.nodes().forEach(node -> node.addListener(recorder));

            Node leader = cluster.awaitLeader(FIRST_LEADER_BOUND);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            System.out.println(size + " nodes: first leader " + leader.id() + " after " + took.toMillis() + " ms");

            long term = leader.status().term();
            assertThat(term).isPositive();
            // Every node ends up following that leader in that term: no other node leads anything.
            ClusterTesting.eventually().untilAsserted(() -> {
                for (Node follower : followers(cluster, leader)) {
                    NodeStatus status = follower.status();
                    assertThat(status.role()).as("role of %s", follower.id()).isEqualTo(Role.FOLLOWER);
                    assertThat(status.term()).as("term of %s", follower.id()).isEqualTo(term);
                    assertThat(status.leader()).as("leader seen by %s", follower.id()).isEqualTo(leader.id());
                }
            });
            assertThat(cluster.nodes().stream().filter(node -> node.status().role() == Role.LEADER))
                    .containsExactly(leader);

            // The leader works: a write through every node commits.
            for (Node node : cluster.nodes()) {
                node.store().put("hello-" + node.id(), "world");
            }
        }
        // Across everything every node reported, at most one leader per term, and the elected one was reported.
        leadersByTerm.forEach((term, leaders) -> assertThat(leaders).as("leaders of term %d", term).hasSize(1));
        assertThat(leadersByTerm).isNotEmpty();
    }
}
