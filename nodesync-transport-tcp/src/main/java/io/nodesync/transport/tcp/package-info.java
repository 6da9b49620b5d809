/**
 * The TCP transport: {@link io.nodesync.transport.tcp.TcpTransport} carries node-to-node messages over Netty in the
 * binary format of {@link io.nodesync.transport.tcp.WireCodec}, on one port per node that also accepts client
 * connections, told apart by their first byte and handed to pluggable
 * {@link io.nodesync.transport.tcp.ClientDialect}s. Only this module touches sockets.
 */
package io.nodesync.transport.tcp;
