package io.nodesync.transport.tcp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.nodesync.NodeId;
import io.nodesync.Transport;
import io.nodesync.protocol.Message;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link Transport}: node-to-node messages over TCP, in the binary format of {@link WireCodec}, on
 * Netty (epoll on Linux where its native library loads, NIO elsewhere).
 *
 * <h2>Design</h2>
 * Each node listens on one port. Every accepted connection is routed by its first byte: the peer protocol's magic
 * byte, or a client dialect ({@link ClientDialect}) plugged in through the builder, or, when none is, a one-line
 * refusal. A connection that sends nothing for the idle timeout is closed.
 *
 * <p>To reach a peer, this node opens one outbound connection to the peer's port, lazily on the first message for
 * it, and sends a handshake naming itself and the peer; the peer's messages to this node come over the peer's own
 * outbound connection. So each link is one-way and each connection preserves order (the core does not rely on it).
 * The sender of an inbound message is the node named in its connection's handshake.
 *
 * <p><b>Never blocking, never unbounded.</b> {@link #send} encodes the message on the caller's thread (so its size
 * is known), appends it to the peer's bounded queue and wakes the peer's event loop, which writes whatever is queued
 * and flushes once per batch. When the peer is unreachable (its last connection attempt failed and its jittered,
 * exponential reconnect backoff has not run out), when its queue is full, or when the socket's write buffer is over
 * the same bound, the message is dropped and counted ({@link #counters()}). Raft re-sends whatever matters.
 *
 * <p><b>Threading.</b> {@link #send} is thread-safe (the node loop is its only caller in a node). The inbound handler
 * is called on Netty event loop threads, possibly several at once for different peers. {@link #close()} is
 * idempotent and, unless called from one of this transport's own event loop threads, returns once every socket is
 * closed and every thread of the transport has ended.
 *
 * <p><b>One thread for the node and its sockets.</b> By default the transport has one event loop thread, and offers it
 * to the node ({@link #loopExecutor()}): the node's turns run on the thread that reads its sockets, and the
 * messages a turn sends are written by that thread when the turn ends (or before the log's sync, on
 * {@link #flush()}). So a message crosses no thread hand-over inside a node, which on loopback costs more than the
 * network. With more I/O threads ({@link Builder#ioThreads}), connections on the others hand their messages over.
 *
 * <pre>{@code
 * TcpTransport transport = TcpTransport.builder(NodeId.of("5000"))
 *         .listen(new InetSocketAddress("0.0.0.0", 5000))
 *         .peer(NodeId.of("5001"), new InetSocketAddress("10.0.0.2", 5001))
 *         .peer(NodeId.of("5002"), new InetSocketAddress("10.0.0.3", 5002))
 *         .bind();
 * Node node = Node.builder().id("5000").peers("5001", "5002").transport(transport).build().start();
 * }</pre>
 */
public final class TcpTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(TcpTransport.class);

    /** How long {@link #close()} waits for the event loops and their threads to end. */
    private static final long CLOSE_TIMEOUT_MILLIS = 10_000;

    /**
     * How many messages left this node, were received and were dropped, and how the connections fared, since the
     * transport was bound. A snapshot: the counts keep moving.
     *
     * @param sent messages handed to a connection's socket buffer
     * @param received messages decoded from peers and delivered to the inbound handler
     * @param dropped messages not sent (peer unknown or unreachable, queue or socket buffer full, frame too large,
     *     transport closed) or received when no handler was there to take them
     * @param reconnects connection attempts to peers beyond the first one to each
     * @param rejectedConnections inbound connections closed for malformed input, an unsupported version or
     *     dialect, a handshake meant for another node, or idleness
     */
    public record Counters(long sent, long received, long dropped, long reconnects, long rejectedConnections) {
    }

    private final NodeId self;
    private final WireCodec codec;
    private final NettyIo io;
    private final long maxQueuedBytesPerPeer;
    private final int connectTimeoutMillis;
    private final long reconnectBackoffBaseNanos;
    private final long reconnectBackoffMaxNanos;
    private final long idleTimeoutMillis;
    private final InetSocketAddress outgoingBindAddress;
    private final ClientDialect lineDialect;
    private final ClientDialect respDialect;

    private final ConcurrentHashMap<NodeId, InetSocketAddress> peerAddresses;
    private final ConcurrentHashMap<NodeId, PeerLink> links = new ConcurrentHashMap<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    /**
     * Every open channel (listening, accepted, outbound), closed explicitly on {@link #close()}: shutting the event
     * loop down from its own thread ends the thread but leaves the sockets open (the port stays bound).
     */
    private final java.util.Set<Channel> openChannels = ConcurrentHashMap.newKeySet();
    private final EventLoopGroup group;
    /** The event loop offered to the node, which also carries every outbound peer link. */
    private final EventLoop hostLoop;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Transport.Inbound inbound;
    private InetSocketAddress localAddress;

    private final LongAdder sent = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder reconnects = new LongAdder();
    private final LongAdder rejectedConnections = new LongAdder();

    private TcpTransport(Builder builder) {
        this.self = builder.self;
        this.codec = new WireCodec(builder.maxFrameBytes);
        this.io = NettyIo.choose(builder.preferNativeTransport);
        this.maxQueuedBytesPerPeer = builder.maxQueuedBytesPerPeer;
        this.connectTimeoutMillis = (int) builder.connectTimeout.toMillis();
        this.reconnectBackoffBaseNanos = builder.reconnectBackoffBase.toNanos();
        this.reconnectBackoffMaxNanos = builder.reconnectBackoffMax.toNanos();
        this.idleTimeoutMillis = builder.idleTimeout.toMillis();
        this.outgoingBindAddress = builder.outgoingBindAddress == null ? null
                : new InetSocketAddress(builder.outgoingBindAddress, 0);
        this.lineDialect = builder.lineDialect;
        this.respDialect = builder.respDialect;
        this.peerAddresses = new ConcurrentHashMap<>(builder.peers);
        ThreadFactory netty = new DefaultThreadFactory("nodesync-tcp-" + self, true);
        ThreadFactory tracked = runnable -> {
            // Remembered so that close() can wait for the threads themselves, not just for their executors.
            Thread thread = netty.newThread(runnable);
            threads.add(thread);
            return thread;
        };
        this.group = new MultiThreadIoEventLoopGroup(builder.ioThreads, tracked, io.handlerFactory());
        this.hostLoop = (EventLoop) group.next();
    }

    /** A builder for the transport of node {@code self}. */
    public static Builder builder(NodeId self) {
        return new Builder(self);
    }

    /**
     * Configures and binds a {@link TcpTransport}. Every setter checks its argument at once. Not thread-safe; use on
     * one thread.
     *
     * <p>Defaults: listen on {@code 127.0.0.1:0} (a port the OS picks), no peers, outgoing connections from any
     * local address, 16 MiB frames, 32 MiB queued per peer, 2 s connect timeout, reconnect backoff from 50 ms
     * doubling to 2 s, 30 s idle timeout, 1 I/O thread (which also runs the node), epoll where available, no client
     * dialects.
     */
    public static final class Builder {
        private final NodeId self;
        private InetSocketAddress listen = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private final Map<NodeId, InetSocketAddress> peers = new LinkedHashMap<>();
        private InetAddress outgoingBindAddress;
        private int maxFrameBytes = WireCodec.DEFAULT_MAX_FRAME_BYTES;
        private long maxQueuedBytesPerPeer = 32L * 1024 * 1024;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration reconnectBackoffBase = Duration.ofMillis(50);
        private Duration reconnectBackoffMax = Duration.ofSeconds(2);
        private Duration idleTimeout = Duration.ofSeconds(30);
        private int ioThreads = 1;
        private boolean preferNativeTransport = true;
        private ClientDialect lineDialect;
        private ClientDialect respDialect;
        private boolean bound;

        private Builder(NodeId self) {
            this.self = Objects.requireNonNull(self, "self");
        }

        /** The address and port this node listens on; port 0 lets the OS pick (read it from {@link #localAddress}). */
        public Builder listen(InetSocketAddress address) {
            this.listen = Objects.requireNonNull(address, "listen address");
            return this;
        }

        /** Adds or replaces the address of one peer. */
        public Builder peer(NodeId peer, InetSocketAddress address) {
            Objects.requireNonNull(peer, "peer");
            Objects.requireNonNull(address, "peer address");
            if (peer.equals(self)) {
                throw new IllegalArgumentException("node " + self + " must not list itself as a peer");
            }
            peers.put(peer, address);
            return this;
        }

        /** Adds or replaces the addresses of several peers. */
        public Builder peers(Map<NodeId, InetSocketAddress> addresses) {
            Objects.requireNonNull(addresses, "peer addresses").forEach(this::peer);
            return this;
        }

        /**
         * The local address outgoing connections to peers are made from (any port), for hosts with several
         * addresses or several nodes on one host (127.0.0.2, ...). By default the OS chooses.
         */
        public Builder outgoingBindAddress(InetAddress address) {
            this.outgoingBindAddress = Objects.requireNonNull(address, "outgoing bind address");
            return this;
        }

        /**
         * The largest frame sent or accepted (message type and body), from 64 bytes. A longer incoming length closes
         * the connection before anything is allocated for it; a longer outgoing message is dropped and logged.
         */
        public Builder maxFrameBytes(int bytes) {
            if (bytes < 64) {
                throw new IllegalArgumentException("max frame size must be at least 64 bytes, was " + bytes);
            }
            this.maxFrameBytes = bytes;
            return this;
        }

        /**
         * How many encoded bytes may wait for one peer before further messages to it are dropped; also the high-water
         * mark of each outbound socket's write buffer. Must hold at least one largest frame.
         */
        public Builder maxQueuedBytesPerPeer(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("max queued bytes must be positive, was " + bytes);
            }
            this.maxQueuedBytesPerPeer = bytes;
            return this;
        }

        /** How long one connection attempt to a peer may take. */
        public Builder connectTimeout(Duration timeout) {
            requirePositive(timeout, "connect timeout");
            if (timeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("connect timeout too long: " + timeout);
            }
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * The reconnect backoff: after the n-th failure in a row a peer is not tried again for a random time in
         * {@code [d/2, d]}, where {@code d = min(max, base * 2^(n-1))}. A connection that lived longer than {@code max}
         * resets it. {@code max} is at most one hour.
         */
        public Builder reconnectBackoff(Duration base, Duration max) {
            requirePositive(base, "reconnect backoff base");
            requirePositive(max, "reconnect backoff max");
            if (max.compareTo(base) < 0 || max.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("need base <= max <= 1 hour, got " + base + ", " + max);
            }
            this.reconnectBackoffBase = base;
            this.reconnectBackoffMax = max;
            return this;
        }

        /**
         * Inbound connections that send nothing for this long are closed: clients that never speak, and peer links
         * whose sender died without a FIN (a live node pings every peer each heartbeat, far more often). Client
         * dialects may lift it for their connections (see {@link ClientDialect#IDLE_HANDLER}).
         */
        public Builder idleTimeout(Duration timeout) {
            requirePositive(timeout, "idle timeout");
            this.idleTimeout = timeout;
            return this;
        }

        /**
         * The number of Netty event loop threads (accepting, reading and writing); 1 or more. The first also runs
         * the node's loop and writes to every peer; inbound connections are spread over all of them, and those on
         * the others hand their messages over to it. One (the default) is fastest for a node with a handful of
         * peers and clients; more may help a node serving many client connections on many cores.
         */
        public Builder ioThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("need at least one I/O thread, got " + threads);
            }
            this.ioThreads = threads;
            return this;
        }

        /** Whether to use epoll where available (the default) rather than always NIO. */
        public Builder preferNativeTransport(boolean preferNative) {
            this.preferNativeTransport = preferNative;
            return this;
        }

        /** Serves connections whose first byte is neither the peer magic byte nor {@code '*'} (humans, nc). */
        public Builder lineDialect(ClientDialect dialect) {
            this.lineDialect = Objects.requireNonNull(dialect, "line dialect");
            return this;
        }

        /** Serves connections whose first byte is {@code '*'} (Redis clients speaking RESP2). */
        public Builder respDialect(ClientDialect dialect) {
            this.respDialect = Objects.requireNonNull(dialect, "RESP dialect");
            return this;
        }

        /**
         * Checks the configuration, starts the event loops and binds the listening port, so that its address (with
         * the port the OS picked, for port 0) is known before any node starts. Connections accepted before
         * {@link TcpTransport#start} have their messages dropped.
         *
         * @throws IOException if the port cannot be bound (the transport's threads are stopped again)
         * @throws IllegalStateException if this builder already bound a transport, or the bounds are inconsistent
         */
        public TcpTransport bind() throws IOException {
            if (bound) {
                throw new IllegalStateException("this builder already bound a transport; use a new builder");
            }
            if (maxQueuedBytesPerPeer < (long) maxFrameBytes + WireCodec.LENGTH_PREFIX_BYTES) {
                throw new IllegalStateException("maxQueuedBytesPerPeer (" + maxQueuedBytesPerPeer
                        + ") must hold at least one largest frame (" + maxFrameBytes + " bytes + length prefix)");
            }
            bound = true;
            TcpTransport transport = new TcpTransport(this);
            transport.bindServer(listen);
            return transport;
        }

        private static void requirePositive(Duration duration, String what) {
            Objects.requireNonNull(duration, what);
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, was " + duration);
            }
        }
    }

    private void bindServer(InetSocketAddress listen) throws IOException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(io.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true) // a restarted node gets its port back at once
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                // `printf 'SET k v\n' | nc host port` sends, then half-closes: the replies must still go out.
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        track(channel);
                        channel.pipeline()
                                .addLast(ClientDialect.IDLE_HANDLER,
                                        new ReadTimeoutHandler(idleTimeoutMillis, TimeUnit.MILLISECONDS))
                                .addLast(FirstByteRouter.NAME, new FirstByteRouter(TcpTransport.this));
                    }
                });
        ChannelFuture binding = bootstrap.bind(listen).awaitUninterruptibly();
        if (!binding.isSuccess()) {
            close();
            Throwable cause = binding.cause();
            IOException failure = new IOException("node " + self + " cannot listen on " + listen + ": "
                    + (cause == null ? "unknown cause" : cause.getMessage()), cause);
            throw failure;
        }
        track(binding.channel());
        localAddress = (InetSocketAddress) binding.channel().localAddress();
        LOG.info("Node {} listening on {} ({})", self, localAddress, io.name());
    }

    // ------------------------------------------------------------------------------------------ Transport

    /**
     * Starts delivering inbound messages to {@code handler}.
     *
     * @throws IllegalArgumentException if {@code id} is not the node this transport was built for
     * @throws IllegalStateException if already started or closed
     */
    @Override
    public void start(NodeId id, Transport.Inbound handler) {
        if (!self.equals(id)) {
            throw new IllegalArgumentException("transport built for node " + self + " started as node " + id);
        }
        Objects.requireNonNull(handler, "handler");
        if (closed.get()) {
            throw new IllegalStateException("transport of node " + self + " is closed");
        }
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("transport of node " + self + " already started");
        }
        this.inbound = handler;
    }

    /**
     * Queues {@code message} for {@code to} and returns at once; drops it (counted) when the peer is unknown or
     * unreachable, its queue is full, the message exceeds the frame size, or the transport is closed. Never throws
     * for any of these. Thread-safe.
     */
    @Override
    public void send(NodeId to, Message message) {
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(message, "message");
        if (closed.get()) {
            dropped.increment();
            return;
        }
        PeerLink link = links.get(to);
        if (link == null) {
            if (!peerAddresses.containsKey(to)) {
                dropped.increment(); // no address: nothing to connect to
                return;
            }
            link = links.computeIfAbsent(to,
                    peer -> new PeerLink(this, peer, hostLoop, WireCodec.encodeHandshake(self, peer)));
        }
        if (link.inBackoff()) {
            dropped.increment(); // decided before encoding: an unreachable peer costs next to nothing
            return;
        }
        ByteBuffer frame;
        try {
            frame = codec.encodeFrame(message);
        } catch (WireFormatException tooLarge) {
            dropped.increment();
            LOG.warn("Node {} dropped a message to {}: {}", self, to, tooLarge.getMessage());
            return;
        }
        if (!link.offer(frame)) {
            dropped.increment();
        }
    }

    /**
     * The event loop the node runs its turns on: every outbound peer link and, with one I/O thread, every connection
     * lives on it, so the node's messages are read and written without a thread hand-over.
     */
    @Override
    public ScheduledExecutorService loopExecutor() {
        return hostLoop;
    }

    /**
     * On the node's event loop, writes what {@link #send} queued so far at once instead of when the current task
     * ends. Elsewhere the event loop is writing already, and this does nothing.
     */
    @Override
    public void flush() {
        if (hostLoop.inEventLoop()) {
            links.values().forEach(PeerLink::drainNow);
        }
    }

    /**
     * Closes the listening socket and every connection and stops the event loops; queued messages are dropped and
     * no more messages are delivered. Waits (up to 10 s) for every thread of this transport to end, unless called on
     * one of them. Idempotent: a later call from another thread waits too, for a close begun on an event loop.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Transport.Inbound handler = inbound;
            inbound = null;
            if (handler != null) {
                tellClosed(handler);
            }
            for (Channel channel : openChannels) {
                channel.close(); // at once on the event loop; from elsewhere queued ahead of the shutdown
            }
            // Quiet period 0: nothing is worth waiting for once the node is going away. Shutting the loops down
            // closes every channel registered with them, the listening one included.
            group.shutdownGracefully(0, CLOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        }
        Future<?> termination = group.terminationFuture();
        if (onOwnEventLoop()) {
            return; // a loop cannot wait for itself to end
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_TIMEOUT_MILLIS);
        boolean interrupted = false;
        // Uninterruptible on purpose: a node loop closes its transport while being interrupted, and leaving early
        // would leak the threads and sockets close() promises to release.
        if (!termination.awaitUninterruptibly(CLOSE_TIMEOUT_MILLIS)) {
            LOG.warn("Transport of node {} did not stop within {} ms", self, CLOSE_TIMEOUT_MILLIS);
        }
        for (Thread thread : threads) {
            while (thread.isAlive()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    break;
                }
                try {
                    thread.join(left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Tells the node, on the event loop it runs on and ahead of the shutdown, that nothing will run it any more. */
    private void tellClosed(Transport.Inbound handler) {
        Runnable tell = () -> {
            try {
                handler.transportClosed();
            } catch (RuntimeException e) {
                LOG.error("Node {}: the inbound handler failed on the transport's close", self, e);
            }
        };
        if (hostLoop.inEventLoop()) {
            tell.run();
        } else {
            try {
                hostLoop.execute(tell); // queued before the shutdown below, so it runs before the loop ends
            } catch (java.util.concurrent.RejectedExecutionException e) {
                tell.run(); // the loop is gone already
            }
        }
    }

    private boolean onOwnEventLoop() {
        for (EventExecutor executor : group) {
            if (executor.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------------------------------ public extras

    /** The node this transport belongs to. */
    public NodeId self() {
        return self;
    }

    /** The address the listening socket is bound to, with the actual port when port 0 was asked for. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /**
     * Adds or changes a peer's address. A changed address takes effect at once: the open connection to the old one
     * is closed and the next message connects to the new one. Thread-safe.
     */
    public void setPeerAddress(NodeId peer, InetSocketAddress address) {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(address, "address");
        if (peer.equals(self)) {
            throw new IllegalArgumentException("node " + self + " must not list itself as a peer");
        }
        InetSocketAddress previous = peerAddresses.put(peer, address);
        PeerLink link = links.get(peer);
        if (link != null && !address.equals(previous)) {
            link.reconnect();
        }
    }

    /** The current counters. */
    public Counters counters() {
        return new Counters(sent.sum(), received.sum(), dropped.sum(), reconnects.sum(), rejectedConnections.sum());
    }

    /** The Netty I/O flavour in use: {@code "epoll"} or {@code "nio"}. */
    public String ioFlavour() {
        return io.name();
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public String toString() {
        return "TcpTransport[" + self + " on " + localAddress + (closed.get() ? ", closed" : "") + "]";
    }

    // ------------------------------------------------------------------------------------------ for the handlers

    WireCodec codec() {
        return codec;
    }

    NettyIo io() {
        return io;
    }

    long maxQueuedBytesPerPeer() {
        return maxQueuedBytesPerPeer;
    }

    int connectTimeoutMillis() {
        return connectTimeoutMillis;
    }

    long reconnectBackoffBaseNanos() {
        return reconnectBackoffBaseNanos;
    }

    long reconnectBackoffMaxNanos() {
        return reconnectBackoffMaxNanos;
    }

    InetSocketAddress outgoingBindAddress() {
        return outgoingBindAddress;
    }

    InetSocketAddress peerAddress(NodeId peer) {
        return peerAddresses.get(peer);
    }

    ClientDialect lineDialect() {
        return lineDialect;
    }

    ClientDialect respDialect() {
        return respDialect;
    }

    /** Remembers an open channel until it closes, so that {@link #close()} closes it for sure. */
    void track(Channel channel) {
        openChannels.add(channel);
        channel.closeFuture().addListener(closed -> openChannels.remove(channel));
        if (isClosed()) {
            channel.close(); // opened while the transport was closing
        }
    }

    void countSent() {
        sent.increment();
    }

    void countDropped(int count) {
        if (count > 0) {
            dropped.add(count);
        }
    }

    void countReconnect() {
        reconnects.increment();
    }

    /** A decoded message from {@code sender}: to the handler, unless not started yet or closed. Event loop only. */
    void deliver(NodeId sender, Message message) {
        Transport.Inbound handler = inbound;
        if (handler == null || closed.get()) {
            dropped.increment();
            return;
        }
        received.increment();
        try {
            handler.receive(sender, message);
        } catch (RuntimeException e) {
            // The node's handler only enqueues; if it throws anyway, the connection is not to blame for it.
            LOG.error("Node {}: the inbound handler failed on a message from {}", self, sender, e);
        }
    }

    void peerConnected(Channel channel, NodeId sender) {
        LOG.debug("Node {}: peer {} connected from {}", self, sender, channel.remoteAddress());
    }

    /** Closes an inbound connection that broke the protocol, logging why. */
    void rejectConnection(Channel channel, NodeId sender, String reason) {
        rejectedConnections.increment();
        LOG.warn("Node {}: closing connection from {}{}: {}", self, channel.remoteAddress(),
                sender == null ? "" : " (peer " + sender + ")", reason);
        channel.close();
    }

    /** Counts a client connection refused by the router (which writes the refusal and closes it). */
    void countRejected(Channel channel, String reason) {
        rejectedConnections.increment();
        LOG.info("Node {}: refusing connection from {}: {}", self, channel.remoteAddress(), reason);
    }

    void logDialectFailure(Channel channel, RuntimeException failure) {
        LOG.error("Node {}: the client dialect failed to set up the connection from {}", self,
                channel.remoteAddress(), failure);
    }

    /** An exception on an inbound connection: idleness or an I/O error. Closes it. */
    void connectionFailed(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ReadTimeoutException) {
            rejectedConnections.increment();
            LOG.info("Node {}: closing connection from {}: nothing received for {} ms", self,
                    ctx.channel().remoteAddress(), idleTimeoutMillis);
        } else {
            LOG.debug("Node {}: connection from {} failed: {}", self, ctx.channel().remoteAddress(),
                    cause.toString());
        }
        ctx.close();
    }
}
