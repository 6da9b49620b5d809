package io.nodesync.cluster;

import static io.nodesync.ConsistencyPolicy.STRONG;
import static io.nodesync.cluster.ClusterTesting.awaitLeader;
import static io.nodesync.cluster.ClusterTesting.awaitRunningNodesSeeEachOther;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Node;
import io.nodesync.QuorumNotReachedException;
import io.nodesync.testing.LocalCluster;
import io.nodesync.transport.InMemoryNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Under message loss, duplication, delay and reordering, strong requests either succeed or fail with
 * {@link QuorumNotReachedException}, nothing acknowledged is lost, nothing refused appears, and nothing is applied
 * twice.
 */
class MessageFaultsTest {

    private static final int THREADS = 3;

    /** What happened to one write, as its caller saw it. */
    private enum Outcome {
        OK, NO_EFFECT, UNKNOWN
    }

    private static Outcome attempt(Runnable request) {
        try {
            request.run();
            return Outcome.OK;
        } catch (QuorumNotReachedException e) {
            return e.outcomeUnknown() ? Outcome.UNKNOWN : Outcome.NO_EFFECT;
        }
    }

    private static void injectFaults(InMemoryNetwork network) {
        network.setDropRate(0.2);
        network.setDuplicateRate(0.2);
        network.setDelay(Duration.ZERO, Duration.ofMillis(5));
    }

    @Test
    void strongWritesFromSeveralNodesSurviveLossDuplicationAndDelay() throws Exception {
        int writesPerThread = 10;
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            awaitLeader(cluster);
            List<Node> nodes = cluster.nodes();
            injectFaults(cluster.network());

            Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
            Map<String, Outcome> lastWriterOutcomes = new ConcurrentHashMap<>();
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Node via = nodes.get(t);
                String writer = "w" + t;
                writers.add(pool.submit((Callable<Void>) () -> {
                    start.await(10, TimeUnit.SECONDS);
                    for (int i = 0; i < writesPerThread; i++) {
                        String key = writer + "-" + i;
                        outcomes.put(key, attempt(() -> via.store().put(key, "v-" + key)));
                        String shared = writer + ":" + i;
                        lastWriterOutcomes.put(shared, attempt(() -> via.store().put("shared", shared)));
                    }
                    return null;
                }));
            }
            for (Future<?> writer : writers) {
                writer.get(60, TimeUnit.SECONDS); // any exception other than QuorumNotReached fails the test here
            }
            long succeeded = outcomes.values().stream().filter(outcome -> outcome == Outcome.OK).count();
            System.out.println("strong writes under faults: " + summarize(outcomes) + ", shared: "
                    + summarize(lastWriterOutcomes) + "; dropped " + cluster.network().droppedCount());
            assertThat(succeeded).as("most writes get through a 20%% lossy network").isGreaterThan(outcomes.size() / 2);

            cluster.heal();
            awaitLeader(cluster);
            awaitRunningNodesSeeEachOther(cluster);
            Map<String, Optional<String>> first = null;
            for (Node node : nodes) {
                Map<String, Optional<String>> view = new HashMap<>();
                for (String key : outcomes.keySet()) {
                    view.put(key, node.store().get(key, STRONG));
                }
                view.put("shared", node.store().get("shared", STRONG));
                if (first == null) {
                    first = view;
                } else {
                    assertThat(view).as("strong reads through %s", node.id()).isEqualTo(first);
                }
            }
            for (Map.Entry<String, Outcome> entry : outcomes.entrySet()) {
                Optional<String> value = first.get(entry.getKey());
                switch (entry.getValue()) {
                    case OK -> assertThat(value).as(entry.getKey()).contains("v-" + entry.getKey());
                    case NO_EFFECT -> assertThat(value).as(entry.getKey()).isEmpty();
                    case UNKNOWN -> assertThat(value.orElse("v-" + entry.getKey())).isEqualTo("v-" + entry.getKey());
                    default -> throw new AssertionError(entry);
                }
            }
            // The shared key holds a value somebody wrote and was not told "no effect".
            String shared = first.get("shared").orElseThrow();
            assertThat(lastWriterOutcomes).containsKey(shared);
            assertThat(lastWriterOutcomes.get(shared)).isNotEqualTo(Outcome.NO_EFFECT);
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** One compare-and-set attempt: the value it expected, the value it tried to install, and what it was told. */
    private record CasAttempt(String expected, String installed, Outcome outcome) {
    }

    @Test
    void casCounterEndsAtExactlyTheNumberOfAppliedIncrements() throws Exception {
        int attemptsPerThread = 8;
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            awaitLeader(cluster);
            List<Node> nodes = cluster.nodes();
            nodes.get(0).store().put("counter", "0");
            injectFaults(cluster.network());

            // Every installed value is unique ("count:thread:attempt"), so the chain of applied swaps can be traced.
            Map<String, CasAttempt> attemptsByInstalled = new ConcurrentHashMap<>();
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Node via = nodes.get(t);
                int thread = t;
                workers.add(pool.submit((Callable<Void>) () -> {
                    start.await(10, TimeUnit.SECONDS);
                    for (int i = 0; i < attemptsPerThread; i++) {
                        Optional<String> current;
                        try {
                            current = via.store().get("counter", STRONG);
                        } catch (QuorumNotReachedException e) {
                            continue; // reads have no effect; try the next attempt
                        }
                        String expected = current.orElseThrow();
                        String installed = (count(expected) + 1) + ":" + thread + ":" + i;
                        boolean[] swapped = new boolean[1];
                        Outcome outcome = attempt(() -> swapped[0] =
                                via.store().compareAndSet("counter", expected, installed));
                        if (outcome != Outcome.OK || swapped[0]) {
                            attemptsByInstalled.put(installed, new CasAttempt(expected, installed, outcome));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(60, TimeUnit.SECONDS);
            }

            cluster.heal();
            awaitLeader(cluster);
            awaitRunningNodesSeeEachOther(cluster);
            String finalValue = nodes.get(0).store().get("counter", STRONG).orElseThrow();
            for (Node node : nodes) {
                assertThat(node.store().get("counter", STRONG)).as("counter via %s", node.id()).contains(finalValue);
            }

            // Walk the applied swaps back from the final value to "0".
            Set<String> applied = new HashSet<>();
            for (String value = finalValue; !value.equals("0"); ) {
                CasAttempt swap = attemptsByInstalled.get(value);
                assertThat(swap).as("the swap that installed %s", value).isNotNull();
                assertThat(swap.outcome()).as("outcome reported for applied %s", value)
                        .isNotEqualTo(Outcome.NO_EFFECT);
                assertThat(applied.add(value)).isTrue();
                assertThat(count(swap.expected())).isEqualTo(count(value) - 1);
                value = swap.expected();
            }
            long successes = attemptsByInstalled.values().stream().filter(a -> a.outcome() == Outcome.OK).count();
            long unknownButApplied = applied.stream()
                    .filter(value -> attemptsByInstalled.get(value).outcome() == Outcome.UNKNOWN).count();
            System.out.println("CAS counter under faults: final " + finalValue + ", successes " + successes
                    + ", unknown-but-applied " + unknownButApplied + ", attempts recorded "
                    + attemptsByInstalled.size());
            // Every acknowledged swap is in the chain, and the counter counts exactly the applied swaps.
            attemptsByInstalled.values().stream().filter(a -> a.outcome() == Outcome.OK)
                    .forEach(a -> assertThat(applied).contains(a.installed()));
            assertThat(count(finalValue)).isEqualTo(successes + unknownButApplied);
            assertThat(successes).as("some increments get through").isPositive();
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static long count(String value) {
        int colon = value.indexOf(':');
        return Long.parseLong(colon < 0 ? value : value.substring(0, colon));
    }

    private static String summarize(Map<String, Outcome> outcomes) {
        Map<Outcome, Long> counts = new HashMap<>();
        outcomes.values().forEach(outcome -> counts.merge(outcome, 1L, Long::sum));
        return counts.toString();
    }
}
