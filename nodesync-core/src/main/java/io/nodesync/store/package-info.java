/**
 * The key-value state machine every node applies committed log entries to: last-writer-wins by hybrid logical
 * clock, tombstones for deletes, compare-and-set, the cluster-wide consistency register, and exactly-once
 * application of strong commands. Pure and deterministic: the same entries give the same map on every node.
 */
package io.nodesync.store;
