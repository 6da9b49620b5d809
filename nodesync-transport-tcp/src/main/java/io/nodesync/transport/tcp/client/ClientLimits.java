package io.nodesync.transport.tcp.client;

/**
 * Bounds on what one client connection may send and keep in flight, so that no client can exhaust a node's memory.
 * Sizes count bytes on the wire. A request over a framing bound gets an error reply and its connection is closed
 * (the rest of its stream cannot be trusted to be framed right); keys and values over the node's own
 * {@link io.nodesync.Limits} get an error reply and the connection stays open. Immutable.
 *
 * @param maxLineBytes the longest line of the line dialect, without its line ending
 * @param maxInlineBytes the longest inline (space-separated, not array) command of the RESP dialect
 * @param maxBulkBytes the longest RESP bulk string (one argument)
 * @param maxArrayElements the most arguments in one RESP command (command name included)
 * @param maxRequestBytes the most argument bytes, all bulk strings together, in one RESP command
 * @param maxInFlightPerConnection the most commands of one connection read but not yet answered; beyond it the
 *     connection stops reading until replies have gone out
 */
public record ClientLimits(int maxLineBytes, int maxInlineBytes, int maxBulkBytes, int maxArrayElements,
        int maxRequestBytes, int maxInFlightPerConnection) {

    /**
     * 64 KiB lines and inline commands, 2 MiB bulk strings, 1,024 arguments, 4 MiB per RESP command, 1,024 commands
     * in flight per connection. The RESP bounds leave room above the node's default 1 MiB value limit, so a value
     * somewhat too large gets the node's own size error and the connection stays usable; a line-dialect value is
     * bounded by the line (raise {@code maxLineBytes} to carry larger values in that dialect).
     */
    public static final ClientLimits DEFAULT =
            new ClientLimits(64 * 1024, 64 * 1024, 2 * 1024 * 1024, 1024, 4 * 1024 * 1024, 1024);

    /** Checks every bound is positive. */
    public ClientLimits {
        requirePositive(maxLineBytes, "maxLineBytes");
        requirePositive(maxInlineBytes, "maxInlineBytes");
        requirePositive(maxBulkBytes, "maxBulkBytes");
        requirePositive(maxArrayElements, "maxArrayElements");
        requirePositive(maxRequestBytes, "maxRequestBytes");
        requirePositive(maxInFlightPerConnection, "maxInFlightPerConnection");
    }

    private static void requirePositive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }

    /** A copy with another line bound. */
    public ClientLimits withMaxLineBytes(int bytes) {
        return new ClientLimits(bytes, maxInlineBytes, maxBulkBytes, maxArrayElements, maxRequestBytes,
                maxInFlightPerConnection);
    }

    /** A copy with another inline-command bound. */
    public ClientLimits withMaxInlineBytes(int bytes) {
        return new ClientLimits(maxLineBytes, bytes, maxBulkBytes, maxArrayElements, maxRequestBytes,
                maxInFlightPerConnection);
    }

    /** A copy with another bulk-string bound. */
    public ClientLimits withMaxBulkBytes(int bytes) {
        return new ClientLimits(maxLineBytes, maxInlineBytes, bytes, maxArrayElements, maxRequestBytes,
                maxInFlightPerConnection);
    }

    /** A copy with another bound on arguments per RESP command. */
    public ClientLimits withMaxArrayElements(int elements) {
        return new ClientLimits(maxLineBytes, maxInlineBytes, maxBulkBytes, elements, maxRequestBytes,
                maxInFlightPerConnection);
    }

    /** A copy with another bound on argument bytes per RESP command. */
    public ClientLimits withMaxRequestBytes(int bytes) {
        return new ClientLimits(maxLineBytes, maxInlineBytes, maxBulkBytes, maxArrayElements, bytes,
                maxInFlightPerConnection);
    }

    /** A copy with another bound on commands in flight per connection. */
    public ClientLimits withMaxInFlightPerConnection(int commands) {
        return new ClientLimits(maxLineBytes, maxInlineBytes, maxBulkBytes, maxArrayElements, maxRequestBytes,
                commands);
    }
}
