package io.nodesync.transport.tcp;

/** The transport contract against {@link TcpTransport} on plain NIO, the path taken where epoll is unavailable. */
class NioTcpTransportContractTest extends TcpTransportContractTest {

    @Override
    boolean preferNative() {
        return false;
    }
}
