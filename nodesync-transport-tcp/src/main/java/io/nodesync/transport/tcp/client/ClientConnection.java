package io.nodesync.transport.tcp.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of either dialect: frames commands out of the byte stream, starts each one, and writes the
 * replies back in request order, however their futures complete. One instance per connection; every method runs on
 * the connection's event loop, except {@link #replyCompleted}, which hands over to it.
 *
 * <p><b>Pipelining and backpressure.</b> Commands are framed from the bytes read so far only while fewer than
 * {@link ClientLimits#maxInFlightPerConnection()} replies are outstanding and the channel is writable; at that bound
 * the connection turns auto-read off, so unread commands wait in the kernel's socket buffer and then in the client,
 * not in our memory. It reads again once half the bound has drained and the client takes its replies.
 *
 * <p><b>Flushing.</b> Replies that are ready together are encoded into one buffer and flushed once: a pipelined
 * batch costs one write system call, not one per reply.
 *
 * <p><b>Execution order.</b> Commands start as soon as {@link ExecutionOrder} allows: at once unless an earlier
 * command of the connection on the same key (or a consistency switch) is still running.
 *
 * <p>Subclasses supply the dialect: {@link #nextCommand} frames the next command, {@link #render} encodes a reply. A
 * framing error is answered like any command (in its turn), then the connection is closed.
 */
abstract class ClientConnection extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

    /** A command framed by the dialect, not started yet. */
    record Command(Request request, boolean closeAfterReply) {
    }

    /** A command started, waiting for its turn to be answered. */
    private record Pending(CompletableFuture<Reply> reply, boolean closeAfterReply) {
    }

    private final CommandExecutor executor;
    private final ExecutionOrder order = new ExecutionOrder();
    private final int maxInFlight;
    private final int resumeAtOrBelow;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final Iterable<CompletableFuture<Reply>> pendingReplies =
            () -> pending.stream().map(Pending::reply).iterator();
    /** Set by the node's callback thread when a drain task is queued, cleared by that task: one task per burst. */
    private final AtomicBoolean drainQueued = new AtomicBoolean();

    private ChannelHandlerContext ctx;
    /** Bytes read but not yet framed into commands. */
    private ByteBuf input;
    private boolean pumping;
    private boolean pumpAgain;
    private boolean readingPaused;
    /**
     * A command that ends the connection has been started: nothing read after it is framed, even while it waits
     * behind earlier replies (after a framing error the stream cannot be trusted; after {@code QUIT} it is not
     * wanted).
     */
    private boolean lastCommandStarted;
    /** A reply that ends the connection has been written: nothing more is read, started or written. */
    private boolean closing;
    private boolean closed;
    /** The client half-closed (e.g. {@code nc} at the end of its input): answer what was asked, then close. */
    private boolean inputEnded;

    protected ClientConnection(CommandExecutor executor, ClientLimits limits) {
        this.executor = executor;
        this.maxInFlight = limits.maxInFlightPerConnection();
        this.resumeAtOrBelow = maxInFlight / 2;
    }

    /**
     * Frames the next command from {@code input}. Returns {@code null}, consuming nothing more, when the command is
     * not complete yet. May consume bytes that hold no command (an ignored empty request) and still return
     * {@code null} once the input is exhausted.
     */
    protected abstract Command nextCommand(ByteBuf input);

    /** Appends a reply, as this dialect spells it, to {@code out}. */
    protected abstract void render(Reply reply, ByteBuf out);

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        if (!(message instanceof ByteBuf bytes)) {
            context.fireChannelRead(message);
            return;
        }
        if (closing || closed || lastCommandStarted) {
            bytes.release();
            return;
        }
        input = input == null ? bytes : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(context.alloc(), input, bytes);
        pump();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        pump(); // the client took replies: we may frame (and so answer) more
        context.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
            inputEnded = true;
            pump();
            return;
        }
        context.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        shutDown();
        context.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext context) {
        shutDown();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("Client connection {} failed: {}", context.channel(), cause.toString());
        } else {
            log.warn("Client connection {} failed; closing it", context.channel(), cause);
        }
        shutDown();
        context.close();
    }

    private void shutDown() {
        closed = true;
        pending.clear(); // their futures may still complete; replyCompleted then finds nothing to do
        releaseInput();
    }

    private void releaseInput() {
        if (input != null) {
            ReferenceCountUtil.safeRelease(input);
            input = null;
        }
    }

    /**
     * Called when a command's future completes, on whatever thread completed it (usually the node's callback
     * thread). A burst of completions queues one drain task, not one each.
     */
    private void replyCompleted() {
        if (ctx.executor().inEventLoop()) {
            pump();
            return;
        }
        if (drainQueued.compareAndSet(false, true)) {
            try {
                ctx.executor().execute(() -> {
                    // Cleared before draining: a completion from here on queues a new task and is never missed.
                    drainQueued.set(false);
                    pump();
                });
            } catch (RejectedExecutionException e) {
                log.debug("Event loop shut down before a reply could be written to {}", ctx.channel());
            }
        }
    }

    /**
     * Frames and starts what the bounds allow, writes every reply whose turn has come, flushes once. A call made
     * while a pass is running (a completion, or a writability change fired by our own flush) makes it run another
     * pass rather than being lost.
     */
    private void pump() {
        if (closed) {
            return;
        }
        if (pumping) {
            pumpAgain = true;
            return;
        }
        pumping = true;
        try {
            do {
                pumpAgain = false;
                pumpOnce();
            } while (pumpAgain && !closing && !closed);
        } finally {
            pumping = false;
        }
    }

    private void pumpOnce() {
        boolean wrote = false;
        boolean progress = true;
        while (progress && !closing && !closed) {
            boolean started = startCommands();
            boolean written = writeReadyReplies();
            wrote |= written;
            progress = started || written;
        }
        if (closing || closed) {
            return; // writeReadyReplies flushed and closes the connection
        }
        if (inputEnded && pending.isEmpty() && ctx.channel().isWritable()) {
            // Everything asked is answered; what is left of the input is an unfinished command nobody will end.
            closing = true;
            releaseInput();
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER) // flushes what this pass wrote, then closes
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (wrote) {
            ctx.flush();
        }
        if (input != null && !input.isReadable()) {
            releaseInput();
        } else if (input != null) {
            input.discardSomeReadBytes();
        }
        updateReading();
    }

    private boolean startCommands() {
        boolean started = false;
        while (input != null && input.isReadable() && pending.size() < maxInFlight && ctx.channel().isWritable()) {
            Command command;
            try {
                command = nextCommand(input);
            } catch (RuntimeException e) {
                // A dialect bug must not take the event loop's other connections with it: answer and hang up.
                log.warn("Failed to read a command from {}; closing it", ctx.channel(), e);
                command = new Command(new Request.Answered(Reply.error("internal error")), true);
            }
            if (command == null) {
                break;
            }
            Pending next = new Pending(order.start(command.request(), executor::execute, pendingReplies),
                    command.closeAfterReply());
            pending.add(next);
            started = true;
            if (!next.reply().isDone()) {
                next.reply().whenComplete((reply, failure) -> replyCompleted());
            }
            if (next.closeAfterReply()) {
                lastCommandStarted = true;
                releaseInput(); // nothing after a closing command is answered
                break;
            }
        }
        return started;
    }

    /** Writes the replies at the head of the queue that are ready, in one buffer. Returns whether it wrote any. */
    private boolean writeReadyReplies() {
        ByteBuf out = null;
        while (!pending.isEmpty() && pending.peek().reply().isDone()) {
            Pending head = pending.poll();
            if (out == null) {
                out = ctx.alloc().ioBuffer();
            }
            render(replyOf(head), out);
            if (head.closeAfterReply()) {
                closing = true;
                pending.clear();
                releaseInput();
                ctx.channel().config().setAutoRead(false);
                ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
                return true;
            }
        }
        if (out == null) {
            return false;
        }
        ctx.write(out);
        return true;
    }

    private static Reply replyOf(Pending pending) {
        try {
            return pending.reply().join();
        } catch (CompletionException | CancellationException e) {
            return CommandExecutor.failure(e); // the executor never fails a reply; this only keeps the order intact
        }
    }

    /** Auto-read off at the in-flight bound or when the client is not taking replies; on again with hysteresis. */
    private void updateReading() {
        boolean writable = ctx.channel().isWritable();
        if (!readingPaused && (pending.size() >= maxInFlight || !writable)) {
            readingPaused = true;
            ctx.channel().config().setAutoRead(false);
        } else if (readingPaused && pending.size() <= resumeAtOrBelow && writable) {
            readingPaused = false;
            ctx.channel().config().setAutoRead(true);
        }
    }
}
