package io.nodesync.transport.tcp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.ReferenceCountUtil;
import io.nodesync.NodeId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound half of one peer: the single connection that carries this node's messages to that peer, the bounded
 * hand-off queue in front of it, and its reconnect backoff.
 *
 * <p><b>Threading.</b> {@link #offer} is called by senders (the node loop) and never blocks: it appends an encoded
 * frame to a lock-free queue and, if no drain is pending, schedules one on the link's event loop. Everything else
 * (the channel, connecting, backoff bookkeeping) is confined to that one event loop thread, so it needs no locks;
 * the few fields a sender reads are volatile or atomic.
 *
 * <p><b>Bounds.</b> Queued bytes waiting for the event loop never exceed the per-peer limit (a frame that would
 * exceed it is dropped), and the channel's write buffer uses the same limit as its high-water mark: once the socket
 * cannot keep up, frames are dropped instead of buffered. So at most about twice the limit is held per peer.
 *
 * <p><b>Connecting.</b> Lazily, when a frame is waiting and no connection exists. While the first attempt is in
 * progress frames wait (bounded); when an attempt fails, or a connection dies young, the peer is unreachable for a
 * jittered, exponentially growing backoff and frames for it are dropped at once. A connection that lived longer
 * than the backoff cap resets the backoff, so a peer that restarts is reached again on the next message.
 */
final class PeerLink {

    private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);

    private final TcpTransport transport;
    private final NodeId peer;
    private final EventLoop loop;
    private final byte[] handshake;

    private final ConcurrentLinkedQueue<ByteBuffer> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    /** Frames for this peer are dropped while {@code System.nanoTime()} is before this. */
    private volatile long unreachableUntilNanos;

    // Confined to the event loop.
    private Channel channel;
    private boolean connecting;
    private boolean attemptedBefore;
    private int failures;
    private long connectedAtNanos;
    private boolean unreachableReported;

    PeerLink(TcpTransport transport, NodeId peer, EventLoop loop, byte[] handshake) {
        this.transport = transport;
        this.peer = peer;
        this.loop = loop;
        this.handshake = handshake;
        this.unreachableUntilNanos = System.nanoTime();
    }

    /** Whether the peer is in backoff after a failure, so a frame for it would be dropped. Any thread. */
    boolean inBackoff() {
        return System.nanoTime() - unreachableUntilNanos < 0;
    }

    /**
     * Hands a whole encoded frame over for sending. Returns {@code false}, keeping nothing, when it must be dropped:
     * the peer is in backoff or its queue is full. Any thread; never blocks.
     */
    boolean offer(ByteBuffer frame) {
        if (inBackoff()) {
            return false;
        }
        int size = frame.remaining();
        if (queuedBytes.addAndGet(size) > transport.maxQueuedBytesPerPeer()) {
            queuedBytes.addAndGet(-size);
            return false;
        }
        queue.add(frame);
        scheduleDrain();
        return true;
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(this::drain);
            } catch (RejectedExecutionException closing) {
                // The transport is closing: the event loop is gone and nothing will be sent any more.
                dropQueued();
            }
        }
    }

    /** Closes the current connection (on the event loop) so that the next message connects afresh. Any thread. */
    void reconnect() {
        try {
            loop.execute(() -> {
                Channel old = channel;
                channel = null; // forgotten first, so its close does not count as a failure
                failures = 0;
                unreachableUntilNanos = System.nanoTime();
                if (old != null) {
                    old.close();
                }
            });
        } catch (RejectedExecutionException closing) {
            // Nothing to reconnect once the transport is closed.
        }
    }

    /** Writes what is queued now; on the link's event loop only (the node's turn, before it blocks on a sync). */
    void drainNow() {
        if (!queue.isEmpty()) {
            drain();
        }
    }

    private void drain() {
        // Cleared first: a frame offered from now on schedules another drain, so none is stranded.
        drainScheduled.set(false);
        if (transport.isClosed()) {
            dropQueued();
            return;
        }
        if (channel != null) {
            writeQueued(channel);
        } else if (!connecting) {
            if (inBackoff()) {
                dropQueued();
            } else if (!queue.isEmpty()) {
                connect();
            }
        }
        // While connecting, frames wait: the connect listener writes or drops them.
    }

    private void writeQueued(Channel ch) {
        boolean wrote = false;
        ByteBuffer frame;
        while ((frame = queue.poll()) != null) {
            queuedBytes.addAndGet(-frame.remaining());
            if (!ch.isActive() || !ch.isWritable()) {
                // Closing, or the socket is not keeping up: best effort means drop, not buffer.
                transport.countDropped(1);
                continue;
            }
            ch.write(Unpooled.wrappedBuffer(frame), ch.voidPromise());
            transport.countSent();
            wrote = true;
        }
        if (wrote) {
            ch.flush(); // one flush per batch: the node loop's messages of one turn leave in as few packets as can be
        }
    }

    private void dropQueued() {
        int dropped = 0;
        ByteBuffer frame;
        while ((frame = queue.poll()) != null) {
            queuedBytes.addAndGet(-frame.remaining());
            dropped++;
        }
        transport.countDropped(dropped);
    }

    private void connect() {
        InetSocketAddress address = transport.peerAddress(peer);
        if (address == null) {
            dropQueued(); // the peer's address was removed
            return;
        }
        if (attemptedBefore) {
            transport.countReconnect();
        }
        attemptedBefore = true;
        connecting = true;
        int highWaterMark = (int) Math.min(Integer.MAX_VALUE, transport.maxQueuedBytesPerPeer());
        Bootstrap bootstrap = new Bootstrap()
                .group(loop) // the same loop as this link, so the channel's callbacks need no locking here
                .channel(transport.io().socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, transport.connectTimeoutMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(highWaterMark / 2, highWaterMark))
                .handler(new OutboundHandler());
        InetSocketAddress local = transport.outgoingBindAddress();
        ChannelFuture future = local == null ? bootstrap.connect(address) : bootstrap.connect(address, local);
        future.addListener(done -> onConnectDone(future, address));
    }

    private void onConnectDone(ChannelFuture future, InetSocketAddress address) {
        connecting = false;
        if (!future.isSuccess()) {
            long backoffNanos = nextBackoffNanos();
            if (!unreachableReported) {
                unreachableReported = true;
                LOG.warn("Cannot connect to peer {} at {}: {}; dropping its messages, retrying with backoff", peer,
                        address, describe(future.cause()));
            } else {
                LOG.debug("Still cannot connect to peer {} at {}: {}; next try in {} ms", peer, address,
                        describe(future.cause()), TimeUnit.NANOSECONDS.toMillis(backoffNanos));
            }
            dropQueued();
            return;
        }
        Channel ch = future.channel();
        if (transport.isClosed()) {
            ch.close();
            dropQueued();
            return;
        }
        channel = ch;
        transport.track(ch);
        connectedAtNanos = System.nanoTime();
        if (unreachableReported) {
            LOG.info("Connected to peer {} at {} again", peer, address);
            unreachableReported = false;
        } else {
            LOG.debug("Connected to peer {} at {}", peer, address);
        }
        ch.closeFuture().addListener(closed -> onClosed(ch, address));
        ch.write(Unpooled.wrappedBuffer(handshake), ch.voidPromise());
        writeQueued(ch);
        ch.flush();
    }

    private void onClosed(Channel ch, InetSocketAddress address) {
        if (channel != ch) {
            return;
        }
        channel = null;
        if (transport.isClosed()) {
            return; // our own shutdown closed it: nothing to report or retry
        }
        long livedNanos = System.nanoTime() - connectedAtNanos;
        if (livedNanos >= transport.reconnectBackoffMaxNanos()) {
            failures = 0; // a long-lived connection ended: try again on the next message
            LOG.info("Connection to peer {} at {} closed; reconnecting on the next message", peer, address);
        } else {
            long backoffNanos = nextBackoffNanos(); // died young: the peer may be rejecting us, so back off
            LOG.info("Connection to peer {} at {} closed after {} ms; reconnecting in {} ms", peer, address,
                    TimeUnit.NANOSECONDS.toMillis(livedNanos), TimeUnit.NANOSECONDS.toMillis(backoffNanos));
        }
        if (!queue.isEmpty()) {
            scheduleDrain();
        }
    }

    /** Counts a failure and starts its backoff: exponential from the base to the cap, with "equal jitter". */
    private long nextBackoffNanos() {
        failures++;
        long base = transport.reconnectBackoffBaseNanos();
        long cap = transport.reconnectBackoffMaxNanos();
        long exponential = base;
        for (int i = 1; i < failures && exponential < cap; i++) {
            exponential *= 2; // no overflow: the builder caps the backoff far below Long.MAX_VALUE / 2
        }
        exponential = Math.min(exponential, cap);
        // Half fixed, half random: peers that failed together do not all come back at the same instant.
        long backoff = exponential / 2 + ThreadLocalRandom.current().nextLong(exponential / 2 + 1);
        unreachableUntilNanos = System.nanoTime() + backoff;
        return backoff;
    }

    private static String describe(Throwable cause) {
        return cause == null ? "unknown cause" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    /** The peer never writes on our outbound connection; anything it sends is discarded. */
    private final class OutboundHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("Connection to peer {} failed: {}", peer, describe(cause));
            ctx.close();
        }
    }
}
