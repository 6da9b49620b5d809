/**
 * NodeSync's public API: a {@link io.nodesync.Node} (built with {@link io.nodesync.NodeBuilder}) serves the
 * replicated map {@link io.nodesync.Store} under a {@link io.nodesync.ConsistencyPolicy}, chooses leaders with an
 * {@link io.nodesync.Election}, reaches its peers over a {@link io.nodesync.Transport}, and reports its
 * {@link io.nodesync.NodeStatus}. Operating conditions arrive as subclasses of
 * {@link io.nodesync.NodeSyncException}.
 */
package io.nodesync;
