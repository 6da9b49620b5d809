package io.nodesync.examples;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Election;
import io.nodesync.NodeId;
import io.nodesync.Timing;
import io.nodesync.log.InMemoryLog;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The narrated demo behind {@code ./nodesync demo}: three nodes on 127.0.0.1 over TCP (ports 5000-5002, the seed's,
 * when they are free), each serving peers and clients on its one port, with the seed's "highest port leads"
 * election. The demo is a client: every step is a line-protocol command sent over a socket, printed with the reply.
 * Every claim it prints is checked; it returns a non-zero status if any did not hold.
 */
final class Demo {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final PrintStream out;
    private final List<Integer> ports;
    /** Each node's log outlives its process in the demo, as a disk would. */
    private final Map<Integer, InMemoryLog> logs = new HashMap<>();
    private final Map<Integer, ServedNode> running = new LinkedHashMap<>();
    private int failures;

    private Demo(PrintStream out, List<Integer> ports) {
        this.out = out;
        this.ports = ports;
    }

    /** Runs the demo, printing to {@code out}. Returns the process exit status: 0 when every check held. */
    static int run(PrintStream out) throws Exception {
        Demo demo = new Demo(out, choosePorts());
        try {
            return demo.play();
        } finally {
            demo.running.values().forEach(served -> served.node().close());
        }
    }

    private int play() throws Exception {
        for (int port : ports) {
            logs.put(port, new InMemoryLog());
            start(port);
        }
        int low = ports.get(0);
        int middle = ports.get(1);
        int high = ports.get(2);
        say("Started nodes " + low + ", " + middle + ", " + high + " on 127.0.0.1 over TCP (one port each for peers"
                + " and clients, priority election)");

        // Whoever times out first may lead for a moment; the priority election then hands office to the highest
        // live, caught-up port.
        awaitLeader(high, ports);
        say("leader elected: " + high + " (the highest port)");

        expect(low, "SET colour blue", "OK", "a follower: it forwards the write to the leader");
        for (int port : ports) {
            expect(port, "GET colour", "VALUE blue", "");
        }

        say("Killing the leader " + high);
        kill(high);
        awaitLeader(middle, List.of(low, middle));
        say("a new leader is elected: " + middle + " (the highest port still up)");
        expect(low, "SET colour green", "OK", "writes continue");
        expect(middle, "GET colour", "VALUE green", "");

        expect(low, "CONSISTENCY strong", "OK", "");
        say("Killing " + middle + ": two of three nodes are down");
        kill(middle);
        await(low + " to see both peers DOWN", () -> {
            String peers = status(low).getOrDefault("peers", "");
            return peers.contains(middle + ":DOWN") && peers.contains(high + ":DOWN");
        });
        expect(low, "SET colour red", "FAIL: quorum not reached", "strong needs a majority");

        expect(low, "CONSISTENCY eventual", "OK", "");
        expect(low, "SET colour purple", "OK", "accepted locally, replicated later");
        expect(low, "GET colour", "VALUE purple", "its own view");

        say("Restarting " + middle + " and " + high);
        start(middle);
        start(high);
        await("every node to converge on purple and eventual mode", () -> {
            for (int port : ports) {
                Map<String, String> status = status(port);
                if (!"0".equals(status.get("pending")) || !"eventual".equals(status.get("consistency"))
                        || !"VALUE purple".equals(quietCall(port, "GET colour"))) {
                    return false;
                }
            }
            return true;
        });
        for (int port : ports) {
            expect(port, "GET colour", "VALUE purple", "");
            expect(port, "CONSISTENCY", "CONSISTENCY eventual", "");
        }
        say("every node converged on purple and on eventual mode");
        awaitLeader(high, ports);
        say(high + " is back in charge: the highest live, caught-up port leads (by leadership transfer)");
        say(failures == 0 ? "Demo finished: every check held." : "Demo finished with " + failures
                + " failed check(s).");
        return failures == 0 ? 0 : 1;
    }

    private void start(int port) throws IOException {
        Map<NodeId, InetSocketAddress> peers = new LinkedHashMap<>();
        for (int peer : ports) {
            if (peer != port) {
                peers.put(NodeId.of(peer), new InetSocketAddress(InetAddress.getLoopbackAddress(), peer));
            }
        }
        NodeProcess.Options options = new NodeProcess.Options(NodeId.of(port), port, InetAddress.getLoopbackAddress(),
                peers, Election.priority(), "priority", ConsistencyPolicy.STRONG, Timing.DEFAULT);
        running.put(port, ServedNode.start(options, logs.get(port)));
    }

    private void kill(int port) {
        running.remove(port).node().close();
    }

    /** Sends a command as a client would and checks the reply. */
    private void expect(int port, String command, String reply, String comment) {
        String actual;
        try {
            actual = LineClient.callOnce(address(port), command, CALL_TIMEOUT);
        } catch (IOException e) {
            actual = "(no reply: " + e.getMessage() + ")";
        }
        String line = String.format("%-22s -> %d: %s", command, port, actual)
                + (comment.isEmpty() ? "" : "   (" + comment + ")");
        check(line, actual.equals(reply), "expected " + reply);
    }

    private void awaitLeader(int leader, List<Integer> asking) {
        await(leader + " to lead", () -> asking.stream().allMatch(port ->
                String.valueOf(leader).equals(status(port).get("leader")))
                && "leader".equals(status(leader).get("role")));
    }

    private void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                check("waiting for " + what, false, "not within " + WAIT.toSeconds() + " s");
                return;
            }
            try {
                Thread.sleep(20); // polling a remote condition: there is nothing to wait on but the network
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static Map<String, String> status(int port) {
        return LineClient.statusFields(quietCall(port, "STATUS"));
    }

    private static String quietCall(int port, String command) {
        try {
            return LineClient.callOnce(address(port), command, CALL_TIMEOUT);
        } catch (IOException e) {
            return null; // down or not up yet
        }
    }

    private static InetSocketAddress address(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** The seed's ports when all three are free, else three the OS picks (ids are ports either way). */
    private static List<Integer> choosePorts() throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            try {
                for (int port = 5000; port <= 5002; port++) {
                    sockets.add(new ServerSocket(port, 1, InetAddress.getLoopbackAddress()));
                }
            } catch (IOException busy) {
                for (ServerSocket socket : sockets) {
                    socket.close();
                }
                sockets.clear();
                for (int i = 0; i < 3; i++) {
                    sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
                }
            }
            return sockets.stream().map(ServerSocket::getLocalPort).sorted().toList();
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    private void check(String claim, boolean held, String otherwise) {
        if (held) {
            say(claim);
        } else {
            failures++;
            say("CHECK FAILED: " + claim + (otherwise.isEmpty() ? "" : " (" + otherwise + ")"));
        }
    }

    private void say(String line) {
        out.println(LocalTime.now().format(TIME) + " [DEMO     ] " + line);
    }
}
