/**
 * The pure consensus core: {@link io.nodesync.consensus.RaftCore} (Raft log replication, elections with pre-vote
 * and check-quorum, commit, ReadIndex) and {@link io.nodesync.consensus.Replica}, which puts a whole node's logic
 * together (client requests, forwarding, eventual writes, the state machine, failure detection).
 *
 * <p>Nothing here owns a thread, reads a clock or touches a socket or file: inputs are messages, ticks, client
 * requests and the physical time the caller passes in; outputs go through callbacks. The same code therefore runs
 * over TCP, in an in-process cluster, and under a seeded deterministic simulator.
 */
package io.nodesync.consensus;
