package io.nodesync.cluster;

import static io.nodesync.ConsistencyPolicy.STRONG;
import static io.nodesync.cluster.ClusterTesting.awaitLeaderIs;
import static io.nodesync.cluster.ClusterTesting.awaitRejoined;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Election;
import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.testing.LocalCluster;
import org.junit.jupiter.api.Test;

/** The priority election: the highest live, caught-up id leads. */
class PriorityElectionTest {

    private static final NodeId LOW = NodeId.of("5000");
    private static final NodeId MIDDLE = NodeId.of("5001");
    private static final NodeId HIGH = NodeId.of("5002");

    @Test
    void highestLiveIdLeadsAndTakesOverAgainOnceCaughtUp() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().ids("5000", "5001", "5002")
                .election(Election.priority()).build().start()) {
            Node high = awaitLeaderIs(cluster, HIGH);
            long firstTerm = high.status().term();
            cluster.node(LOW).store().put("one", "1");

            cluster.kill(HIGH);
            Node middle = awaitLeaderIs(cluster, MIDDLE);
            assertThat(middle.status().term()).isGreaterThan(firstTerm);
            // Writes made while the highest node is away, which it must catch up on before it may lead.
            for (int i = 0; i < 20; i++) {
                cluster.node(i % 2 == 0 ? LOW : MIDDLE).store().put("while-away-" + i, "w" + i);
            }

            Node restarted = cluster.restart(HIGH);
            awaitLeaderIs(cluster, HIGH);
            awaitRejoined(cluster, restarted);
            assertThat(restarted.status().isLeader()).isTrue();
            // Leading, it has everything the cluster committed without it.
            assertThat(restarted.store().get("one", STRONG)).contains("1");
            for (int i = 0; i < 20; i++) {
                assertThat(restarted.store().get("while-away-" + i, STRONG)).contains("w" + i);
            }
            restarted.store().put("two", "2");
            assertThat(cluster.node(LOW).store().get("two", STRONG)).contains("2");
            assertThat(cluster.node(MIDDLE).store().get("two", STRONG)).contains("2");
        }
    }
}
