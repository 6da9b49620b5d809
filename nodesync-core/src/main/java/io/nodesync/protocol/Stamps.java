package io.nodesync.protocol;

import io.nodesync.NodeId;

/** The last-writer-wins order of {@code (timestamp, stamper)} pairs, the same on every node. Stateless. */
public final class Stamps {
    private Stamps() {
    }

    /**
     * Compares two stamps: by timestamp, then by the stamping node's id text (plain text order, so that every node
     * breaks ties the same way whatever its own notion of priority). A {@code null} stamper sorts first.
     */
    public static int compare(long timestamp, NodeId stamper, long otherTimestamp, NodeId otherStamper) {
        int byTime = Long.compare(timestamp, otherTimestamp);
        if (byTime != 0) {
            return byTime;
        }
        if (stamper == null || otherStamper == null) {
            return stamper == null ? (otherStamper == null ? 0 : -1) : 1;
        }
        return stamper.value().compareTo(otherStamper.value());
    }
}
