package io.nodesync.cluster;

import static io.nodesync.ConsistencyPolicy.EVENTUAL;
import static io.nodesync.ConsistencyPolicy.STRONG;
import static io.nodesync.cluster.ClusterTesting.awaitLeader;
import static io.nodesync.cluster.ClusterTesting.eventually;
import static io.nodesync.cluster.ClusterTesting.followers;
import static io.nodesync.cluster.ClusterTesting.quorumFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.NodeListener;
import io.nodesync.Role;
import io.nodesync.cluster.DurabilityTesting.Storage;
import io.nodesync.testing.LocalCluster;
import io.nodesync.testing.LocalCluster.LogState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A node that lost its disk comes back empty and cannot know what it voted for or helped commit: until it has heard
 * every peer's term and caught up with a leader of a later term, it must neither vote nor campaign. The cluster's
 * majority keeps working meanwhile, and a cluster whose disks are all new starts normally.
 */
class WipedNodeRejoinTest {

    /** Rejoining takes a term query round and one election; this bounds it with a wide margin for slow machines. */
    private static final Duration REJOIN_BOUND = Duration.ofSeconds(10);

    @ParameterizedTest
    @EnumSource(Storage.class)
    void aWipedFollowerCatchesUpWithoutVotingWhileTheMajorityServesWrites(Storage storage, @TempDir Path root)
            throws Exception {
        try (LocalCluster cluster = storage.cluster(root).build().start()) {
            Node leader = awaitLeader(cluster);
            Map<String, String> expected = new LinkedHashMap<>();
            for (int i = 0; i < 20; i++) {
                DurabilityTesting.put(leader, "before-" + i, "b" + i);
                expected.put("before-" + i, "b" + i);
            }
            Map<Long, NodeId> leaders = new ConcurrentHashMap<>();
            cluster.addListener(new NodeListener() {
                @Override
                public void onLeaderChange(NodeId newLeader, long term) {
                    if (newLeader != null) {
                        leaders.put(term, newLeader);
                    }
                }
            });
            NodeId wipedId = followers(cluster, leader).get(0).id();
            NodeId otherFollower = followers(cluster, leader).get(1).id();
            if (storage == Storage.FILES) {
                assertThat(DurabilityTesting.segmentFiles(cluster.dataDirectory(wipedId))).isNotEmpty();
            }
            // Until this link is restored the wiped node misses one peer's term, so it stays rejoining for as long
            // as the first checks take, however slow the machine.
            cluster.network().blockLink(wipedId, otherFollower);
            cluster.network().blockLink(otherFollower, wipedId);

            Node wiped = cluster.wipe(wipedId);
            if (storage == Storage.FILES) {
                assertThat(DurabilityTesting.segmentFiles(cluster.dataDirectory(wipedId))).isEmpty();
            }
            // Each sample of its state must show no vote for another node and no campaign: a vote granted while
            // rejoining is saved (and published) before the candidate can win and end the rejoin. Strong writes keep
            // succeeding all along, without it.
            List<LogState> whileRejoining = new ArrayList<>();
            int i = 0;
            for (; i < 10; i++) {
                LogState state = cluster.logState(wipedId);
                assertThat(state.rejoining()).isTrue();
                whileRejoining.add(state);
                assertThat(wiped.status().role()).isEqualTo(Role.FOLLOWER);
                leader.store().put("during-" + i, "d" + i, STRONG);
                expected.put("during-" + i, "d" + i);
            }

            cluster.heal();
            long start = System.nanoTime();
            for (LogState state = cluster.logState(wipedId); state.rejoining(); state = cluster.logState(wipedId)) {
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("time to rejoin").isLessThan(REJOIN_BOUND);
                whileRejoining.add(state);
                assertThat(wiped.status().role()).isEqualTo(Role.FOLLOWER);
                leader.store().put("during-" + i, "d" + i, STRONG);
                expected.put("during-" + i, "d" + i);
                i++;
            }
            assertThat(whileRejoining).allSatisfy(state -> assertThat(state.votedFor())
                    .as("vote while rejoining in term %d", state.term()).isIn(null, wipedId));
            assertThat(leaders).doesNotContainValue(wipedId);

            // Caught up: it holds everything, including what was written while it rejoined.
            eventually().untilAsserted(() -> {
                for (Map.Entry<String, String> entry : expected.entrySet()) {
                    assertThat(wiped.store().get(entry.getKey(), EVENTUAL)).as(entry.getKey())
                            .contains(entry.getValue());
                }
            });

            // And it votes again: without the old leader, the two others need its vote to elect one.
            Node current = cluster.currentLeader().orElseThrow();
            cluster.kill(current.id());
            Node next = cluster.awaitNewLeader(current.id(), ClusterTesting.ELECTION_WAIT);
            DurabilityTesting.put(next, "after", "yes");
            assertThat(wiped.store().get("after", STRONG)).contains("yes");
        }
    }

    @Test
    void aWipedNodeThatCannotHearEveryPeerGrantsNoVote() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node leader = awaitLeader(cluster);
            DurabilityTesting.put(leader, "key", "value");
            NodeId wipedId = followers(cluster, leader).get(0).id();
            Node intact = followers(cluster, leader).get(1);

            // In this order no election can happen in between: the intact node is alone until the wipe restarts
            // the other one.
            cluster.kill(wipedId);
            cluster.kill(leader.id());
            long term = intact.status().term();
            Node wiped = cluster.wipe(wipedId);

            // The intact node needs the wiped node's vote, which it must not get: while a peer is silent, the wiped
            // node cannot learn the terms it may have voted in before its disk was lost. A write waits its full
            // request timeout (many election timeouts) for a leader that never comes.
            eventually().until(() -> intact.status().leaderId().isEmpty()); // else the write goes to the dead leader
            quorumFailure(intact.store().putAsync("no-leader", "x", STRONG));
            assertThat(cluster.currentLeader()).isEmpty();
            assertThat(cluster.logState(wipedId).rejoining()).isTrue();
            assertThat(cluster.logState(wipedId).votedFor()).isNull();
            assertThat(cluster.logState(intact.id()).term()).as("no election got past pre-vote").isEqualTo(term);
            assertThat(wiped.status().role()).isEqualTo(Role.FOLLOWER);

            // With the old leader back, the majority elects a leader and the wiped node catches up from it.
            cluster.restart(leader.id());
            Node next = awaitLeader(cluster);
            assertThat(next.id()).isNotEqualTo(wipedId);
            eventually().until(() -> !cluster.logState(wipedId).rejoining());
            assertThat(wiped.store().get("key", STRONG)).contains("value");
            assertThat(wiped.store().get("no-leader", STRONG)).isEmpty();
        }
    }

    @Test
    void aClusterStartedOnEmptyDirectoriesElectsALeaderAndServesWrites(@TempDir Path root) throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).dataDirectory(root).build()) {
            for (NodeId id : cluster.ids()) {
                assertThat(cluster.dataDirectory(id)).doesNotExist();
            }
            cluster.start();
            // Every node starts as one that may have lost its disk. Nodes that hear only empty logs vote at once;
            // one that hears of the first leader's entries catches up with it first.
            Node leader = awaitLeader(cluster);
            DurabilityTesting.put(leader, "first", "write");
            eventually().until(() -> cluster.ids().stream().noneMatch(id -> cluster.logState(id).rejoining()));
            for (Node node : cluster.nodes()) {
                // Reads have no effect, so a node whose failure detector briefly misses its peers on a busy machine
                // (and refuses at once) is simply asked again until it serves the write.
                eventually().ignoreExceptionsInstanceOf(io.nodesync.QuorumNotReachedException.class)
                        .untilAsserted(() -> assertThat(node.store().get("first", STRONG)).contains("write"));
                assertThat(DurabilityTesting.segmentFiles(cluster.dataDirectory(node.id()))).isNotEmpty();
            }
        }
    }
}
