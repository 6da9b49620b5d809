package io.nodesync.consensus;

/**
 * Deliberately broken behaviours, switched on one at a time by tests to prove that the simulator and the history
 * checker catch each class of bug. Off unless a test names one in {@link RaftCore.Options#plantedBugs()}; never
 * enable one in production.
 */
public enum PlantedBug {
    /** A candidate counts every granted vote response, so a duplicated response counts twice. */
    COUNT_DUPLICATE_VOTES,
    /** Term and vote are kept in memory only, so a restarted node can vote twice in one term. */
    FORGET_TERM_AND_VOTE,
    /**
     * A leader commits an entry of an earlier term by counting replicas (the paper's figure 8). It also skips the
     * no-op a new leader appends, which would otherwise always travel with the old entries and hide the bug.
     */
    COMMIT_PREVIOUS_TERM_BY_COUNTING,
    /** Strong reads are served from the local state machine without ReadIndex or leadership confirmation. */
    READ_WITHOUT_READ_INDEX,
    /** Messages and completions go out before the log is synced, so a crash can take back what was promised. */
    ACKNOWLEDGE_BEFORE_DURABLE,
    /** A follower accepts AppendEntries without checking the term of the entry before them. */
    SKIP_PREVIOUS_TERM_CHECK,
    /** On a leader change the forwarder forgets eventual writes it had already sent to the old leader. */
    FORWARDER_DROPS_ON_LEADER_CHANGE,
    /** Last-writer-wins ties go to the applying node's own writes, so nodes disagree on equal timestamps. */
    LWW_TIE_PREFERS_SELF,
    /**
     * A node whose disk was lost votes at once, with an empty log and no memory of the votes it cast, instead of
     * first learning its peers' terms and catching up.
     */
    VOTE_AT_ONCE_AFTER_DISK_LOSS
}
