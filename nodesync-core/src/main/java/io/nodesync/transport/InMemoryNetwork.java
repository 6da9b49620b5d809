package io.nodesync.transport;

import com.google.common.collect.ImmutableSet;
import io.nodesync.NodeId;
import io.nodesync.Transport;
import io.nodesync.protocol.Message;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A network inside one JVM: hands each node a {@link Transport} that delivers messages by reference to the other
 * nodes' inboxes, and lets a test inject faults while the cluster runs.
 *
 * <p>Faults: a drop rate, a duplicate rate, a random delay (which also reorders), and blocked links: a partition
 * into groups, an isolated node, or a single one-way link (an asymmetric partition). {@link #heal()} restores a
 * perfect network. Fault settings are swapped atomically, so they apply from the next message on.
 *
 * <p>Thread-safe: fault settings change under this object's lock, and senders read them without it. Delayed messages use one scheduler thread, started on first need and stopped by {@link #close()}.
 * Without delay, {@code send} delivers on the sender's thread straight into the receiver's inbox (which never
 * blocks). Randomness here is not seeded: for reproducible runs use the deterministic simulator.
 */
public final class InMemoryNetwork implements AutoCloseable {

    private record Link(NodeId from, NodeId to) {
    }

    /** An immutable set of fault settings. */
    private record Faults(double dropRate, double duplicateRate, long minDelayNanos, long maxDelayNanos,
            Set<Link> blocked) {
        static final Faults NONE = new Faults(0, 0, 0, 0, Set.of());
    }

    private final ConcurrentHashMap<NodeId, Endpoint> endpoints = new ConcurrentHashMap<>();
    private volatile Faults faults = Faults.NONE;
    private ScheduledThreadPoolExecutor delayer;
    private volatile boolean closed;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    private final class Endpoint implements Transport {
        private final NodeId self;
        private volatile Transport.Inbound inbound;
        private volatile boolean open = true;

        Endpoint(NodeId self) {
            this.self = self;
        }

        @Override
        public void start(NodeId id, Transport.Inbound handler) {
            if (!id.equals(self)) {
                throw new IllegalArgumentException("transport made for " + self + " started as " + id);
            }
            this.inbound = Objects.requireNonNull(handler, "handler");
            Endpoint previous = endpoints.put(self, this);
            if (previous != null && previous != this) {
                previous.open = false; // a restarted node replaces its earlier incarnation
            }
        }

        @Override
        public void send(NodeId to, Message message) {
            if (!open || closed) {
                return;
            }
            Faults current = faults;
            if (current.blocked().contains(new Link(self, to)) || chance(current.dropRate())) {
                dropped.incrementAndGet();
                return;
            }
            int copies = chance(current.duplicateRate()) ? 2 : 1;
            for (int i = 0; i < copies; i++) {
                if (current.maxDelayNanos() > 0) {
                    long delay = current.minDelayNanos() + ThreadLocalRandom.current()
                            .nextLong(current.maxDelayNanos() - current.minDelayNanos() + 1);
                    schedule(() -> deliver(self, to, message), delay);
                } else {
                    deliver(self, to, message);
                }
            }
        }

        @Override
        public void close() {
            open = false;
            endpoints.remove(self, this);
        }
    }

    private static boolean chance(double rate) {
        return rate > 0 && ThreadLocalRandom.current().nextDouble() < rate;
    }

    private void deliver(NodeId from, NodeId to, Message message) {
        Endpoint target = endpoints.get(to);
        // Links are re-checked on delivery so that a partition also cuts messages already in flight.
        if (target == null || !target.open || closed || faults.blocked().contains(new Link(from, to))) {
            dropped.incrementAndGet();
            return;
        }
        Transport.Inbound handler = target.inbound;
        if (handler != null) {
            delivered.incrementAndGet();
            handler.receive(from, message);
        }
    }

    private synchronized void schedule(Runnable delivery, long delayNanos) {
        if (closed) {
            return;
        }
        if (delayer == null) {
            delayer = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread thread = new Thread(runnable, "nodesync-network-delay");
                thread.setDaemon(true);
                return thread;
            });
            delayer.setRemoveOnCancelPolicy(true);
        }
        try {
            delayer.schedule(delivery, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            dropped.incrementAndGet(); // closing
        }
    }

    /** A transport for node {@code id}. A node restarted with the same id gets a fresh one. */
    public Transport transport(NodeId id) {
        return new Endpoint(Objects.requireNonNull(id, "id"));
    }

    /** Drops each message with this probability, from 0 (none) to 1 (all). */
    public synchronized void setDropRate(double rate) {
        checkRate(rate);
        Faults f = faults;
        faults = new Faults(rate, f.duplicateRate(), f.minDelayNanos(), f.maxDelayNanos(), f.blocked());
    }

    /** Delivers each message twice with this probability. */
    public synchronized void setDuplicateRate(double rate) {
        checkRate(rate);
        Faults f = faults;
        faults = new Faults(f.dropRate(), rate, f.minDelayNanos(), f.maxDelayNanos(), f.blocked());
    }

    /** Delays each message by a uniform random time in {@code [min, max]}; messages may overtake each other. */
    public synchronized void setDelay(Duration min, Duration max) {
        if (min.isNegative() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("need 0 <= min <= max, got " + min + ", " + max);
        }
        Faults f = faults;
        faults = new Faults(f.dropRate(), f.duplicateRate(), min.toNanos(), max.toNanos(), f.blocked());
    }

    /**
     * Splits the network: nodes in different groups cannot reach each other; a node in no group reaches nobody.
     * Replaces any earlier blocked links.
     */
    @SafeVarargs
    public final synchronized void partition(Collection<NodeId>... groups) {
        Set<NodeId> all = new HashSet<>(endpoints.keySet());
        for (Collection<NodeId> group : groups) {
            all.addAll(group);
        }
        Set<Link> blocked = new HashSet<>();
        for (NodeId from : all) {
            for (NodeId to : all) {
                if (!from.equals(to) && !sameGroup(groups, from, to)) {
                    blocked.add(new Link(from, to));
                }
            }
        }
        setBlocked(blocked);
    }

    private static boolean sameGroup(Collection<NodeId>[] groups, NodeId a, NodeId b) {
        for (Collection<NodeId> group : groups) {
            if (group.contains(a) && group.contains(b)) {
                return true;
            }
        }
        return false;
    }

    /** Cuts {@code node} off from every other node, both ways (in addition to links already blocked). */
    public synchronized void isolate(NodeId node) {
        Set<Link> blocked = new HashSet<>(faults.blocked());
        for (NodeId other : endpoints.keySet()) {
            if (!other.equals(node)) {
                blocked.add(new Link(node, other));
                blocked.add(new Link(other, node));
            }
        }
        setBlocked(blocked);
    }

    /** Blocks messages from {@code from} to {@code to} only (the other direction keeps working). */
    public synchronized void blockLink(NodeId from, NodeId to) {
        Set<Link> blocked = new HashSet<>(faults.blocked());
        blocked.add(new Link(from, to));
        setBlocked(blocked);
    }

    private synchronized void setBlocked(Set<Link> blocked) {
        Faults f = faults;
        faults = new Faults(f.dropRate(), f.duplicateRate(), f.minDelayNanos(), f.maxDelayNanos(),
                ImmutableSet.copyOf(blocked));
    }

    /** Restores a perfect network: no blocked links, drops, duplicates or delays. */
    public synchronized void heal() {
        faults = Faults.NONE;
    }

    /** Messages delivered so far. */
    public long deliveredCount() {
        return delivered.get();
    }

    /** Messages dropped so far (by faults, or because the target was down). */
    public long droppedCount() {
        return dropped.get();
    }

    private static void checkRate(double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("rate must be in [0, 1], was " + rate);
        }
    }

    /** Stops delivering and stops the delay thread, waiting briefly for it to end. */
    @Override
    public void close() {
        ScheduledThreadPoolExecutor toStop;
        synchronized (this) {
            closed = true;
            toStop = delayer;
            delayer = null;
        }
        endpoints.clear();
        if (toStop != null) {
            toStop.shutdownNow();
            try {
                toStop.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
