/**
 * The {@link io.nodesync.log.Log} SPI, where a node keeps its Raft log, term and vote, and the in-memory
 * implementation. A durable file log plugs in here without any change to the consensus core.
 */
package io.nodesync.log;
