package io.nodesync.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.OutcomeUnknownException;
import io.nodesync.QuorumNotReachedException;
import io.nodesync.consensus.ClientRequest.Op;
import io.nodesync.consensus.ReplicaHarness.Envelope;
import io.nodesync.consensus.ReplicaHarness.Outcome;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Entry;
import io.nodesync.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The life of client requests inside a replica, driven deterministically: forwarding, retries across leader changes
 * applied exactly once, eventual writes pushed until applied, fail-fast without a majority, follower reads.
 */
class ReplicaRequestLifecycleTest {

    @Test
    void aStrongWriteOnAFollowerIsForwardedAndCompletesWhenTheFollowerAppliesIt() {
        ReplicaHarness h = new ReplicaHarness(3, 1);
        Replica leader = h.awaitLeader();
        int follower = leader.self().equals(h.ids.get(0)) ? 2 : 1;
        long id = h.submit(follower, Op.PUT, "k", "v", null, null);
        Outcome outcome = h.awaitOutcome(follower, id);
        assertThat(outcome.error()).isNull();
        assertThat(h.replica(follower).stateMachine().get("k")).isEqualTo("v");
        long strongRead = h.submit(follower, Op.GET, "k", null, null, ConsistencyPolicy.STRONG);
        assertThat(h.awaitOutcome(follower, strongRead).result()).isEqualTo("v");
    }

    @Test
    void aWriteRetriedAfterALeaderChangeIsAppliedExactlyOnce() {
        ReplicaHarness h = new ReplicaHarness(3, 2);
        Replica leader = h.awaitLeader();
        int oldLeader = ReplicaHarness.number(leader.self());
        int follower = oldLeader == 1 ? 2 : 1;
        // The follower's forwarded write reaches the leader, which appends and replicates it, but every answer
        // to the follower is lost; then the leader dies. The retry goes to the new leader.
        h.linkUp = (from, to) -> !(to.equals(h.ids.get(follower - 1)) && from.equals(leader.self()));
        long id = h.submit(follower, Op.CAS, "counter", "1", null, null);
        h.deliverAll();
        h.isolated.add(leader.self());
        h.linkUp = (from, to) -> !h.isolated.contains(from) && !h.isolated.contains(to);
        Outcome outcome = h.awaitOutcome(follower, id);
        assertThat(outcome.error()).isNull();
        assertThat(outcome.result()).as("the CAS saw its own first application, not a mismatch").isEqualTo(true);
        assertThat(h.replica(follower).stateMachine().get("counter")).isEqualTo("1");
        // Two copies of the command may be in the log; only one took effect.
        long copies = entries(h.replica(follower)).stream()
                .filter(e -> e.command() instanceof ClientCommand c && c.kind() == ClientCommand.Kind.CAS).count();
        assertThat(copies).isBetween(1L, 2L);
    }

    @Test
    void aDuplicatedForwardIsAppliedOnce() {
        ReplicaHarness h = new ReplicaHarness(3, 3);
        Replica leader = h.awaitLeader();
        int follower = ReplicaHarness.number(leader.self()) == 1 ? 2 : 1;
        long first = h.submit(follower, Op.PUT, "k", "a", null, null);
        List<Envelope> forwards = h.network.stream()
                .filter(e -> e.message() instanceof Message.ForwardCommands).toList();
        assertThat(forwards).hasSize(1);
        h.network.add(forwards.get(0)); // the network delivers it twice
        assertThat(h.awaitOutcome(follower, first).error()).isNull();
        long second = h.submit(follower, Op.PUT, "k", "b", null, null);
        assertThat(h.awaitOutcome(follower, second).error()).isNull();
        h.network.add(forwards.get(0)); // and once more, late, after a newer write
        h.tick(5);
        for (Replica replica : h.replicas.values()) {
            assertThat(replica.stateMachine().get("k")).as("node %s", replica.self()).isEqualTo("b");
        }
    }

    @Test
    void anIsolatedNodeFailsStrongRequestsAtOnceButAcceptsEventualWrites() {
        ReplicaHarness h = new ReplicaHarness(3, 4);
        Replica leader = h.awaitLeader();
        int lonely = ReplicaHarness.number(leader.self()) == 3 ? 1 : 3;
        h.isolated.add(h.ids.get(lonely - 1));
        h.tick(ReplicaHarness.TIMING.failureTimeoutTicks() + 1);
        assertThat(h.replica(lonely).quorumReachable()).isFalse();

        long write = h.submit(lonely, Op.PUT, "k", "v", null, ConsistencyPolicy.STRONG);
        Outcome failed = h.outcome(lonely, write);
        assertThat(failed).as("failed in the same turn").isNotNull();
        assertThat(failed.error()).isInstanceOf(QuorumNotReachedException.class)
                .isNotInstanceOf(OutcomeUnknownException.class).hasMessageContaining("quorum not reached");
        assertThat(((QuorumNotReachedException) failed.error()).outcomeUnknown()).isFalse();

        long eventual = h.submit(lonely, Op.PUT, "k", "local", null, ConsistencyPolicy.EVENTUAL);
        assertThat(h.outcome(lonely, eventual).error()).isNull();
        assertThat(h.replica(lonely).viewOf("k")).isEqualTo("local");
        assertThat(h.replica(lonely).status().pendingEventualWrites()).isEqualTo(1);

        h.isolated.clear();
        h.tick(100);
        for (Replica replica : h.replicas.values()) {
            assertThat(replica.stateMachine().get("k")).as("node %s", replica.self()).isEqualTo("local");
        }
        assertThat(h.replica(lonely).status().pendingEventualWrites()).isZero();
    }

    @Test
    void aSentWriteThatNoMajorityConfirmsFailsAsOutcomeUnknownAtItsDeadline() {
        ReplicaHarness h = new ReplicaHarness(3, 5);
        Replica leader = h.awaitLeader();
        int leaderNumber = ReplicaHarness.number(leader.self());
        // The leader can send but hears nothing back: it appends the write and cannot commit it.
        h.linkUp = (from, to) -> !to.equals(leader.self());
        long id = h.submit(leaderNumber, Op.PUT, "k", "v", null, null);
        Outcome outcome = h.awaitOutcome(leaderNumber, id);
        assertThat(outcome.error()).isInstanceOf(QuorumNotReachedException.class);
        assertThat(((QuorumNotReachedException) outcome.error()).outcomeUnknown()).isTrue();
    }

    @Test
    void eventualWritesFollowTheLeaderAcrossChanges() {
        ReplicaHarness h = new ReplicaHarness(3, 6);
        Replica leader = h.awaitLeader();
        int follower = ReplicaHarness.number(leader.self()) == 1 ? 2 : 1;
        // The write's forward to the leader is lost, and then the leader is gone for good.
        h.isolated.add(leader.self());
        long id = h.submit(follower, Op.PUT, "k", "v", null, ConsistencyPolicy.EVENTUAL);
        assertThat(h.outcome(follower, id).error()).isNull();
        Replica next = h.awaitLeader();
        assertThat(next.self()).isNotEqualTo(leader.self());
        h.tick(50);
        assertThat(next.stateMachine().get("k")).isEqualTo("v");
        assertThat(h.replica(follower).status().pendingEventualWrites()).isZero();
    }

    @Test
    void aStrongWriteSortsAfterAnEventualWriteItsOriginAcceptedBeforeEvenIfTheLeaderSeesItLater() {
        ReplicaHarness h = new ReplicaHarness(3, 7);
        Replica leader = h.awaitLeader();
        int follower = ReplicaHarness.number(leader.self()) == 1 ? 2 : 1;
        h.skewMillis.put(leader.self(), -500L); // the leader's clock is behind the follower's
        h.submit(follower, Op.PUT, "k", "eventual", null, ConsistencyPolicy.EVENTUAL);
        // The eventual write's forward is lost: the leader stamps the strong write before it ever sees it.
        h.network.removeIf(e -> e.message() instanceof Message.ForwardCommands);
        long strong = h.submit(follower, Op.PUT, "k", "strong", null, ConsistencyPolicy.STRONG);
        assertThat(h.awaitOutcome(follower, strong).error()).isNull();
        h.tick(3 * ReplicaHarness.TIMING.electionTimeoutTicks()); // the forwarder re-sends the eventual write
        assertThat(h.replica(follower).status().pendingEventualWrites()).isZero();
        for (Replica replica : h.replicas.values()) {
            assertThat(replica.stateMachine().get("k")).as("node %s", replica.self()).isEqualTo("strong");
        }
    }

    @Test
    void aReadIndexAnswerForAnEarlierIncarnationIsNotTakenForANewReadWithTheSameId() {
        ReplicaHarness h = new ReplicaHarness(3, 8);
        Replica leader = h.awaitLeader();
        int follower = ReplicaHarness.number(leader.self()) == 1 ? 2 : 1;
        long readId = 1_000;
        h.submitWithId(readId, follower, Op.GET, "x", null, null, ConsistencyPolicy.STRONG);
        Message.ReadIndexRequest oldRequest = h.network.stream().map(Envelope::message)
                .filter(Message.ReadIndexRequest.class::isInstance).map(Message.ReadIndexRequest.class::cast)
                .findFirst().orElseThrow();
        h.awaitOutcome(follower, readId);

        h.start(h.ids.get(follower - 1)); // restart on the same log: a new session, ids from the start again
        long write = h.submit(ReplicaHarness.number(leader.self()), Op.PUT, "x", "new", null, null);
        assertThat(h.awaitOutcome(ReplicaHarness.number(leader.self()), write).error()).isNull();
        h.outcomes.get(h.ids.get(follower - 1)).clear();
        h.submitWithId(readId, follower, Op.GET, "x", null, null, ConsistencyPolicy.STRONG);
        // A delayed answer to the old incarnation's read arrives first, with an index from before the write.
        h.replica(follower).receive(leader.self(),
                new Message.ReadIndexResponse(leader.raft().term(), oldRequest.session(), List.of(readId), 0));
        assertThat(h.outcome(follower, readId)).as("not served from the stale index").isNull();
        assertThat(h.awaitOutcome(follower, readId).result()).isEqualTo("new");
    }

    @Test
    void aRestartedNodeStampsAboveEverythingItsLogHolds() {
        ReplicaHarness h = new ReplicaHarness(3, 9);
        Replica leader = h.awaitLeader();
        int fast = ReplicaHarness.number(leader.self()) == 3 ? 2 : 3;
        int restarted = ReplicaHarness.number(leader.self()) == 1 ? (fast == 2 ? 3 : 2) : 1;
        h.skewMillis.put(h.ids.get(fast - 1), 60_000L); // one machine's clock runs a minute ahead
        h.submit(fast, Op.PUT, "k", "from the fast clock", null, ConsistencyPolicy.EVENTUAL);
        h.tick(3 * ReplicaHarness.TIMING.electionTimeoutTicks());
        assertThat(h.replica(restarted).stateMachine().get("k")).isEqualTo("from the fast clock");

        h.start(h.ids.get(restarted - 1));
        h.submit(restarted, Op.PUT, "k", "later, after a restart", null, ConsistencyPolicy.EVENTUAL);
        h.tick(3 * ReplicaHarness.TIMING.electionTimeoutTicks());
        for (Replica replica : h.replicas.values()) {
            assertThat(replica.stateMachine().get("k")).as("node %s", replica.self())
                    .isEqualTo("later, after a restart");
        }
    }

    private static List<Entry> entries(Replica replica) {
        List<Entry> entries = new ArrayList<>();
        for (long i = 1; i <= replica.raft().log().lastIndex(); i++) {
            entries.add(replica.raft().log().entry(i));
        }
        return entries;
    }
}
