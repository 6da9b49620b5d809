package io.nodesync.store;

import io.nodesync.jmh.BenchData;
import io.nodesync.protocol.Entry;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The replicated map over 10,000 keys ({@code key0} to {@code key9999}, 100-byte values): applying the next committed
 * PUT entry (an overwrite of the keys in turn, each newer than what the key holds, so every write takes effect), and
 * a committed read ({@link KvStateMachine#get}).
 *
 * <p>Entry indexes must follow one another, so {@code applyPut} builds its entry (two small records around the
 * pre-built key and value) in the measured method; that allocation is part of the figure, as it is in a node. A
 * strong PUT also goes through the exactly-once window of its session; an eventual one does not.
 */
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class StateMachineApplyBenchmark {

    static final int KEYS = 10_000;

    /** A state machine holding the 10,000 keys, and the next key to touch. */
    @State(Scope.Thread)
    public static class Map {
        final String[] keys = new String[KEYS];
        KvStateMachine machine;
        int nextKey;

        /** Fills the map with strong or eventual PUTs. */
        void fill(boolean eventual) {
            for (int i = 0; i < KEYS; i++) {
                keys[i] = BenchData.key(i);
            }
            machine = new KvStateMachine();
            for (int i = 0; i < KEYS; i++) {
                applyNext(eventual);
            }
            if (machine.size() != KEYS || !BenchData.VALUE_100.equals(machine.get("key9999"))) {
                throw new IllegalStateException("the map does not hold the " + KEYS + " keys");
            }
        }

        /** Applies a PUT of the next key, as the next entry. */
        final Object applyNext(boolean eventual) {
            long index = machine.appliedIndex() + 1;
            int key = nextKey;
            nextKey = key + 1 == KEYS ? 0 : key + 1;
            return machine.apply(new Entry(index, BenchData.TERM, BenchData.put(index, keys[key], eventual)));
        }
    }

    /** The map the writes go to. */
    @State(Scope.Thread)
    public static class WriteState extends Map {
        /** Whether the PUTs are eventual writes rather than strong ones. */
        @Param({"false", "true"})
        boolean eventual;

        @Setup
        public void setUp() {
            fill(eventual);
        }
    }

    /** The map the reads go to. */
    @State(Scope.Thread)
    public static class ReadState extends Map {
        @Setup
        public void setUp() {
            fill(false);
        }
    }

    @Benchmark
    public Object applyPut(WriteState state) {
        return state.applyNext(state.eventual);
    }

    @Benchmark
    public String get(ReadState state) {
        int key = state.nextKey;
        state.nextKey = key + 1 == KEYS ? 0 : key + 1;
        return state.machine.get(state.keys[key]);
    }
}
