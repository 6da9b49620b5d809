package io.nodesync.runtime;

import io.nodesync.LimitExceededException;
import io.nodesync.NodeClosedException;
import io.nodesync.NodeId;
import io.nodesync.NodeListener;
import io.nodesync.NodeStatus;
import io.nodesync.NodeSyncException;
import io.nodesync.Transport;
import io.nodesync.consensus.ClientRequest;
import io.nodesync.consensus.Replica;
import io.nodesync.consensus.ReplicaConfig;
import io.nodesync.protocol.Message;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single thread that owns a node's {@link Replica} and does its I/O.
 *
 * <p>Each turn it drains everything queued in its bounded inbox (so many requests become one append and one round
 * of messages) and runs it through the {@link ReplicaDriver}, which feeds the replica its inputs and due ticks, syncs
 * the log, and only then hands over the turn's messages (sent on the transport) and completions (passed to the
 * callback thread: application code never runs on the loop, except the callbacks of requests made on the loop's own
 * thread, which was running that code anyway). Broken invariants stop the node loudly: all pending futures
 * fail with {@link NodeClosedException} carrying the cause.
 *
 * <p><b>Where it runs.</b> On a thread of its own, or, when the transport offers one
 * ({@link io.nodesync.Transport#loopExecutor()}), as tasks on the transport's event loop: then messages read from a
 * socket join the inbox and wait for the next turn on the same thread, and the turn's messages are written on it,
 * with no thread woken in between. Either way turns run one at a time on one thread.
 */
final class NodeLoop implements ReplicaDriver.Output {

    private static final int MAX_EVENTS_PER_TURN = 4096;
    /**
     * Put in the inbox to wake the loop when it closes. An interrupt would do it too, but an interrupt that lands
     * while the loop writes its log closes the log's file channels (Java's interruptible channels).
     */
    private static final Object WAKE_UP = new Object();

    /** A peer message waiting in the inbox. */
    private record Inbound(NodeId from, Message message) {
    }

    /**
     * A client request waiting in the inbox, with the future to complete; {@code fromLoopThread} when it was made on
     * the thread that runs the loop (a client connection on the transport's event loop), whose future then completes
     * on that thread, after the turn, instead of going through the callback thread and back.
     */
    record Submit(ClientRequest request, CompletableFuture<Object> future, boolean fromLoopThread) {
    }

    private final NodeSettings settings;
    private final NodeId id;
    /** One logger per node, named {@code io.nodesync.node.<id>}, so output from nodes sharing a JVM tells them apart. */
    private final Logger log;
    private final ReplicaDriver driver;
    private final ArrayBlockingQueue<Object> inbox;
    private final CopyOnWriteArrayList<NodeListener> listeners;
    private final ExecutorService callbacks;
    /** The loop's own thread; {@code null} when it runs on the transport's executor. */
    private final Thread thread;
    /** The transport's executor the loop runs on; {@code null} when it has a thread of its own. */
    private final ScheduledExecutorService host;
    /** The host's thread, once its first task ran. */
    private volatile Thread hostThread;
    /** Whether a turn is queued on the host: many wake-ups before it runs make one turn. */
    private final AtomicBoolean turnQueued = new AtomicBoolean();
    private final Runnable hostedTurn = this::hostedTurn;
    /** The host's timer for the next tick, and the tick time it was set for. Host thread only. */
    private ScheduledFuture<?> tickTimer;
    private long tickTimerAt;
    /** Joined on close: an executor reports termination slightly before its worker thread has ended. */
    private final List<Thread> callbackThreads = new CopyOnWriteArrayList<>();
    private final long tickNanos;
    private final AtomicLong droppedMessages = new AtomicLong();

    private final HashMap<Long, Submit> inFlight = new HashMap<>();
    private final ArrayList<Runnable> toCallback = new ArrayList<>();
    /** Completions of requests made on the loop's own thread, run there once the turn is over. */
    private final ArrayList<Runnable> afterTurn = new ArrayList<>();
    private final ArrayList<Object> batch = new ArrayList<>();
    private final java.util.function.Consumer<Replica> feedBatch = this::feedBatch;

    private volatile NodeStatus status;
    private volatile boolean started;
    private volatile boolean running;
    private volatile Throwable failure;

    NodeLoop(NodeSettings settings, CopyOnWriteArrayList<NodeListener> listeners) {
        this.settings = settings;
        this.id = settings.id();
        this.log = LoggerFactory.getLogger("io.nodesync.node." + id);
        this.listeners = listeners;
        this.inbox = new ArrayBlockingQueue<>(settings.limits().inboxCapacity());
        this.tickNanos = settings.timing().tick().toNanos();
        SplittableRandom random = new SplittableRandom(settings.randomSeed());
        ReplicaConfig config = new ReplicaConfig(id, settings.peers(), settings.election(), settings.timing(),
                settings.limits(), settings.consistency(), settings.raftOptions());
        // The session must differ across restarts even with a fixed seed: a repeated session would make the state
        // machine take the new incarnation's strong writes for duplicates of the old one's.
        long session = java.util.concurrent.ThreadLocalRandom.current().nextLong();
        this.driver = new ReplicaDriver(config, settings.log(), random, session, tickNanos,
                settings.clock().nanoTime() + tickNanos, this);
        this.driver.appendsBeforeSync(settings.log().syncWaitsForDevice());
        this.status = driver.replica().status();
        // Futures complete here, one task per turn, so application callbacks never run on (or stall) the node loop.
        // (Requests made on the loop's own thread complete there, after the turn: see Submit.fromLoopThread.)
        this.callbacks = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                runnable -> {
                    Thread callbackThread = new Thread(runnable, "nodesync-callback-" + id);
                    callbackThread.setDaemon(true);
                    callbackThreads.add(callbackThread);
                    return callbackThread;
                });
        this.host = settings.transport().loopExecutor();
        if (host == null) {
            this.thread = new Thread(this::run, "nodesync-loop-" + id);
            this.thread.setDaemon(true);
        } else {
            this.thread = null;
        }
    }

    void start() {
        running = true;
        driver.nextTickAt(settings.clock().nanoTime() + tickNanos);
        settings.transport().start(id, new Transport.Inbound() {
            @Override
            public void receive(NodeId from, Message message) {
                onMessage(from, message);
            }

            @Override
            public void transportClosed() {
                onTransportClosed();
            }
        });
        started = true;
        if (host == null) {
            thread.start();
        } else {
            turnQueued.set(true);
            host.execute(() -> {
                hostThread = Thread.currentThread();
                hostedTurn(); // arms the tick timer
            });
        }
    }

    /** Called by transport threads: enqueue or drop, never block. */
    private void onMessage(NodeId from, Message message) {
        if (!running || !inbox.offer(new Inbound(from, message))) {
            droppedMessages.incrementAndGet(); // as a full network buffer would; Raft re-sends what matters
            return;
        }
        if (host != null) {
            try {
                queueHostedTurn();
            } catch (RejectedExecutionException closing) {
                droppedMessages.incrementAndGet(); // the transport is closing: nothing runs turns any more
            }
        }
    }

    /**
     * The transport was closed under the node. A node hosted on it has nothing left to run its turns or ticks, so it
     * stops here (on the host's last task), failing what waits rather than leaving it to hang; a node with a thread of
     * its own goes on, its messages dropped, and its requests time out as in any partition.
     */
    private void onTransportClosed() {
        if (host == null || !running) {
            return;
        }
        running = false;
        failure = new IllegalStateException("the transport of node " + id + " was closed while the node ran");
        log.warn("Node {} stopped: its transport was closed under it", id);
        shutdownFromLoop();
    }

    /** Queues a turn on the host unless one is queued already. From the host's own thread this wakes nobody. */
    private void queueHostedTurn() {
        if (turnQueued.compareAndSet(false, true)) {
            try {
                host.execute(hostedTurn);
            } catch (RejectedExecutionException e) {
                turnQueued.set(false);
                throw e;
            }
        }
    }

    /** Whether the calling thread is the one that runs the loop's turns (so it must never wait for one). */
    boolean onLoopThread() {
        Thread current = Thread.currentThread();
        return current == thread || current == hostThread;
    }

    /** Called by application threads: enqueue or fail fast. */
    void submit(ClientRequest request, CompletableFuture<Object> future) {
        if (!running) {
            future.completeExceptionally(!started && failure == null
                    ? new NodeClosedException("node " + id + " is not started yet") : closedException());
            return;
        }
        Submit submit = new Submit(request, future, onLoopThread());
        if (!inbox.offer(submit)) {
            future.completeExceptionally(new LimitExceededException("node " + id + " inbox is full ("
                    + settings.limits().inboxCapacity() + " events); the node is overloaded, retry later"));
            return;
        }
        boolean hostGone = false;
        if (host != null) {
            try {
                queueHostedTurn();
            } catch (RejectedExecutionException e) {
                hostGone = true; // the transport was closed under the node: no turn will take it
            }
        }
        if ((!running || hostGone) && inbox.remove(submit)) {
            future.completeExceptionally(closedException()); // closed while we enqueued: nobody will take it
        }
    }

    NodeStatus status() {
        return status;
    }

    NodeId id() {
        return id;
    }

    boolean isRunning() {
        return running;
    }

    long droppedMessages() {
        return droppedMessages.get();
    }

    private void run() {
        try {
            while (running) {
                long now = settings.clock().nanoTime();
                long wait = driver.nextTickAt() - now;
                if (wait > 0) {
                    Object first = inbox.poll(wait, TimeUnit.NANOSECONDS);
                    if (first != null) {
                        batch.add(first);
                    }
                }
                inbox.drainTo(batch, MAX_EVENTS_PER_TURN - batch.size());
                if (!running) {
                    break;
                }
                turn();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = t;
            log.error("Node {} stopped: its loop hit a broken invariant", id, t);
        } finally {
            running = false;
            shutdownFromLoop();
        }
    }

    /** A turn run as a task on the host: whatever the inbox holds, and the ticks that are due. */
    private void hostedTurn() {
        turnQueued.set(false); // first: an event queued from now on queues another turn, so none is stranded
        if (!running) {
            return;
        }
        try {
            inbox.drainTo(batch, MAX_EVENTS_PER_TURN);
            turn();
            if (!inbox.isEmpty()) {
                queueHostedTurn(); // more than one turn's worth: the rest after the host's other work
            }
            armTickTimer();
        } catch (RejectedExecutionException closing) {
            // The transport is closing: its executor takes no more tasks, and the node is being closed with it.
        } catch (Throwable t) {
            failure = t;
            running = false;
            log.error("Node {} stopped: its loop hit a broken invariant", id, t);
            shutdownFromLoop();
        }
    }

    /** Makes sure the host runs a turn when the next tick is due. Host thread only. */
    private void armTickTimer() {
        long at = driver.nextTickAt();
        if (tickTimer != null && tickTimerAt == at) {
            return;
        }
        if (tickTimer != null) {
            tickTimer.cancel(false);
        }
        long delay = Math.max(0, at - settings.clock().nanoTime());
        tickTimerAt = at;
        tickTimer = host.schedule(() -> {
            tickTimer = null; // re-armed by the turn even if the timer fired a little before the tick was due
            hostedTurn();
        }, delay, TimeUnit.NANOSECONDS);
    }

    /** One turn: the batch through the driver, then the turn's callbacks to the callback thread. */
    private void turn() {
        driver.turn(settings.clock().nanoTime(), settings.clock().currentTimeMillis(), feedBatch);
        batch.clear();
        status = driver.replica().status(); // again: the sync may have adopted a snapshot
        if (!afterTurn.isEmpty()) {
            // A copy: a callback may close the node, whose shutdown takes what is left in the list.
            List<Runnable> completions = new ArrayList<>(afterTurn);
            afterTurn.clear();
            for (Runnable completion : completions) {
                completion.run(); // the requester's own thread: its callbacks may submit more, which waits in the inbox
            }
        }
        if (!toCallback.isEmpty()) {
            List<Runnable> work = new ArrayList<>(toCallback);
            toCallback.clear();
            try {
                callbacks.execute(() -> work.forEach(Runnable::run));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                work.forEach(Runnable::run); // closing: complete here rather than lose the futures
            }
        }
    }

    private void feedBatch(Replica replica) {
        for (Object event : batch) {
            if (event instanceof Inbound inbound) {
                replica.receive(inbound.from(), inbound.message());
            } else if (event instanceof Submit submit) {
                Submit previous = inFlight.put(submit.request().id(), submit);
                if (previous != null) {
                    throw new IllegalStateException("request id " + submit.request().id() + " reused");
                }
                replica.submit(submit.request());
            }
        }
    }

    // ------------------------------------------------------------------------------------------ ReplicaDriver.Output

    /**
     * Publishes the turn's status before any of its messages or completions leave: a caller woken by a completion,
     * or one that hears from a peer this turn wrote to, then sees at least this turn's status.
     */
    @Override
    public void beforeEffects() {
        status = driver.replica().status();
    }

    @Override
    public void send(NodeId to, Message message) {
        settings.transport().send(to, message);
    }

    @Override
    public void flushSends() {
        settings.transport().flush(); // a hosting transport writes a turn's sends only when the turn ends otherwise
    }

    @Override
    public void completed(long requestId, Object result) {
        Submit submit = inFlight.remove(requestId);
        if (submit != null) {
            Object value = submit.request().op() == ClientRequest.Op.GET ? Optional.ofNullable(result) : result;
            settle(submit, () -> submit.future().complete(value));
        }
    }

    @Override
    public void failed(long requestId, NodeSyncException error) {
        Submit submit = inFlight.remove(requestId);
        if (submit != null) {
            settle(submit, () -> submit.future().completeExceptionally(error));
        }
    }

    /**
     * Completes a request's future where its waiter should see it: at once for a blocked caller (only it waits: it
     * is woken, nothing runs here), after the turn for a request made on the loop's own thread, else on the callback
     * thread.
     */
    private void settle(Submit submit, Runnable completion) {
        if (submit.future() instanceof DefaultStore.LoopCompleted) {
            completion.run();
        } else if (submit.fromLoopThread()) {
            afterTurn.add(completion);
        } else {
            toCallback.add(completion);
        }
    }

    @Override
    public void peerChanged(NodeId peer, boolean up) {
        if (up) {
            log.info("[RECOVERED] Peer {} is back UP", peer);
        } else {
            log.warn("[FAILURE  ] Peer {} is DOWN", peer);
        }
        toCallback.add(() -> listeners.forEach(listener -> {
            if (up) {
                listener.onPeerUp(peer);
            } else {
                listener.onPeerDown(peer);
            }
        }));
    }

    @Override
    public void leaderChanged(NodeId leader, long term) {
        if (leader != null) {
            log.info("[ELECTION ] New leader elected: {}", leader);
        }
        toCallback.add(() -> listeners.forEach(listener -> listener.onLeaderChange(leader, term)));
    }

    // ------------------------------------------------------------------------------------------ shutdown

    /**
     * Stops the loop and waits for it; then fails everything not completed with {@link NodeClosedException}.
     * Idempotent.
     */
    void close() {
        running = false;
        if (host != null) {
            closeHosted();
        } else if (thread.isAlive() && Thread.currentThread() != thread) {
            inbox.offer(WAKE_UP); // if the inbox is full the loop is not waiting: it sees running == false at once
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
                if (thread.isAlive()) {
                    thread.interrupt(); // stuck in something slower than a turn: the last resort
                    thread.join(TimeUnit.SECONDS.toMillis(10));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (host == null && !thread.isAlive()) {
            shutdownFromLoop(); // covers a loop that was never started
        }
        callbacks.shutdown();
        if (callbackThreads.contains(Thread.currentThread())) {
            return; // closed from a callback (e.g. a listener): the executor ends once that callback returns
        }
        try {
            if (!callbacks.awaitTermination(10, TimeUnit.SECONDS)) {
                callbacks.shutdownNow();
            }
            for (Thread callbackThread : callbackThreads) {
                if (callbackThread != Thread.currentThread()) {
                    callbackThread.join(TimeUnit.SECONDS.toMillis(10));
                }
            }
        } catch (InterruptedException e) {
            callbacks.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs the shutdown on the host after any turn in progress, then closes the transport from this thread, so that
     * its threads (the host's among them) have ended when this returns, unless this is the host's own thread.
     */
    private void closeHosted() {
        if (!started || Thread.currentThread() == hostThread) {
            shutdownFromLoop();
        } else {
            try {
                awaitShutdownTask(host.submit(this::shutdownFromLoop));
            } catch (RejectedExecutionException e) {
                awaitHostTermination(); // the transport was closed first: wait out a task still running
                shutdownFromLoop();
            }
        }
        settings.transport().close();
    }

    /**
     * Waits (up to 10 s, through interrupts, which it keeps) for the shutdown queued on the host. Never runs the
     * shutdown here while a turn may still be using what it releases: if the turn does not end in time, the
     * transport's close stops the host and the queued shutdown runs when the turn returns.
     */
    private void awaitShutdownTask(Future<?> done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    done.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (TimeoutException e) {
                    log.warn("Node {}: its loop did not end its turn within 10 s of close; closing its transport", id);
                    return;
                } catch (ExecutionException e) {
                    log.warn("Node {}: its shutdown failed on the transport's thread", id, e.getCause());
                    return;
                } catch (RuntimeException e) {
                    // Refused to wait (the executor's own thread, before the loop learnt it is that thread): no turn
                    // runs while this task does, so the shutdown runs here.
                    shutdownFromLoop();
                    return;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void awaitHostTermination() {
        try {
            if (!host.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("Node {}: the transport's executor did not stop within 10 s", id);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean shutDown;

    /** Runs once, on the loop thread when it ends (or on the closer if it never ran). */
    private synchronized void shutdownFromLoop() {
        if (shutDown) {
            return;
        }
        shutDown = true;
        settings.transport().close();
        if (settings.ownsLog()) {
            // A pending interrupt would make the final writes close the log's channels instead of forcing them.
            boolean interrupted = Thread.interrupted();
            try {
                settings.log().close(); // after the loop's last turn: nothing writes to it any more
            } catch (RuntimeException e) {
                log.error("Node {} could not close its data directory cleanly", id, e);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        NodeClosedException closed = closedException();
        List<CompletableFuture<Object>> orphans = new ArrayList<>();
        inFlight.values().forEach(submit -> orphans.add(submit.future()));
        inFlight.clear();
        for (Object event : batch) {
            if (event instanceof Submit submit) {
                orphans.add(submit.future());
            }
        }
        batch.clear();
        Object event;
        while ((event = inbox.poll()) != null) {
            if (event instanceof Submit submit) {
                orphans.add(submit.future());
            }
        }
        List<Runnable> pendingCallbacks = new ArrayList<>(toCallback);
        pendingCallbacks.addAll(afterTurn);
        toCallback.clear();
        afterTurn.clear();
        try {
            callbacks.execute(() -> {
                pendingCallbacks.forEach(Runnable::run);
                orphans.forEach(future -> future.completeExceptionally(closed));
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            pendingCallbacks.forEach(Runnable::run);
            orphans.forEach(future -> future.completeExceptionally(closed));
        }
    }

    private NodeClosedException closedException() {
        Throwable cause = failure;
        return cause == null ? new NodeClosedException("node " + id + " is closed")
                : new NodeClosedException("node " + id + " stopped after an internal error: " + cause, cause);
    }

    /** The replica, for in-process inspection only (tests); never touch it from another thread while running. */
    Replica replicaForInspection() {
        return driver.replica();
    }
}
