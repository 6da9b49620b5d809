/**
 * Who leads: implementations of the {@link io.nodesync.Election} SPI: the default {@link
 * io.nodesync.election.RaftElection} and the {@link io.nodesync.election.PriorityElection} that gives the seed's
 * "highest id wins" safely, plus the heartbeat {@link io.nodesync.election.FailureDetector}. Everything here is pure
 * and tick-driven: no threads, no clocks, no I/O.
 */
package io.nodesync.election;
