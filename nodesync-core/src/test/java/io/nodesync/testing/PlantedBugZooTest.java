package io.nodesync.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.consensus.PlantedBug;
import java.util.OptionalLong;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The simulator and checkers must find bugs: each planted bug, switched on alone, is caught by the same seeds and
 * checks the default build runs (invariants, linearizability of the strong history, lost eventual writes) within the
 * default build's seed budget.
 */
class PlantedBugZooTest {

    /** Seeds are tried in batches, in order, so the seed that catches a bug is the same on every run. */
    private static final int BATCH = 32;

    @ParameterizedTest
    @EnumSource(PlantedBug.class)
    void everyPlantedBugIsCaughtWithinTheSeedBudget(PlantedBug bug) {
        OptionalLong catching = OptionalLong.empty();
        for (long from = 1; from <= SimulationSeedsTest.DEFAULT_SEEDS && catching.isEmpty(); from += BATCH) {
            catching = LongStream.range(from, Math.min(from + BATCH, SimulationSeedsTest.DEFAULT_SEEDS + 1L))
                    .parallel()
                    .filter(seed -> SimulationSeedsTest.problemOf(
                            Simulation.run(SimulationSeedsTest.configFor(seed).withPlantedBug(bug))) != null)
                    .min();
        }
        assertThat(catching).as("a seed within %d that catches %s", SimulationSeedsTest.DEFAULT_SEEDS, bug)
                .isPresent();
        SimulationResult replay = Simulation.run(SimulationSeedsTest.configFor(catching.getAsLong())
                .withPlantedBug(bug));
        String problem = SimulationSeedsTest.problemOf(replay);
        System.out.printf("%-34s caught by seed %d: %s%n", bug, catching.getAsLong(),
                problem.substring(0, Math.min(problem.length(), 160)));
        // Without the bug the same seed passes: it is the bug that was caught, not a flaw of the seed.
        assertThat(SimulationSeedsTest.problemOf(Simulation.run(SimulationSeedsTest.configFor(
                catching.getAsLong())))).isNull();
    }
}
