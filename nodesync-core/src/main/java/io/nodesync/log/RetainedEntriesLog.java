package io.nodesync.log;

import io.nodesync.protocol.Entry;
import java.util.List;

/**
 * The index arithmetic of a log that keeps in memory the entries following its latest snapshot, shared by
 * {@link InMemoryLog} and {@link FileLog} so that both answer {@link #term}, {@link #entry} and the bounds alike.
 */
abstract class RetainedEntriesLog implements Log {

    /** The entries after the snapshot, in index order (a live view: the subclass's own list). */
    abstract List<Entry> retained();

    final long snapshotIndex() {
        Snapshot snapshot = snapshot();
        return snapshot == null ? 0 : snapshot.index();
    }

    @Override
    public final long firstIndex() {
        return snapshotIndex() + 1;
    }

    @Override
    public final long lastIndex() {
        return snapshotIndex() + retained().size();
    }

    @Override
    public final long term(long index) {
        if (index == 0) {
            return 0;
        }
        Snapshot snapshot = snapshot();
        if (snapshot != null && index == snapshot.index()) {
            return snapshot.term();
        }
        checkIndex(index);
        return retained().get(position(index)).term();
    }

    @Override
    public final Entry entry(long index) {
        checkIndex(index);
        return retained().get(position(index));
    }

    /** Where entry {@code index} sits in {@link #retained()}. */
    final int position(long index) {
        return (int) (index - snapshotIndex() - 1);
    }

    final void checkIndex(long index) {
        if (index < firstIndex() || index > lastIndex()) {
            throw new IndexOutOfBoundsException("index " + index + " outside [" + firstIndex() + ", " + lastIndex()
                    + "]");
        }
    }
}
