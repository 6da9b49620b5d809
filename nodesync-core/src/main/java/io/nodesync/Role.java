package io.nodesync;

/** The Raft role a node plays at one moment. Immutable, like every enum. */
public enum Role {
    /** Replicates the leader's log; forwards client writes and strong reads to it. */
    FOLLOWER,
    /** Asking peers whether it could win an election, without disturbing the current term (pre-vote). */
    PRE_CANDIDATE,
    /** Has started a new term and asks peers for votes. */
    CANDIDATE,
    /** Orders all writes of its term and serves linearizable reads. */
    LEADER
}
