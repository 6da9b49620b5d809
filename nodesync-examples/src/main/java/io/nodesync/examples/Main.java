package io.nodesync.examples;

import java.util.Arrays;

/** The {@code ./nodesync} launcher's entry point: dispatches to a command. */
public final class Main {

    private Main() {
    }

    /**
     * Runs a command.
     *
     * @param args the command and its arguments
     */
    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "--help" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        switch (command) {
            case "node" -> {
                // The node's own events go to the console in the seed's style (NodeProcess prints them); the log
                // keeps warnings and errors of the libraries, without the per-node logger name.
                System.setProperty("org.slf4j.simpleLogger.showShortLogName", "false");
                System.setProperty("org.slf4j.simpleLogger.log.io.nodesync.node", "error");
                System.exit(NodeProcess.run(rest, System.out, System.err));
            }
            case "demo" -> System.exit(Demo.run(System.out));
            case "simulate" -> System.exit(Simulate.run(rest, System.out, System.err));
            case "bench" -> {
                // Warnings only, and on stderr, so that they do not break up the tables.
                System.setProperty("org.slf4j.simpleLogger.log.io.nodesync", "warn");
                System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
                System.exit(io.nodesync.examples.bench.Benchmark.run(rest, System.out, System.err));
            }
            case "bench-durability" -> {
                // Warnings only, and on stderr, so that they do not break up the tables.
                System.setProperty("org.slf4j.simpleLogger.log.io.nodesync", "warn");
                System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
                System.exit(DurabilityBenchmark.run(rest, System.out, System.err));
            }
            case "embedded-example" -> EmbeddedClusterExample.main(rest);
            case "tcp-example" -> TcpClusterExample.main(rest);
            case "client-example" -> LineSessionExample.main(rest);
            case "--help", "-h", "help" -> usage(0);
            default -> {
                System.err.println("unknown command '" + command + "'");
                usage(2);
            }
        }
    }

    private static void usage(int status) {
        String text = """
                Usage: ./nodesync COMMAND [ARGS]

                Commands:
                  node PORT PEER...  one cluster node as its own process: peers and clients (line protocol,
                                     redis-cli) on PORT; the highest port leads (--help for options)
                  demo               a 3-node cluster in this process, narrated: election, writes through a
                                     follower, the leader killed, strong writes refused without a majority while
                                     eventual writes go on, the nodes back and converging; exits 0 when all held
                  simulate           seeded, deterministic simulations of a cluster under faults, with every
                                     safety check and the linearizability checker (--help for options)
                  bench              latency and throughput of eventual and strong puts and gets, embedded and
                                     over TCP, against loopback round trips; table, CSV and HTML report
                                     (--seed-compatible: the seed's benchmark; --help for options)
                  bench-durability   what durable storage costs here: strong write throughput and latency per
                                     log and fsync policy over loopback TCP, raw fsync, recovery of a large
                                     log, the snapshot stall (--help for options)
                  embedded-example   the README's embedding example (in-process cluster)
                  tcp-example        three nodes embedded in this JVM, talking over loopback TCP
                  client-example [HOST [PORT]]
                                     a line-protocol client session against a running node (default
                                     127.0.0.1 5000)
                  --help             this text
                """;
        (status == 0 ? System.out : System.err).print(text);
        if (status != 0) {
            System.exit(status);
        }
    }
}
