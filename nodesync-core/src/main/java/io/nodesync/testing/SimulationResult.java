package io.nodesync.testing;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.util.List;
import java.util.Set;

/**
 * What one {@link Simulation} run saw. Immutable.
 *
 * @param seed the run's seed
 * @param traceHash a hash of every event in order: two runs with the same seed and config have the same hash
 * @param events how many events the run processed
 * @param violations safety or convergence violations found (empty for a correct run)
 * @param faultsFired the kinds of fault that actually occurred
 * @param ok client operations that succeeded
 * @param failed client operations that definitely had no effect (e.g. quorum not reached before being sent)
 * @param unknown client operations whose outcome is unknown
 * @param leaderChanges how many times some node learned of a new leader
 * @param strongLatenciesNanos virtual latencies of successful strong operations
 * @param staleReads eventual reads that returned something other than the latest acknowledged write of the key
 * @param lostAcknowledgedWrites acknowledged eventual writes neither final nor superseded by a later stamp
 * @param history every strong-mode operation, for the linearizability checker
 * @param trace one readable line per event, if the config asked for it
 */
public record SimulationResult(long seed, long traceHash, long events, List<String> violations,
        Set<String> faultsFired, long ok, long failed, long unknown, long leaderChanges,
        long[] strongLatenciesNanos, long staleReads, long lostAcknowledgedWrites, List<Operation> history,
        List<String> trace) {

    /** Copies the collections. */
    public SimulationResult {
        violations = ImmutableList.copyOf(violations);
        faultsFired = ImmutableSet.copyOf(faultsFired);
        strongLatenciesNanos = strongLatenciesNanos.clone();
        history = List.copyOf(history);
        trace = ImmutableList.copyOf(trace);
    }

    /** Whether the run found no violation. */
    public boolean passed() {
        return violations.isEmpty();
    }

    /** The command that replays this run, for failure messages. */
    public String replayCommand() {
        return "mvn -B test -pl nodesync-core -Dtest=SimulationSeedsTest -Dnodesync.sim.seed=" + seed
                + "   (or: ./nodesync simulate --seed " + seed + " --trace)";
    }
}
