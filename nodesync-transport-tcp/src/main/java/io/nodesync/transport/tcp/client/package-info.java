/**
 * The client protocols of a node's port (see {@code CLIENT-PROTOCOL.md}): the line dialect for humans and RESP2 for
 * Redis tools and client libraries, as Netty handlers that a first-byte router plugs into a connection's pipeline
 * ({@link io.nodesync.transport.tcp.client.ClientProtocols}), and a small standalone
 * {@link io.nodesync.transport.tcp.client.ClientServer} that serves them on a port of its own.
 *
 * <p>Both dialects share one command layer: a dialect parses its framing into a request, the request runs against
 * the node's asynchronous {@link io.nodesync.Store}, and the dialect-neutral reply is rendered by the dialect. A
 * connection may pipeline: replies leave in request order, the number of commands in flight per connection is
 * bounded (beyond it the connection stops reading), and no handler ever blocks an event loop.
 */
package io.nodesync.transport.tcp.client;
