/**
 * Transports: the {@link io.nodesync.transport.InMemoryNetwork}, which connects nodes in one JVM and injects
 * faults (drop, delay, duplicate, partition, isolate) for tests and exploration. The TCP transport lives in its own
 * module.
 */
package io.nodesync.transport;
