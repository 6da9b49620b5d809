/**
 * What a user needs to test an application against NodeSync, with no test-framework dependency:
 * {@link io.nodesync.testing.LocalCluster} starts N real nodes in one JVM over an in-memory network with fault
 * injection; {@link io.nodesync.testing.History} records what clients did and saw, and
 * {@link io.nodesync.testing.LinearizabilityChecker} decides whether that history is linearizable, naming the key
 * and a small window of operations when it is not; {@link io.nodesync.testing.Simulation} runs a whole cluster
 * deterministically in virtual time under seeded faults and checks its safety as it goes.
 */
package io.nodesync.testing;
