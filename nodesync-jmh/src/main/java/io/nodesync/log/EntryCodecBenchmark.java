package io.nodesync.log;

import io.nodesync.jmh.BenchData;
import io.nodesync.protocol.Entry;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The on-disk encoding of one log entry carrying a 100-byte PUT: encoding it as a framed record (length, CRC32C,
 * type, entry) into a reused buffer, as {@link FileLog#append} does, and decoding the record's payload, as recovery
 * does.
 */
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class EntryCodecBenchmark {

    private final RecordBuffer buffer = new RecordBuffer(4 * 1024);
    private Entry entry;
    /** The payload of the entry's record (after length, checksum and type), as recovery hands it to the codec. */
    private ByteBuffer payload;

    @Setup
    public void setUp() throws EntryCodec.Malformed {
        entry = BenchData.entries(1234, 1).get(0);
        RecordBuffer record = new RecordBuffer(1024);
        EntryCodec.writeEntryRecord(record, entry);
        payload = ByteBuffer.wrap(record.toByteArray()).position(RecordBuffer.FRAME_HEADER_BYTES + 1).slice();
        if (!entry.equals(EntryCodec.readEntryPayload(payload.duplicate()))) {
            throw new IllegalStateException("the record does not decode to the entry");
        }
    }

    @Benchmark
    public void encode(Blackhole bh) {
        buffer.clear();
        bh.consume(EntryCodec.writeEntryRecord(buffer, entry));
    }

    @Benchmark
    public void decode(Blackhole bh) throws EntryCodec.Malformed {
        bh.consume(EntryCodec.readEntryPayload(payload.rewind()));
    }
}
