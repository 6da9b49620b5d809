package io.nodesync.runtime;

import io.nodesync.NodeId;
import io.nodesync.Transport;
import io.nodesync.protocol.Message;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A transport whose {@code send} blocks until released: it freezes the node loop in the middle of a turn, which lets a
 * test fill the inbox or leave requests in flight deterministically.
 */
final class BlockingTransport implements Transport {
    final CountDownLatch sendEntered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void start(NodeId self, Inbound inbound) {
    }

    @Override
    public void send(NodeId to, Message message) {
        sendEntered.countDown();
        try {
            // Bounded, so a broken test cannot hang the build; close() interrupts it sooner.
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void release() {
        release.countDown();
    }

    @Override
    public void close() {
        release();
    }
}
