package io.nodesync.cluster;

import static io.nodesync.cluster.ClusterTesting.ELECTION_WAIT;
import static io.nodesync.cluster.ClusterTesting.awaitLeader;
import static io.nodesync.cluster.ClusterTesting.eventually;
import static io.nodesync.cluster.ClusterTesting.followers;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.NodeListener;
import io.nodesync.testing.LocalCluster;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Listeners hear of leader changes and of peers going down and coming back, on the callback thread. */
class NodeListenerTest {

    private record Event(String kind, NodeId node, long term, String thread) {
    }

    /** Records every callback with the thread it ran on. */
    private static final class Recorder implements NodeListener {
        final List<Event> events = new CopyOnWriteArrayList<>();

        @Override
        public void onLeaderChange(NodeId leader, long term) {
            events.add(new Event("leader", leader, term, Thread.currentThread().getName()));
        }

        @Override
        public void onPeerDown(NodeId peer) {
            events.add(new Event("down", peer, 0, Thread.currentThread().getName()));
        }

        @Override
        public void onPeerUp(NodeId peer) {
            events.add(new Event("up", peer, 0, Thread.currentThread().getName()));
        }

        boolean saw(String kind, NodeId node) {
            return events.stream().anyMatch(event -> event.kind().equals(kind) && java.util.Objects.equals(
                    event.node(), node));
        }

        List<Event> leaderEvents() {
            return events.stream().filter(event -> event.kind().equals("leader")).toList();
        }
    }

    @Test
    void peerDownAndUpAreReported() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node leader = awaitLeader(cluster);
            Node watcher = followers(cluster, leader).get(0);
            NodeId victim = followers(cluster, leader).get(1).id();
            Recorder atLeader = new Recorder();
            Recorder atWatcher = new Recorder();
            leader.addListener(atLeader);
            watcher.addListener(atWatcher);

            cluster.kill(victim);
            eventually().until(() -> atLeader.saw("down", victim) && atWatcher.saw("down", victim));
            assertThat(atWatcher.saw("up", victim)).isFalse();

            cluster.restart(victim);
            eventually().until(() -> atLeader.saw("up", victim) && atWatcher.saw("up", victim));
            for (Recorder recorder : List.of(atLeader, atWatcher)) {
                List<Event> aboutVictim = recorder.events.stream()
                        .filter(event -> victim.equals(event.node())).toList();
                assertThat(aboutVictim).extracting(Event::kind).containsExactly("down", "up");
            }
            // Callbacks run on the node's callback thread, never on its loop.
            assertThat(atLeader.events).allSatisfy(event ->
                    assertThat(event.thread()).isEqualTo("nodesync-callback-" + leader.id()));
            assertThat(atWatcher.events).allSatisfy(event ->
                    assertThat(event.thread()).isEqualTo("nodesync-callback-" + watcher.id()));
        }
    }

    @Test
    void leaderChangeIsReportedWithTheNewLeaderAndTerm() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node oldLeader = awaitLeader(cluster);
            long oldTerm = oldLeader.status().term();
            List<Node> survivors = followers(cluster, oldLeader);
            List<Recorder> recorders = survivors.stream().map(node -> {
                Recorder recorder = new Recorder();
                node.addListener(recorder);
                return recorder;
            }).toList();

            cluster.kill(oldLeader.id());
            Node newLeader = cluster.awaitNewLeader(oldLeader.id(), ELECTION_WAIT);
            long newTerm = newLeader.status().term();
            assertThat(newTerm).isGreaterThan(oldTerm);

            eventually().untilAsserted(() -> {
                for (Recorder recorder : recorders) {
                    List<Event> leaderEvents = recorder.leaderEvents();
                    assertThat(leaderEvents).isNotEmpty();
                    Event last = leaderEvents.get(leaderEvents.size() - 1);
                    assertThat(last.node()).isEqualTo(newLeader.id());
                    assertThat(last.term()).isEqualTo(newTerm);
                }
            });
            for (Recorder recorder : recorders) {
                // A listener added just after the election may still get that election's event (the status that
                // awaitLeader reads is published before callbacks run), so look at what follows the first "none".
                List<Event> leaderEvents = recorder.leaderEvents();
                int lost = leaderEvents.indexOf(leaderEvents.stream().filter(event -> event.node() == null)
                        .findFirst().orElseThrow(() -> new AssertionError("no 'no leader' event: " + leaderEvents)));
                // Between the two leaders each survivor knew none (the old one died; the new one needed its vote).
                assertThat(leaderEvents.subList(0, lost)).allSatisfy(event -> {
                    assertThat(event.node()).isEqualTo(oldLeader.id());
                    assertThat(event.term()).isEqualTo(oldTerm);
                });
                assertThat(leaderEvents.subList(lost + 1, leaderEvents.size())).extracting(Event::node)
                        .doesNotContain(oldLeader.id()).contains(newLeader.id());
                assertThat(recorder.saw("down", oldLeader.id())).isTrue();
            }
        }
    }

    @Test
    void removedListenerIsNotCalledAgain() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node leader = awaitLeader(cluster);
            NodeId victim = followers(cluster, leader).get(0).id();
            Recorder removed = new Recorder();
            Recorder kept = new Recorder();
            leader.addListener(removed);
            leader.removeListener(removed);
            leader.addListener(kept);

            cluster.kill(victim);
            eventually().until(() -> kept.saw("down", victim));
            // Each event goes to the listeners registered when it is delivered: the removed one missed this one (it
            // could only have caught a callback already queued while it was briefly registered).
            assertThat(removed.saw("down", victim)).isFalse();
        }
    }
}
