package io.nodesync.jmh;

import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Entry;
import java.util.ArrayList;
import java.util.List;

/** The data the benchmarks share: 100-byte PUT commands on keys like {@code key1234}, and entries carrying them. */
public final class BenchData {

    /** The node that accepted the commands and stamped them. */
    public static final NodeId ORIGIN = NodeId.of("n1");
    /** The origin's session. */
    public static final long SESSION = 42;
    /** The term the entries carry. */
    public static final long TERM = 3;
    /** A value of exactly 100 bytes (ASCII, so 100 bytes on every wire and on disk too). */
    public static final String VALUE_100 = value(100);

    private BenchData() {
    }

    /** An ASCII string of {@code length} characters. */
    public static String value(int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) ('a' + i % 26));
        }
        return text.toString();
    }

    /** The key of number {@code n}: {@code key<n>}. */
    public static String key(long n) {
        return "key" + n;
    }

    /** A strong, stamped PUT of a 100-byte value, with sequence number and timestamp {@code seq}. */
    public static ClientCommand put(long seq, String key) {
        return put(seq, key, false);
    }

    /** A stamped PUT of a 100-byte value, with sequence number and timestamp {@code seq}. */
    public static ClientCommand put(long seq, String key, boolean eventual) {
        return new ClientCommand(ClientCommand.Kind.PUT, eventual, ORIGIN, SESSION, seq, key, VALUE_100, null,
                1_700_000_000_000L + seq, ORIGIN);
    }

    /** {@code count} entries from index {@code firstIndex}, each a PUT of key {@code key<index % 10000>}. */
    public static List<Entry> entries(long firstIndex, int count) {
        List<Entry> entries = new ArrayList<>(count);
        for (long index = firstIndex; index < firstIndex + count; index++) {
            entries.add(new Entry(index, TERM, put(index, key(index % 10_000))));
        }
        return entries;
    }
}
