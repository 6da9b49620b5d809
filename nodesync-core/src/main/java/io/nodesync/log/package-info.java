/**
 * The {@link io.nodesync.log.Log} SPI, where a node keeps its Raft log, term and vote, snapshots and pending writes,
 * with two implementations: {@link io.nodesync.log.InMemoryLog}, which models a disk inside one JVM (and the
 * simulator's crashes), and {@link io.nodesync.log.FileLog}, which keeps them durably in a data directory of
 * segmented, checksummed files (its {@link io.nodesync.log.FsyncPolicy} says when writes are forced to the disk).
 * Either plugs in without any change to the consensus core.
 */
package io.nodesync.log;
