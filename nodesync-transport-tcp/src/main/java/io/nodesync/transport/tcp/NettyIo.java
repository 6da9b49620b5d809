package io.nodesync.transport.tcp;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * Which Netty I/O flavour to run: epoll where its native library loads (Linux), plain NIO elsewhere. The two must
 * not be mixed, so the event loops and both channel classes come as one.
 */
record NettyIo(String name, IoHandlerFactory handlerFactory, Class<? extends ServerChannel> serverChannel,
        Class<? extends SocketChannel> socketChannel) {

    /** Epoll if available (and wanted), else NIO. */
    static NettyIo choose(boolean preferNative) {
        if (preferNative && Epoll.isAvailable()) {
            return new NettyIo("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                    EpollSocketChannel.class);
        }
        return new NettyIo("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }
}
