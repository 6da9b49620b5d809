package io.nodesync.log;

import io.nodesync.NodeId;
import io.nodesync.protocol.ClientCommand;
import io.nodesync.protocol.Entry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A {@link Log} kept in memory. It survives its node being closed and restarted within the same JVM (the in-process
 * cluster hands a restarted node the same instance), which models a disk; it does not survive the JVM.
 *
 * <p>It also remembers what was {@linkplain #sync() synced}, so a simulated crash can {@linkplain #loseUnsynced()
 * drop exactly the unsynced suffix} as a power cut would.
 */
public final class InMemoryLog implements Log {

    private final ArrayList<Entry> entries = new ArrayList<>();
    private TermAndVote termAndVote = new TermAndVote(0, null);

    // What a crash would leave: the synced state.
    private final ArrayList<Entry> syncedEntries = new ArrayList<>();
    private TermAndVote syncedTermAndVote = termAndVote;
    private boolean dirty;
    /** How many leading entries are unchanged since the last sync (truncation lowers it). */
    private int unchangedPrefix;

    @Override
    public long firstIndex() {
        return 1;
    }

    @Override
    public long lastIndex() {
        return entries.size();
    }

    @Override
    public long term(long index) {
        if (index == 0) {
            return 0;
        }
        checkIndex(index);
        return entries.get((int) index - 1).term();
    }

    @Override
    public Entry entry(long index) {
        checkIndex(index);
        return entries.get((int) index - 1);
    }

    @Override
    public List<Entry> entries(long fromIndex, int maxCount, long maxBytes) {
        if (fromIndex > lastIndex()) {
            return List.of();
        }
        checkIndex(fromIndex);
        int from = (int) fromIndex - 1;
        int to = (int) Math.min(entries.size(), (long) from + Math.max(1, maxCount));
        long bytes = 0;
        int end = from;
        while (end < to) {
            bytes += approximateSize(entries.get(end));
            end++;
            if (bytes >= maxBytes) {
                break;
            }
        }
        return Collections.unmodifiableList(new ArrayList<>(entries.subList(from, end)));
    }

    /** A rough size of an entry's payload, used only to bound message sizes. */
    public static long approximateSize(Entry entry) {
        if (entry.command() instanceof ClientCommand command) {
            return 48 + length(command.key()) + length(command.value()) + length(command.expected());
        }
        return 24;
    }

    private static int length(String text) {
        return text == null ? 0 : text.length();
    }

    @Override
    public void append(List<Entry> newEntries) {
        for (Entry entry : newEntries) {
            if (entry.index() != lastIndex() + 1) {
                throw new IllegalStateException("append of index " + entry.index() + " after last index "
                        + lastIndex());
            }
            entries.add(entry);
        }
        dirty |= !newEntries.isEmpty();
    }

    @Override
    public void truncateFrom(long index) {
        if (index <= 0) {
            throw new IllegalArgumentException("cannot truncate from index " + index);
        }
        if (index <= lastIndex()) {
            entries.subList((int) index - 1, entries.size()).clear();
            unchangedPrefix = Math.min(unchangedPrefix, entries.size());
            dirty = true;
        }
    }

    @Override
    public TermAndVote termAndVote() {
        return termAndVote;
    }

    @Override
    public void saveTermAndVote(long term, NodeId votedFor) {
        termAndVote = new TermAndVote(term, votedFor);
        dirty = true;
    }

    @Override
    public void sync() {
        if (!dirty) {
            return;
        }
        // Copy only what changed since the last sync: entries are immutable, so sharing them is safe.
        int common = Math.min(unchangedPrefix, syncedEntries.size());
        syncedEntries.subList(common, syncedEntries.size()).clear();
        syncedEntries.addAll(entries.subList(common, entries.size()));
        syncedTermAndVote = termAndVote;
        unchangedPrefix = entries.size();
        dirty = false;
    }

    /** Drops everything written since the last {@link #sync()}, as a crash of the machine would. */
    public void loseUnsynced() {
        entries.clear();
        entries.addAll(syncedEntries);
        termAndVote = syncedTermAndVote;
        unchangedPrefix = entries.size();
        dirty = false;
    }

    private void checkIndex(long index) {
        if (index < 1 || index > lastIndex()) {
            throw new IndexOutOfBoundsException("index " + index + " outside [1, " + lastIndex() + "]");
        }
    }
}
