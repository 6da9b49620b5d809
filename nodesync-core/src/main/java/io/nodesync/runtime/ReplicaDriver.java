package io.nodesync.runtime;

import io.nodesync.NodeId;
import io.nodesync.NodeSyncException;
import io.nodesync.consensus.PlantedBug;
import io.nodesync.consensus.Replica;
import io.nodesync.consensus.ReplicaConfig;
import io.nodesync.log.Log;
import io.nodesync.protocol.Message;
import java.util.ArrayList;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The turn order of a node, free of threads and clocks: one turn feeds the {@link Replica} its inputs and the ticks
 * that are due, ends the turn, syncs the log, and only then reports its completions and sends the turn's messages, so
 * no peer or client hears of a vote or an acknowledgement that a crash could take back. The one exception is a
 * leader's AppendEntries, sent before the sync (see {@link #sendAppendEntriesEarly}).
 *
 * <p>The node loop runs it on its thread against the system clock; the deterministic simulation runs the very same
 * code in virtual time, so what the simulator proves is proven of the node loop's logic.
 *
 * <p>Not thread-safe: one caller owns it.
 */
public final class ReplicaDriver implements Replica.Effects {

    /** Where a turn's effects go, after the log is synced: first its completions, then its sends, each in order. */
    public interface Output {
        /** Send a message to a peer. */
        void send(NodeId to, Message message);

        /** A request succeeded with {@code result}. */
        void completed(long requestId, Object result);

        /** A request failed with {@code error}. */
        void failed(long requestId, NodeSyncException error);

        /** The failure detector changed its mind about a peer (reported at once, mid-turn). */
        void peerChanged(NodeId peer, boolean up);

        /** The leader this node knows changed, {@code null} for none (reported at once, mid-turn). */
        void leaderChanged(NodeId leader, long term);

        /**
         * The replica has taken in the turn's inputs and nothing of the turn has left the node yet: a place to
         * publish its state, so that whoever hears of the turn's effects sees that state too.
         */
        default void beforeEffects() {
        }

        /**
         * The messages sent so far should leave now rather than when the turn ends: the turn is about to sync the
         * log, which may wait for a disk.
         */
        default void flushSends() {
        }
    }

    private record Outbound(NodeId to, Message message) {
    }

    private record Completion(long requestId, Object result, NodeSyncException error) {
    }

    private final Log log;
    private final Output output;
    private final Replica replica;
    private final long tickNanos;
    private final boolean acknowledgeBeforeDurable;
    private final SplittableRandom random;
    private final ArrayList<Outbound> outbox = new ArrayList<>();
    private final ArrayList<Completion> completions = new ArrayList<>();
    private long nextTickAt;
    private boolean appendsBeforeSync = true;

    /**
     * Creates the node's replica over {@code log}.
     *
     * @param session    this incarnation's session id; must differ across restarts of the node
     * @param tickNanos  the length of one tick
     * @param firstTickAt the {@link #turn} time at which the first tick is due
     */
    public ReplicaDriver(ReplicaConfig config, Log log, SplittableRandom random, long session, long tickNanos,
            long firstTickAt, Output output) {
        this.log = log;
        this.output = output;
        this.tickNanos = tickNanos;
        this.nextTickAt = firstTickAt;
        this.acknowledgeBeforeDurable = config.raftOptions().has(PlantedBug.ACKNOWLEDGE_BEFORE_DURABLE);
        this.random = random;
        this.replica = new Replica(config, log, random, session, this);
    }

    /**
     * Whether a leader's appends leave before the turn's log sync (the default, so that the simulation always
     * exercises it) or with the turn's other messages after it. Worth it only where the sync waits for a device: where
     * it returns at once, the appends would only delay the turn's replies.
     */
    public void appendsBeforeSync(boolean before) {
        appendsBeforeSync = before;
    }

    /** The replica this driver owns; touch it only from the driver's owner, between turns. */
    public Replica replica() {
        return replica;
    }

    /** When the next tick is due, on the time scale passed to {@link #turn}. */
    public long nextTickAt() {
        return nextTickAt;
    }

    /** Moves the tick schedule, e.g. when the owner starts running later than it was created. */
    public void nextTickAt(long time) {
        nextTickAt = time;
    }

    /**
     * Runs one turn.
     *
     * @param nanoTime   monotonic time in nanoseconds, deciding which ticks are due
     * @param wallMillis physical time for the replica's hybrid clock
     * @param inputs     feeds the turn's messages and requests to the replica
     */
    public void turn(long nanoTime, long wallMillis, Consumer<Replica> inputs) {
        replica.setTime(wallMillis);
        inputs.accept(replica);
        while (nanoTime - nextTickAt >= 0) {
            replica.tick();
            nextTickAt += tickNanos;
        }
        replica.endTurn();
        output.beforeEffects();
        if (appendsBeforeSync) {
            sendAppendEntriesEarly();
            output.flushSends();
        }
        if (!acknowledgeBeforeDurable || random.nextInt(4) == 0) {
            log.sync(); // with the planted bug, only now and then: promises go out before they are durable
        }
        // Completions first: a waiting client is woken before the turn's messages are encoded and sent. Both come
        // after the sync, so their order does not matter to safety.
        for (Completion completion : completions) {
            if (completion.error() == null) {
                output.completed(completion.requestId(), completion.result());
            } else {
                output.failed(completion.requestId(), completion.error());
            }
        }
        completions.clear();
        for (Outbound outbound : outbox) {
            output.send(outbound.to(), outbound.message());
        }
        outbox.clear();
    }

    /**
     * Sends the turn's AppendEntries before the log is synced, so that the leader's disk write overlaps the followers'
     * (Raft thesis, section 10.2.1): a follower's write plus a round trip instead of two writes in a row. Safe because
     * the leader's own copy only counts towards a commit together with follower acknowledgements, which arrive in a
     * later turn, after this turn's sync; and its term was made durable before it campaigned. Everything else a node
     * says (votes, acknowledgements, responses) still waits for the sync.
     */
    private void sendAppendEntriesEarly() {
        int kept = 0;
        for (int i = 0; i < outbox.size(); i++) {
            Outbound outbound = outbox.get(i);
            if (outbound.message() instanceof Message.AppendEntries) {
                output.send(outbound.to(), outbound.message());
            } else {
                outbox.set(kept++, outbound);
            }
        }
        outbox.subList(kept, outbox.size()).clear();
    }

    // ------------------------------------------------------------------------------------------ Replica.Effects

    /** Buffered until the turn's log sync. */
    @Override
    public void send(NodeId to, Message message) {
        outbox.add(new Outbound(to, message));
    }

    /** Buffered until the turn's log sync. */
    @Override
    public void complete(long requestId, Object result) {
        completions.add(new Completion(requestId, result, null));
    }

    /** Buffered until the turn's log sync. */
    @Override
    public void fail(long requestId, NodeSyncException error) {
        completions.add(new Completion(requestId, null, error));
    }

    @Override
    public void peerChanged(NodeId peer, boolean up) {
        output.peerChanged(peer, up);
    }

    @Override
    public void leaderChanged(NodeId leader, long term) {
        output.leaderChanged(leader, term);
    }
}
