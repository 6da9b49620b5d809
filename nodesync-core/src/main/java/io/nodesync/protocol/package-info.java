/**
 * The data that crosses between nodes: {@link io.nodesync.protocol.Message}s and the log
 * {@link io.nodesync.protocol.Entry entries} and {@link io.nodesync.protocol.Command commands} they carry. Pure,
 * immutable records; the TCP codec encodes exactly these.
 */
package io.nodesync.protocol;
