package io.nodesync.transport.tcp;

import io.nodesync.jmh.BenchData;
import io.nodesync.protocol.Message;
import java.nio.ByteBuffer;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The node-to-node wire format: a whole frame (length prefix, type, body) of an AppendEntries carrying 1 or 32
 * entries of 100-byte PUTs, and of a Heartbeat, the most frequent message of an idle cluster.
 */
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class WireCodecBenchmark {

    /** An AppendEntries, and its frame for decoding. */
    @State(Scope.Thread)
    public static class AppendEntriesState {
        @Param({"1", "32"})
        int entries;

        final WireCodec codec = new WireCodec();
        Message.AppendEntries message;
        ByteBuffer frame;

        @Setup
        public void setUp() throws WireFormatException {
            message = new Message.AppendEntries(BenchData.TERM, 1000, BenchData.TERM,
                    BenchData.entries(1001, entries), 1000);
            frame = codec.encodeFrame(message);
            if (!message.equals(codec.decodeFrame(frame.duplicate()))) {
                throw new IllegalStateException("the frame does not decode to the message");
            }
        }
    }

    /** A Heartbeat, and its frame for decoding. */
    @State(Scope.Thread)
    public static class HeartbeatState {
        final WireCodec codec = new WireCodec();
        Message.Heartbeat message;
        ByteBuffer frame;

        @Setup
        public void setUp() throws WireFormatException {
            message = new Message.Heartbeat(BenchData.TERM, 123_456, 789);
            frame = codec.encodeFrame(message);
            if (!message.equals(codec.decodeFrame(frame.duplicate()))) {
                throw new IllegalStateException("the frame does not decode to the message");
            }
        }
    }

    @Benchmark
    public void encodeAppendEntries(AppendEntriesState state, Blackhole bh) throws WireFormatException {
        bh.consume(state.codec.encodeFrame(state.message));
    }

    @Benchmark
    public void decodeAppendEntries(AppendEntriesState state, Blackhole bh) throws WireFormatException {
        bh.consume(state.codec.decodeFrame(state.frame.rewind()));
    }

    @Benchmark
    public void encodeHeartbeat(HeartbeatState state, Blackhole bh) throws WireFormatException {
        bh.consume(state.codec.encodeFrame(state.message));
    }

    @Benchmark
    public void decodeHeartbeat(HeartbeatState state, Blackhole bh) throws WireFormatException {
        bh.consume(state.codec.decodeFrame(state.frame.rewind()));
    }
}
