package io.nodesync.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.NodeStatus;
import io.nodesync.QuorumNotReachedException;
import io.nodesync.testing.LocalCluster;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * Shared waits and checks for the in-process cluster tests. Every wait is bounded and condition-based: the nodes
 * tick every 10 ms, so a poll interval of one tick keeps the tests fast, and the generous bounds only matter when
 * something is wrong (or CI is very slow).
 */
final class ClusterTesting {

    /** The bound on any single wait for the cluster to reach a state. */
    static final Duration WAIT = Duration.ofSeconds(20);
    /** The bound on an election (many election timeouts of {@link LocalCluster#DEFAULT_TIMING}). */
    static final Duration ELECTION_WAIT = Duration.ofSeconds(10);

    private ClusterTesting() {
    }

    /** Awaitility with the suite's bound and a one-tick poll interval. */
    static ConditionFactory eventually() {
        return Awaitility.await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
    }

    static Node awaitLeader(LocalCluster cluster) throws TimeoutException, InterruptedException {
        return cluster.awaitLeader(ELECTION_WAIT);
    }

    /** Waits until {@code id} is the agreed leader of the running nodes and returns it. */
    static Node awaitLeaderIs(LocalCluster cluster, NodeId id) throws TimeoutException, InterruptedException {
        cluster.awaitCondition(ELECTION_WAIT, "leader " + id,
                c -> c.currentLeader().map(leader -> leader.id().equals(id)).orElse(false));
        return cluster.node(id);
    }

    /** The running nodes other than {@code leader}. */
    static List<Node> followers(LocalCluster cluster, Node leader) {
        return cluster.nodes().stream().filter(node -> !node.id().equals(leader.id())).toList();
    }

    /** Waits until {@code node}'s failure detector reports every one of {@code peers} DOWN. */
    static void awaitPeersDown(Node node, List<NodeId> peers) {
        eventually().alias(node.id() + " sees " + peers + " DOWN").until(() -> {
            NodeStatus status = node.status();
            return peers.stream().allMatch(peer -> status.peers().get(peer) == NodeStatus.PeerState.DOWN);
        });
    }

    /** Waits until {@code node} sees every peer UP and follows (or is) the cluster's agreed leader. */
    static void awaitRejoined(LocalCluster cluster, Node node) {
        eventually().alias(node.id() + " rejoined").until(() -> {
            NodeStatus status = node.status();
            boolean allUp = status.peers().values().stream().allMatch(state -> state == NodeStatus.PeerState.UP);
            return allUp && cluster.currentLeader()
                    .map(leader -> leader.id().equals(status.leader()) && leader.status().term() == status.term())
                    .orElse(false);
        });
    }

    /** Waits until every running node's failure detector sees every other running node UP. */
    static void awaitRunningNodesSeeEachOther(LocalCluster cluster) {
        eventually().alias("running nodes see each other UP").until(() -> {
            List<Node> nodes = cluster.nodes();
            return nodes.stream().allMatch(node -> nodes.stream().filter(other -> other != node)
                    .allMatch(other -> node.status().peers().get(other.id()) == NodeStatus.PeerState.UP));
        });
    }

    /**
     * Waits for a future the node must fail with {@link QuorumNotReachedException} and returns that exception;
     * fails the test if it succeeds or fails otherwise.
     */
    static QuorumNotReachedException quorumFailure(CompletableFuture<?> future) throws InterruptedException {
        try {
            Object result = future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return fail("expected QuorumNotReachedException but the request succeeded with " + result);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(QuorumNotReachedException.class)
                    .hasMessageContaining("quorum not reached");
            return (QuorumNotReachedException) e.getCause();
        } catch (TimeoutException e) {
            return fail("the node did not answer within " + WAIT);
        }
    }

    /**
     * Waits until the wall clock has moved past the current millisecond. Hybrid logical clock timestamps carry
     * milliseconds; two nodes that cannot talk (a partition) can only order their writes by physical time, so a test
     * that needs "write B is later than write A" across a partition must let at least one millisecond pass after A
     * completed. This waits on the clock, not for a fixed time.
     */
    static void awaitNextMillisecond() {
        long now = System.currentTimeMillis();
        Awaitility.await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .until(() -> System.currentTimeMillis() > now);
    }
}
