package io.nodesync.examples;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * A client session over the line protocol, as {@code nc} or the seed's PowerShell snippet would run it: one
 * connection, one command per line, one reply line each. Usage: {@code LineSessionExample [HOST [PORT]]}
 * (default 127.0.0.1 5000, a node started with {@code ./nodesync node 5000 ...}).
 */
public final class LineSessionExample {

    /** The seed's sequence, then the rest of the commands. */
    static final List<String> SESSION = List.of(
            "PING",
            "CONSISTENCY eventual",
            "SET foo bar",
            "GET foo",
            "CONSISTENCY strong",
            "SET x 1",
            "GET x",
            "CAS x 1 2",
            "CAS x 1 3",
            "GET x",
            "SET greeting hello, world",
            "GET greeting",
            "DEL foo",
            "GET foo",
            "CONSISTENCY",
            "STATUS");

    private LineSessionExample() {
    }

    /** Runs the session against the node at HOST PORT, printing each command and its reply. */
    public static void main(String[] args) throws Exception {
        String host = args.length > 0 ? args[0] : "127.0.0.1";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        try (LineClient client = LineClient.connect(new InetSocketAddress(host, port), Duration.ofSeconds(10))) {
            for (String command : SESSION) {
                System.out.println("> " + command);
                System.out.println("< " + client.call(command));
            }
        }
    }
}
