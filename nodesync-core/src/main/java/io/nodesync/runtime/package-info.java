/**
 * The node runtime: the one place with threads and time. A {@link io.nodesync.runtime.NodeLoop} drives a pure
 * {@link io.nodesync.consensus.Replica} from a bounded inbox on a single thread, syncs the log, sends messages and
 * completes futures on a separate callback thread; {@link io.nodesync.runtime.Clock} is the only source of time.
 */
package io.nodesync.runtime;
