package io.nodesync.transport.tcp;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * One server-side connection on Netty's {@link EmbeddedChannel}, driven as a socket would drive it: bytes arrive in
 * chunks, the client may half-close or hang up, and what the handlers write is collected. Every buffer the
 * connection allocates (the chunks it reads included) comes from an allocator that remembers it, so
 * {@link #finishAndCheck} can tell that all of them were released: a leak fails the input that caused it, at once,
 * rather than in a garbage-collection report some time later. Not thread-safe; closes its channel on
 * {@link #close}, whatever happened.
 */
public final class EmbeddedConnection implements AutoCloseable {

    /** How the client ends its side once its input is sent (or part of it). */
    public enum Ending {
        /** The client keeps the connection open. */
        STAYS_OPEN,
        /** The client shuts its output after the input, as {@code printf ... | nc} does, and waits for replies. */
        HALF_CLOSES,
        /** The client closes the connection after some chunk of its input, replies or not. */
        HANGS_UP;

        /** Half the time the client stays, a quarter each it half-closes or hangs up. */
        public static Ending random(SplittableRandom random) {
            int roll = random.nextInt(4);
            return roll < 2 ? STAYS_OPEN : roll == 2 ? HALF_CLOSES : HANGS_UP;
        }
    }

    private final TrackingAllocator allocator = new TrackingAllocator();
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private boolean finished;

    /** A connection whose pipeline {@code setup} fills (the way a server's initializer does). */
    public EmbeddedConnection(Consumer<ChannelPipeline> setup) {
        channel.config().setAllocator(allocator);
        setup.accept(channel.pipeline());
    }

    public EmbeddedChannel channel() {
        return channel;
    }

    /**
     * Delivers {@code input[from, to)} as one read, unless the connection is closed already (a socket reads nothing
     * then). Fails if an exception reached the end of the pipeline or anything got past the decoders.
     *
     * @return whether the bytes were delivered
     */
    public boolean receive(byte[] input, int from, int to) {
        if (!channel.isOpen()) {
            return false;
        }
        ByteBuf chunk = allocator.socketRead(to - from);
        chunk.writeBytes(input, from, to - from);
        channel.writeInbound(chunk); // rethrows an exception no handler caught
        assertNothingPassedTheDecoders();
        collectWritten();
        return true;
    }

    /** The client shuts its output ({@code nc} at the end of its input): the server sees the input end. */
    public void halfClose() {
        if (channel.isOpen()) {
            channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
        settle();
    }

    /** The client goes away without a word. */
    public void hangUp() {
        channel.close();
        settle();
    }

    /** Runs what the handlers scheduled (a close after a reply, say) and collects what they wrote. */
    public void settle() {
        channel.runPendingTasks();
        channel.checkException();
        assertNothingPassedTheDecoders();
        collectWritten();
    }

    /** Everything written to the client so far. */
    public byte[] written() {
        collectWritten();
        return written.toByteArray();
    }

    private void collectWritten() {
        for (Object message = channel.readOutbound(); message != null; message = channel.readOutbound()) {
            try {
                if (!(message instanceof ByteBuf bytes)) {
                    throw new AssertionError("a handler wrote a " + message.getClass().getName() + ", not bytes");
                }
                byte[] copy = new byte[bytes.readableBytes()];
                bytes.readBytes(copy);
                written.writeBytes(copy);
            } finally {
                ReferenceCountUtil.release(message);
            }
        }
    }

    private void assertNothingPassedTheDecoders() {
        Object message = channel.readInbound();
        if (message != null) {
            String type = message.getClass().getName();
            ReferenceCountUtil.release(message);
            throw new AssertionError("a " + type + " passed every handler of the pipeline unread");
        }
    }

    /**
     * Closes the connection (as the end of the test does), fails on any exception left, then checks that every
     * buffer the connection allocated has been released.
     */
    public void finishAndCheck() {
        settle();
        finished = true;
        channel.finish(); // closes, runs what is pending, rethrows an uncaught exception
        assertNothingPassedTheDecoders();
        collectWritten();
        allocator.assertAllReleased();
    }

    @Override
    public void close() {
        if (!finished) {
            finished = true;
            channel.finishAndReleaseAll();
        }
    }

    /** Allocates like Netty's unpooled allocator, and remembers every buffer so that leaks can be found. */
    private static final class TrackingAllocator extends AbstractByteBufAllocator {
        /**
         * The socket's reads come from an allocator that Netty's leak detector does not watch: its PARANOID level
         * records a stack trace per buffer, which for inputs read a byte at a time would cost more than the decoding.
         * They are checked all the same, with everything else this allocator hands out.
         */
        private static final UnpooledByteBufAllocator UNWATCHED = new UnpooledByteBufAllocator(true, true);

        private final List<ByteBuf> allocated = new ArrayList<>();

        TrackingAllocator() {
            super(true);
        }

        /** A buffer for bytes the socket read. */
        ByteBuf socketRead(int capacity) {
            return track(UNWATCHED.directBuffer(capacity));
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return track(UnpooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity));
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return track(UnpooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity));
        }

        private ByteBuf track(ByteBuf buffer) {
            allocated.add(buffer);
            return buffer;
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        void assertAllReleased() {
            for (ByteBuf buffer : allocated) {
                if (buffer.refCnt() != 0) {
                    int capacity = buffer.capacity();
                    int count = buffer.refCnt();
                    buffer.release(count); // so that one leak does not also exhaust direct memory
                    throw new AssertionError("a buffer of " + capacity + " bytes was never released (reference count "
                            + count + " after the connection closed)");
                }
            }
        }
    }
}
