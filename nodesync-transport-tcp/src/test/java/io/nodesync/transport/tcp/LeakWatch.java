package io.nodesync.transport.tcp;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Netty's leak detector at its {@code PARANOID} level (every buffer tracked, every access recorded), with its reports
 * collected so that a test fails on them instead of only logging them. It reports a buffer that was garbage-collected
 * unreleased, which takes a collection: a backstop to {@link EmbeddedConnection}'s exact per-input check, catching
 * buffers allocated elsewhere. Start it before a test class and stop it after.
 */
public final class LeakWatch {

    private static final List<String> REPORTS = new CopyOnWriteArrayList<>();
    private static ResourceLeakDetector.Level previousLevel;

    private LeakWatch() {
    }

    public static void start() {
        previousLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ByteBufUtil.setLeakListener((resourceType, records) -> REPORTS.add(resourceType + " leaked:" + records));
    }

    /** Collects garbage, lets the detector look at what was collected, and fails if it found a leak. */
    public static void assertNoLeakReported() {
        System.gc();
        // The detector checks for collected, unreleased buffers when the next buffer is allocated.
        for (int i = 0; i < 8; i++) {
            UnpooledByteBufAllocator.DEFAULT.directBuffer(1).release();
        }
        if (!REPORTS.isEmpty()) {
            String first = REPORTS.get(0);
            int count = REPORTS.size();
            REPORTS.clear();
            throw new AssertionError(count + " buffer leak(s) reported by Netty; the first: " + first);
        }
    }

    public static void stop() {
        ByteBufUtil.setLeakListener(null);
        if (previousLevel != null) {
            ResourceLeakDetector.setLevel(previousLevel);
        }
    }
}
