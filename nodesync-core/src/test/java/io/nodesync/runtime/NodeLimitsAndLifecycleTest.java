package io.nodesync.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.LimitExceededException;
import io.nodesync.Limits;
import io.nodesync.Node;
import io.nodesync.NodeClosedException;
import io.nodesync.Store;
import io.nodesync.testing.LocalCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Bad input is refused before anything is replicated; queues are bounded; close leaves nothing behind. */
class NodeLimitsAndLifecycleTest {

    @Test
    void nullAndEmptyKeysAndValuesAreRejectedAtOnce() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(1).build().start()) {
            Store store = cluster.node(0).store();
            assertThatThrownBy(() -> store.put(null, "v")).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("key");
            assertThatThrownBy(() -> store.put("", "v")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("empty");
            assertThatThrownBy(() -> store.put("k", null)).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("value");
            assertThatThrownBy(() -> store.getAsync(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> store.getAsync("k", null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> store.compareAndSet("k", null, null)).isInstanceOf(NullPointerException.class);
            cluster.awaitLeader(Duration.ofSeconds(10));
            assertThat(cluster.node(0).status().commitIndex()).as("only the leader's no-op").isEqualTo(1);
        }
    }

    @Test
    void oversizedKeysAndValuesFailWithLimitExceededAndReplicateNothing() throws Exception {
        Limits small = Limits.DEFAULT.withMaxKeyBytes(8).withMaxValueBytes(16);
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).limits(small).build().start()) {
            Node leader = cluster.awaitLeader(Duration.ofSeconds(10));
            Store store = leader.store();
            // Let the leader's no-op commit first, so the only later change can come from this test.
            await().atMost(Duration.ofSeconds(10)).until(() -> leader.status().commitIndex() == 1);
            long commitBefore = leader.status().commitIndex();
            assertThatThrownBy(() -> store.put("123456789", "v")).isInstanceOf(LimitExceededException.class)
                    .hasMessageContaining("key of 9 bytes exceeds the limit of 8 bytes");
            // Multi-byte characters count in UTF-8 bytes, not chars: 6 x 3 bytes = 18 > 16.
            assertThatThrownBy(() -> store.put("k", "€€€€€€")).isInstanceOf(LimitExceededException.class)
                    .hasMessageContaining("value of 18 bytes");
            assertThatThrownBy(() -> store.compareAndSet("k", "x".repeat(17), "y"))
                    .isInstanceOf(LimitExceededException.class);
            assertThatThrownBy(() -> store.put("k", "x".repeat(17), ConsistencyPolicy.EVENTUAL))
                    .isInstanceOf(LimitExceededException.class);
            store.put("12345678", "x".repeat(16)); // exactly at the limits is fine
            assertThat(store.get("12345678")).contains("x".repeat(16));
            assertThat(leader.status().commitIndex()).isEqualTo(commitBefore + 1);
            assertThat(leader.status().pendingEventualWrites()).isZero();
        }
    }

    @Test
    void aFullInboxFailsFastWithLimitExceeded() throws Exception {
        BlockingTransport transport = new BlockingTransport();
        int capacity = 4;
        Node node = Node.builder().id("1").peers("2").transport(transport)
                .limits(Limits.DEFAULT.withInboxCapacity(capacity)).build().start();
        try {
            // The loop pings its peer within a heartbeat and then hangs in send(): nobody drains the inbox.
            assertThat(transport.sendEntered.await(10, TimeUnit.SECONDS)).isTrue();
            List<CompletableFuture<Void>> accepted = new ArrayList<>();
            for (int i = 0; i < capacity; i++) {
                accepted.add(node.store().putAsync("k" + i, "v", ConsistencyPolicy.EVENTUAL));
            }
            CompletableFuture<Void> overflow = node.store().putAsync("overflow", "v", ConsistencyPolicy.EVENTUAL);
            assertThat(overflow).isCompletedExceptionally();
            assertThatThrownBy(overflow::join).hasCauseInstanceOf(LimitExceededException.class)
                    .hasMessageContaining("inbox is full");
            assertThat(accepted).noneMatch(CompletableFuture::isDone);
            node.close();
            // Requests still queued when the node closed fail with NodeClosedException, none is left hanging.
            for (CompletableFuture<Void> future : accepted) {
                assertThatThrownBy(() -> future.get(10, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(NodeClosedException.class);
            }
        } finally {
            node.close();
        }
    }

    @Test
    void closeFailsInFlightRequestsWithNodeClosed() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node leader = cluster.awaitLeader(Duration.ofSeconds(10));
            Node follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
            // Cut the follower off so that its strong write is forwarded but can never be answered.
            cluster.network().blockLink(leader.id(), follower.id());
            CompletableFuture<Void> write = follower.store().putAsync("k", "v", ConsistencyPolicy.STRONG);
            CompletableFuture<Optional<String>> read = follower.store().getAsync("k", ConsistencyPolicy.STRONG);
            cluster.kill(follower.id());
            assertThatThrownBy(() -> write.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(NodeClosedException.class);
            assertThatThrownBy(() -> read.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(NodeClosedException.class);
            assertThatThrownBy(() -> follower.store().put("k", "v")).isInstanceOf(NodeClosedException.class);
            assertThat(follower.isRunning()).isFalse();
        }
    }

    @Test
    void closingAClusterLeavesNoThreadRunning() throws Exception {
        Set<Thread> before = nodesyncThreads();
        try (LocalCluster cluster = LocalCluster.builder().nodes(5).build().start()) {
            cluster.network().setDelay(Duration.ZERO, Duration.ofMillis(2)); // starts the delay thread too
            cluster.awaitLeader(Duration.ofSeconds(10)).store().put("k", "v");
            cluster.kill(cluster.id(0));
            cluster.restart(cluster.id(0));
            assertThat(nodesyncThreads()).hasSizeGreaterThan(before.size());
        }
        Set<Thread> leaked = nodesyncThreads();
        leaked.removeAll(before);
        assertThat(leaked).as("threads left after close").isEmpty();
    }

    @Test
    void aNodeStartsOnceAndRejectsWorkAfterClose() {
        Node node = Node.builder().id("1").transport(new io.nodesync.transport.InMemoryNetwork().transport(
                io.nodesync.NodeId.of("1"))).build();
        assertThatThrownBy(() -> node.store().put("k", "v")).isInstanceOf(NodeClosedException.class);
        node.start();
        assertThatThrownBy(node::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("already");
        node.close();
        node.close(); // idempotent
        assertThatThrownBy(() -> node.store().get("k")).isInstanceOf(NodeClosedException.class);
    }

    @Test
    void aNodeClosedFromItsOwnListenerStopsWithoutDeadlock() throws Exception {
        io.nodesync.transport.InMemoryNetwork network = new io.nodesync.transport.InMemoryNetwork();
        Node node = Node.builder().id("solo").transport(network.transport(io.nodesync.NodeId.of("solo"))).build();
        CompletableFuture<Void> closedInCallback = new CompletableFuture<>();
        node.addListener(new io.nodesync.NodeListener() {
            @Override
            public void onLeaderChange(io.nodesync.NodeId leader, long term) {
                node.close(); // on the node's own callback thread
                closedInCallback.complete(null);
            }
        });
        try {
            node.start();
            closedInCallback.get(10, TimeUnit.SECONDS);
            assertThat(node.isRunning()).isFalse();
            await().atMost(Duration.ofSeconds(10)).until(() -> nodesyncThreads().stream()
                    .noneMatch(thread -> thread.getName().endsWith("-solo")));
        } finally {
            node.close();
            network.close();
        }
    }

    @Test
    void aNodeRestartedWithTheSameSeedIsANewSessionSoItsWritesAreNotTakenForDuplicates() throws Exception {
        io.nodesync.log.InMemoryLog log = new io.nodesync.log.InMemoryLog();
        for (int incarnation = 1; incarnation <= 2; incarnation++) {
            io.nodesync.transport.InMemoryNetwork network = new io.nodesync.transport.InMemoryNetwork();
            Node node = Node.builder().id("solo").transport(network.transport(io.nodesync.NodeId.of("solo")))
                    .log(log).randomSeed(42).timing(LocalCluster.DEFAULT_TIMING).build().start();
            try {
                node.store().put("k", "v" + incarnation);
                assertThat(node.store().get("k")).contains("v" + incarnation);
            } finally {
                node.close();
                network.close();
            }
        }
    }

    private static Set<Thread> nodesyncThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("nodesync-") && thread.isAlive())
                .collect(Collectors.toSet());
    }
}
