package io.nodesync.examples;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Election;
import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.NodeStatus;
import io.nodesync.QuorumNotReachedException;
import io.nodesync.testing.LocalCluster;
import java.io.PrintStream;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.Optional;

/**
 * The narrated demo behind {@code ./nodesync demo}: three nodes named after the seed's ports (5000-5002) in this
 * process, with the seed's "highest port leads" election. Every claim it prints is checked; it returns a non-zero
 * status if any did not hold.
 */
final class Demo {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final PrintStream out;
    private int failures;

    private Demo(PrintStream out) {
        this.out = out;
    }

    /** Runs the demo, printing to {@code out}. Returns the process exit status: 0 when every check held. */
    static int run(PrintStream out) throws Exception {
        return new Demo(out).play();
    }

    private int play() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().ids("5000", "5001", "5002")
                .election(Election.priority()).build().start()) {
            say("Started nodes 5000, 5001, 5002 in this process (in-memory network, priority election)");

            // Whoever times out first may lead for a moment; the priority election then hands office to the
            // highest live, caught-up port.
            Node leader = awaitLeaderNamed(cluster, "5002");
            say("leader elected: " + leader.id() + " (the highest port)");

            Node follower = cluster.node(NodeId.of("5000"));
            say("SET colour blue  -> node 5000 (a follower; it forwards to the leader)");
            follower.store().put("colour", "blue");
            for (Node node : cluster.nodes()) {
                Optional<String> value = node.store().get("colour", ConsistencyPolicy.STRONG);
                check("GET colour on " + node.id() + " = " + value.orElse("NOT_FOUND"),
                        value.equals(Optional.of("blue")), "expected blue");
            }

            say("Killing the leader " + leader.id());
            cluster.kill(leader.id());
            Node next = awaitLeaderNamed(cluster, "5001");
            say("a new leader is elected: " + next.id() + " (the highest port still up)");
            next.store().put("colour", "green");
            check("writes continue: SET colour green -> OK",
                    follower.store().get("colour", ConsistencyPolicy.STRONG).equals(Optional.of("green")), "");

            say("CONSISTENCY strong, then killing " + next.id() + ": two of three nodes are down");
            follower.store().setConsistency(ConsistencyPolicy.STRONG);
            cluster.kill(next.id());
            cluster.awaitCondition(WAIT, "node 5000 to see its peers DOWN", c -> follower.status().peers().values()
                    .stream().allMatch(state -> state == NodeStatus.PeerState.DOWN));
            try {
                follower.store().put("colour", "red");
                check("SET colour red must fail without a majority", false, "it succeeded");
            } catch (QuorumNotReachedException e) {
                say("SET colour red  -> FAIL: quorum not reached");
            }

            say("CONSISTENCY eventual on node 5000");
            follower.store().setConsistency(ConsistencyPolicy.EVENTUAL);
            follower.store().put("colour", "purple");
            check("SET colour purple -> OK (accepted locally, replicated later)",
                    follower.store().get("colour").equals(Optional.of("purple")), "local view differs");

            say("Restarting 5001 and 5002");
            cluster.restart(NodeId.of("5001"));
            cluster.restart(NodeId.of("5002"));
            cluster.awaitCondition(WAIT, "all nodes to converge", c -> c.nodes().stream().allMatch(node ->
                    node.status().pendingEventualWrites() == 0
                            && Objects.equals(viewOf(node, "colour"), Optional.of("purple"))
                            && node.store().consistency() == ConsistencyPolicy.EVENTUAL));
            for (Node node : cluster.nodes()) {
                say("node " + node.id() + ": colour = " + viewOf(node, "colour").orElse("NOT_FOUND")
                        + ", consistency = " + node.store().consistency().wireName());
            }
            say("every node converged on purple and on eventual mode");
            awaitLeaderNamed(cluster, "5002");
            say("5002 is back in charge: the highest live, caught-up port leads (by leadership transfer)");
        }
        say(failures == 0 ? "Demo finished: every check held." : "Demo finished with " + failures + " failed check(s).");
        return failures == 0 ? 0 : 1;
    }

    private static Node awaitLeaderNamed(LocalCluster cluster, String id) throws Exception {
        return cluster.awaitCondition(WAIT, id + " to lead", c -> c.currentLeader()
                .map(node -> node.id().equals(NodeId.of(id))).orElse(false)).currentLeader().orElseThrow();
    }

    private static Optional<String> viewOf(Node node, String key) {
        return node.store().get(key, ConsistencyPolicy.EVENTUAL);
    }

    private void check(String claim, boolean held, String otherwise) {
        if (held) {
            say(claim);
        } else {
            failures++;
            say("CHECK FAILED: " + claim + (otherwise.isEmpty() ? "" : " (" + otherwise + ")"));
        }
    }

    private void say(String line) {
        out.println(LocalTime.now().format(TIME) + " [DEMO     ] " + line);
    }
}
