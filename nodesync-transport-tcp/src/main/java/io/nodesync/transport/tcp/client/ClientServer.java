package io.nodesync.transport.tcp.client;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.nodesync.Node;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A TCP server that serves only the client dialects for one node: it tells RESP2 from the line dialect by each
 * connection's first byte ({@code *} or anything else), as a node's port does, but without the peer protocol. For
 * tests, examples and embedding applications that want a client port of their own; a node process serves clients
 * on its peer port instead, through {@link ClientProtocols}.
 *
 * <pre>{@code
 * try (ClientServer server = ClientServer.start(node, new InetSocketAddress("127.0.0.1", 0), ClientLimits.DEFAULT)) {
 *     int port = server.port();   // the port bound, also when 0 was asked for
 *     ...
 * }
 * }</pre>
 *
 * <p>Runs its own Netty event loops (one per processor, for accepting and serving alike). Thread-safe.
 */
public final class ClientServer implements AutoCloseable {

    private final EventLoopGroup group;
    private final Channel serverChannel;

    private ClientServer(EventLoopGroup group, Channel serverChannel) {
        this.group = group;
        this.serverChannel = serverChannel;
    }

    /**
     * Binds {@code address} (port 0 picks a free port) and serves {@code node}'s clients on it until closed.
     *
     * @throws ChannelException when the address cannot be bound (its cause says why); nothing is left running
     */
    public static ClientServer start(Node node, InetSocketAddress address, ClientLimits limits) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(limits, "limits");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                new DefaultThreadFactory("nodesync-clients-" + node.id(), true), NioIoHandler.newFactory());
        // Not sync(): it would rethrow a failed bind's checked cause undeclared, past any catch of ours.
        ChannelFuture bound = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true) // answer clients that half-close, like nc
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel connection) {
                        connection.pipeline().addLast("sniffer", new FirstByteSniffer(node, limits));
                    }
                })
                .bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
            throw new ChannelException("cannot bind " + address + ": " + bound.cause(), bound.cause());
        }
        return new ClientServer(group, bound.channel());
    }

    /** The address bound. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** The port bound. */
    public int port() {
        return localAddress().getPort();
    }

    /**
     * Stops accepting, closes every client connection and ends the server's threads; returns once they have. Call it
     * from an application thread, not from one of this server's event loops (it waits for them).
     */
    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Peeks at a connection's first byte, installs the dialect it announces, and steps aside. */
    private static final class FirstByteSniffer extends ByteToMessageDecoder {
        private final Node node;
        private final ClientLimits limits;

        FirstByteSniffer(Node node, ClientLimits limits) {
            this.node = node;
            this.limits = limits;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            if (in.getByte(in.readerIndex()) == ClientProtocols.RESP_FIRST_BYTE) {
                ClientProtocols.installResp(ctx.pipeline(), node, limits);
            } else {
                ClientProtocols.installLine(ctx.pipeline(), node, limits);
            }
            ctx.pipeline().remove(this); // the bytes buffered here, first one included, go on to the dialect
        }
    }
}
