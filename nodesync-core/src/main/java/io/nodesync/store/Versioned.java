package io.nodesync.store;

import io.nodesync.NodeId;
import io.nodesync.protocol.Stamps;

/**
 * A value (or a tombstone, when {@code value} is {@code null}) with the stamp that orders it last-writer-wins.
 * Immutable.
 *
 * @param value the value, or {@code null} for a deleted key
 * @param timestamp hybrid logical clock timestamp of the write
 * @param stamper the node whose clock stamped it
 */
public record Versioned(String value, long timestamp, NodeId stamper) {

    /** Whether this is a delete marker. */
    public boolean isTombstone() {
        return value == null;
    }

    /** Whether this version wins over {@code other} ({@code null} counts as the oldest). */
    public boolean newerThan(Versioned other) {
        return other == null || Stamps.compare(timestamp, stamper, other.timestamp, other.stamper) > 0;
    }
}
