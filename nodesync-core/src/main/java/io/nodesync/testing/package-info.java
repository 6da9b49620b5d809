/**
 * What a user needs to test an application against NodeSync, with no test-framework dependency:
 * {@link io.nodesync.testing.LocalCluster} starts N real nodes in one JVM over an in-memory network with fault
 * injection.
 */
package io.nodesync.testing;
