package io.nodesync.log;

/**
 * When a {@link FileLog} forces what it wrote from the operating system's cache to the disk ({@code fsync}). Every
 * policy hands each write to the operating system by the end of {@link Log#sync()}, so a crash of the process alone
 * ({@code kill -9}) loses nothing synced under any of them; they differ in what a power cut or a kernel crash can
 * lose.
 */
public enum FsyncPolicy {

    /**
     * Every {@link Log#sync()} that has something new forces it to the disk before returning (segment, term and
     * vote, pending writes, and the directory when files were created or deleted): nothing synced is ever lost.
     *
     * <p>This is a group commit: the node loop drains every request queued in a turn, appends them all, and calls
     * {@code sync} once at the end of the turn, so the writes of one turn share a single {@code fsync} however many
     * clients made them. The default.
     */
    ALWAYS,

    /**
     * {@link Log#sync()} hands the writes to the operating system, and a background flusher forces them at most once
     * per {@linkplain FileLog.Options#batchInterval() batch interval} (10 ms by default) and never later than one
     * interval after they were written. A crash of the process loses nothing; a power cut can lose up to the last
     * interval of writes that were already acknowledged. Term and vote are still forced at every {@code sync} that
     * changes them, since a forgotten vote could elect two leaders in one term.
     */
    BATCH,

    /**
     * Writes reach the operating system but are never forced: a power cut can lose any amount of acknowledged
     * writes, term and vote included. For experiments and benchmarks only.
     */
    NEVER
}
