package io.nodesync.transport.tcp;

import java.io.IOException;

/**
 * Bytes that are not a valid frame or handshake of the node-to-node protocol: an oversized or negative length, an
 * unknown type, a body shorter or longer than its fields, malformed UTF-8, an unsupported protocol version. The
 * connection that sent them is closed; nothing else is affected. Immutable.
 */
public final class WireFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /** An error with a reason a person can act on (it is logged as is). */
    public WireFormatException(String reason) {
        super(reason);
    }

    /** An error caused by a value the protocol records refused (for example a non-positive entry index). */
    public WireFormatException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
