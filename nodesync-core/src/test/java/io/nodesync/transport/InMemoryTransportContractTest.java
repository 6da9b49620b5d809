package io.nodesync.transport;

import io.nodesync.NodeId;
import io.nodesync.Transport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The transport contract, run against {@link InMemoryNetwork} without faults. */
class InMemoryTransportContractTest extends TransportContract {

    private final InMemoryNetwork network = new InMemoryNetwork();

    @Override
    protected Map<NodeId, Transport> createTransports(List<NodeId> ids, NodeId unreachable) {
        // An id with no transport of its own is exactly what the network cannot reach.
        Map<NodeId, Transport> transports = new LinkedHashMap<>();
        ids.forEach(id -> transports.put(id, network.transport(id)));
        return transports;
    }

    @Override
    protected void releaseFixture() {
        network.close();
    }
}
