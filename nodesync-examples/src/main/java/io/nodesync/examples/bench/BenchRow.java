package io.nodesync.examples.bench;

import java.util.Arrays;

/**
 * One measured row of {@code ./nodesync bench}: an operation in a consistency mode through one API, with its
 * latencies and throughput.
 *
 * @param api how the clients reach the cluster: {@code embedded} (the {@code Store} API of one node), {@code tcp}
 *     (the line protocol over persistent connections) or {@code seed} (a new connection per request, as the seed did)
 * @param mode the consistency mode: {@code eventual} or {@code strong}, with a storage suffix for durable rows
 *     (for example {@code strong/fsync=always})
 * @param operation {@code put} or {@code get}
 * @param clients concurrent clients, each sending one request at a time
 * @param latencyNanos every measured request's latency in nanoseconds, sorted ascending
 * @param opsPerSecond completed requests per second over the measured interval
 * @param errors requests that failed during the measured interval (not in {@code latencyNanos})
 */
public record BenchRow(String api, String mode, String operation, int clients, long[] latencyNanos,
        double opsPerSecond, long errors) {

    /** Sorts a copy of the latencies, so callers may pass them in any order. */
    public BenchRow {
        latencyNanos = latencyNanos.clone();
        Arrays.sort(latencyNanos);
    }

    /** The latency at percentile {@code p} (0-100) in nanoseconds, by the nearest-rank method; 0 when empty. */
    public long percentileNanos(double p) {
        if (latencyNanos.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * latencyNanos.length);
        return latencyNanos[Math.max(0, Math.min(latencyNanos.length - 1, rank - 1))];
    }

    /** The mean latency in nanoseconds; 0 when empty. */
    public double meanNanos() {
        return Arrays.stream(latencyNanos).average().orElse(0);
    }

    /** The largest latency in nanoseconds; 0 when empty. */
    public long maxNanos() {
        return latencyNanos.length == 0 ? 0 : latencyNanos[latencyNanos.length - 1];
    }

    /** A short label such as {@code embedded strong put x64}. */
    public String label() {
        return api + " " + mode + " " + operation + " x" + clients;
    }
}
