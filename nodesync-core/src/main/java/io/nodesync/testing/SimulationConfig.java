package io.nodesync.testing;

import io.nodesync.Election;
import io.nodesync.Timing;
import io.nodesync.consensus.PlantedBug;
import java.time.Duration;
import java.util.Objects;

/**
 * What one {@link Simulation} run does: cluster size, election, how long the workload runs in virtual time, which
 * faults may fire, and the seed that decides everything else. Immutable; the {@code with*} methods return copies.
 *
 * @param seed the one number that decides every random choice of the run
 * @param nodes cluster size
 * @param election the election strategy of every node
 * @param timing the nodes' timing (virtual time)
 * @param workload how long clients issue requests; faults fire in its first 80 %, then heal
 * @param settle quiet time after the workload, with every fault healed, before convergence is checked
 * @param clients concurrent clients
 * @param faults which faults may fire
 * @param trace whether to keep a readable line per event (slower; the trace hash is always computed)
 * @param plantedBug a deliberate bug to plant in every node, to show the checks catch it; {@code null} normally
 * @param strongShare the share of client operations that are strong (on keys {@code s*}); the rest are eventual
 *     (on keys {@code e*})
 * @param preVote whether nodes use Raft's pre-vote (on in production; off explores plain Raft elections)
 * @param snapshotThresholdBytes the log size past which nodes snapshot and compact; small values make lagging and
 *     restarted followers catch up through InstallSnapshot
 */
public record SimulationConfig(long seed, int nodes, Election election, Timing timing, Duration workload,
        Duration settle, int clients, Faults faults, boolean trace, PlantedBug plantedBug, double strongShare,
        boolean preVote, long snapshotThresholdBytes) {

    /**
     * Which faults may fire. Each enabled kind fires in a run with probability {@code chance}, one to three times,
     * at seeded moments.
     *
     * @param chance probability that an enabled kind of fault occurs in a run
     * @param partitions majority/minority splits, an isolated leader, one-way (asymmetric) and partial partitions
     * @param crashes a node (often the leader) crashes, losing what it had not synced, and restarts on its log
     * @param pauses a node freezes (no ticks, no messages handled), then resumes and catches up on time
     * @param messageLoss windows in which messages are dropped
     * @param duplication windows in which messages are delivered twice
     * @param reordering windows of widely varying delays, so messages overtake each other
     * @param modeSwitches clients switch the cluster-wide consistency mode mid-run
     */
    public record Faults(double chance, boolean partitions, boolean crashes, boolean pauses, boolean messageLoss,
            boolean duplication, boolean reordering, boolean modeSwitches) {

        /** Every kind enabled, each firing in half of the runs. */
        public static final Faults ALL = new Faults(0.5, true, true, true, true, true, true, true);

        /** A perfect world. */
        public static final Faults NONE = new Faults(0, false, false, false, false, false, false, false);

        /** Checks the chance. */
        public Faults {
            if (!(chance >= 0 && chance <= 1)) {
                throw new IllegalArgumentException("chance must be in [0, 1], was " + chance);
            }
        }
    }

    /**
     * The log size past which simulated nodes snapshot: a few hundred entries, so that in 20 simulated seconds every
     * node compacts many times and a follower that was down or cut off catches up through InstallSnapshot.
     */
    public static final long DEFAULT_SNAPSHOT_THRESHOLD_BYTES = 16 * 1024;

    /** 3 nodes, Raft election, {@link LocalCluster#DEFAULT_TIMING}, 20 s of workload, 10 s to settle, all faults. */
    public static SimulationConfig defaults(long seed) {
        return new SimulationConfig(seed, 3, Election.raft(), LocalCluster.DEFAULT_TIMING, Duration.ofSeconds(20),
                Duration.ofSeconds(10), 4, Faults.ALL, false, null, 0.5, true, DEFAULT_SNAPSHOT_THRESHOLD_BYTES);
    }

    /** Checks the values. */
    public SimulationConfig {
        if (nodes < 1 || nodes > 9) {
            throw new IllegalArgumentException("nodes must be 1 to 9, was " + nodes);
        }
        Objects.requireNonNull(election, "election");
        Objects.requireNonNull(timing, "timing");
        Objects.requireNonNull(workload, "workload");
        Objects.requireNonNull(settle, "settle");
        Objects.requireNonNull(faults, "faults");
        if (!(strongShare >= 0 && strongShare <= 1)) {
            throw new IllegalArgumentException("strongShare must be in [0, 1], was " + strongShare);
        }
        if (clients < 0) {
            throw new IllegalArgumentException("clients must not be negative");
        }
        if (snapshotThresholdBytes <= 0) {
            throw new IllegalArgumentException("snapshotThresholdBytes must be positive, was " + snapshotThresholdBytes);
        }
    }

    /** A copy with another seed. */
    public SimulationConfig withSeed(long newSeed) {
        return new SimulationConfig(newSeed, nodes, election, timing, workload, settle, clients, faults, trace,
                plantedBug, strongShare, preVote, snapshotThresholdBytes);
    }

    /** A copy with another cluster size. */
    public SimulationConfig withNodes(int count) {
        return new SimulationConfig(seed, count, election, timing, workload, settle, clients, faults, trace,
                plantedBug, strongShare, preVote, snapshotThresholdBytes);
    }

    /** A copy with another election. */
    public SimulationConfig withElection(Election newElection) {
        return new SimulationConfig(seed, nodes, newElection, timing, workload, settle, clients, faults, trace,
                plantedBug, strongShare, preVote, snapshotThresholdBytes);
    }

    /** A copy with another workload duration. */
    public SimulationConfig withWorkload(Duration duration) {
        return new SimulationConfig(seed, nodes, election, timing, duration, settle, clients, faults, trace,
                plantedBug, strongShare, preVote, snapshotThresholdBytes);
    }

    /** A copy with another number of clients. */
    public SimulationConfig withClients(int count) {
        return new SimulationConfig(seed, nodes, election, timing, workload, settle, count, faults, trace, plantedBug,
                strongShare, preVote, snapshotThresholdBytes);
    }

    /** A copy with other faults. */
    public SimulationConfig withFaults(Faults newFaults) {
        return new SimulationConfig(seed, nodes, election, timing, workload, settle, clients, newFaults, trace,
                plantedBug, strongShare, preVote, snapshotThresholdBytes);
    }

    /** A copy with another share of strong operations (0: all eventual, 1: all strong). */
    public SimulationConfig withStrongShare(double share) {
        return new SimulationConfig(seed, nodes, election, timing, workload, settle, clients, faults, trace,
                plantedBug, share, preVote, snapshotThresholdBytes);
    }

    /** A copy with pre-vote on or off. */
    public SimulationConfig withPreVote(boolean enabled) {
        return new SimulationConfig(seed, nodes, election, timing, workload, settle, clients, faults, trace,
                plantedBug, strongShare, enabled, snapshotThresholdBytes);
    }

    /** A copy with a planted bug (or none, with {@code null}). */
    public SimulationConfig withPlantedBug(PlantedBug bug) {
        return new SimulationConfig(seed, nodes, election, timing, workload, settle, clients, faults, trace, bug,
                strongShare, preVote, snapshotThresholdBytes);
    }

    /** A copy that keeps (or not) a readable trace. */
    public SimulationConfig withTrace(boolean keepTrace) {
        return new SimulationConfig(seed, nodes, election, timing, workload, settle, clients, faults, keepTrace,
                plantedBug, strongShare, preVote, snapshotThresholdBytes);
    }

    /** A copy with another snapshot threshold (bytes of log entries). */
    public SimulationConfig withSnapshotThreshold(long bytes) {
        return new SimulationConfig(seed, nodes, election, timing, workload, settle, clients, faults, trace,
                plantedBug, strongShare, preVote, bytes);
    }
}
