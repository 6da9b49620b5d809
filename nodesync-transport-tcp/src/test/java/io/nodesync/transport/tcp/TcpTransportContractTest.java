package io.nodesync.transport.tcp;

import io.nodesync.NodeId;
import io.nodesync.Transport;
import io.nodesync.transport.TransportContract;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The transport contract of the core, run against {@link TcpTransport} on loopback (epoll where available). */
class TcpTransportContractTest extends TransportContract {

    /** Whether to use epoll where available; the NIO subclass says no. */
    boolean preferNative() {
        return true;
    }

    @Override
    protected Map<NodeId, Transport> createTransports(List<NodeId> ids, NodeId unreachable) throws Exception {
        Map<NodeId, TcpTransport> transports = new LinkedHashMap<>();
        try {
            for (NodeId id : ids) {
                transports.put(id, TcpTesting.transport(id).preferNativeTransport(preferNative()).bind());
            }
        } catch (Exception e) {
            transports.values().forEach(TcpTransport::close); // the suite only closes what it was handed
            throw e;
        }
        InetSocketAddress dead = TcpTesting.deadAddress();
        // The ports are only known once bound, so the peers learn each other's addresses afterwards.
        for (TcpTransport transport : transports.values()) {
            for (TcpTransport other : transports.values()) {
                if (other != transport) {
                    transport.setPeerAddress(other.self(), other.localAddress());
                }
            }
            transport.setPeerAddress(unreachable, dead);
        }
        return new LinkedHashMap<>(transports);
    }
}
