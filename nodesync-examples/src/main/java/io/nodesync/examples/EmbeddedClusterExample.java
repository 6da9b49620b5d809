package io.nodesync.examples;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Node;
import io.nodesync.QuorumNotReachedException;
import io.nodesync.Store;
import io.nodesync.testing.LocalCluster;
import java.time.Duration;

/** The README's embedding example, compiled and run by a test so that the README never goes stale. */
public final class EmbeddedClusterExample {

    private EmbeddedClusterExample() {
    }

    /** Starts a 3-node cluster in this JVM, writes, loses the leader, and keeps going. */
    public static void main(String[] args) throws Exception {
        // readme:start
        try (LocalCluster cluster = LocalCluster.builder().nodes(3).build().start()) {
            Node leader = cluster.awaitLeader(Duration.ofSeconds(10));
            Store store = cluster.node(0).store();              // any node: followers forward to the leader

            store.put("greeting", "hello");                     // strong: returns once a majority has it
            System.out.println(store.get("greeting"));          // Optional[hello], linearizable

            cluster.kill(leader.id());                          // the leader dies...
            Node next = cluster.awaitNewLeader(leader.id(), Duration.ofSeconds(10));
            System.out.println("new leader: " + next.id());     // ...another takes over
            next.store().put("greeting", "still here");

            cluster.kill(next.id());                            // now only one of three is up
            Store lonely = cluster.nodes().get(0).store();
            try {
                lonely.put("greeting", "alone");                // strong needs a majority
            } catch (QuorumNotReachedException e) {
                System.out.println(e.getMessage());             // quorum not reached: ...
            }
            lonely.put("draft", "saved locally", ConsistencyPolicy.EVENTUAL);  // eventual still works
            System.out.println(lonely.get("draft", ConsistencyPolicy.EVENTUAL));
        }
        // readme:end
    }
}
