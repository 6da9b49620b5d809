package io.nodesync.examples;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Election;
import io.nodesync.Node;
import io.nodesync.NodeId;
import io.nodesync.NodeListener;
import io.nodesync.NodeStatus;
import io.nodesync.Timing;
import io.nodesync.consensus.RaftCore;
import io.nodesync.log.FsyncPolicy;
import io.nodesync.log.LogCorruptedException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./nodesync node PORT PEER... [options]}: one cluster node as its own process, serving peers and clients
 * (line dialect and RESP2) on one port, until Ctrl-C or SIGTERM closes it cleanly. Its data lives in memory, or with
 * {@code --data-dir} in files that a node restarted on the same directory (also after {@code kill -9}) recovers.
 */
final class NodeProcess {

    static final String USAGE = """
            Usage: ./nodesync node PORT PEER... [options]

              PORT               the port this node listens on, for peers and clients alike
              PEER               another member as HOST:PORT (its id is its port) or ID=HOST:PORT

            Options:
              --id ID            this node's id (default: PORT); ids are compared as numbers when numeric
              --bind ADDRESS     the local address to listen on and connect from (default 127.0.0.1)
              --election NAME    priority (default: the highest id leads, as in the original) or raft
              --consistency MODE strong (default) or eventual: the cluster mode until a client changes it
              --tick-ms N        the length of one tick (default 10)
              --heartbeat-ticks N, --election-ticks N, --failure-ticks N, --request-timeout-ms N
                                 timings in ticks (defaults 5, 30, 30) and the strong request timeout (5000)
              --data-dir DIR     keep the log, term, vote, snapshots and accepted eventual writes in DIR (created
                                 if missing; its parent must exist), so that a restarted node comes back with its
                                 data; without it the node keeps everything in memory and comes back empty
              --fsync POLICY     with --data-dir, when writes are forced to the disk: always (default: before
                                 anything that depends on them is acknowledged or sent), batch (within 10 ms) or
                                 never (left to the operating system); a kill -9 loses nothing under any of them,
                                 a power cut can lose acknowledged writes under batch and never
              --snapshot-threshold BYTES
                                 snapshot the map and drop the log it covers once the log holds this many bytes
                                 of entries (default 67108864, 64 MiB)
              --help             this text

            A node on a new, empty --data-dir cannot tell a new cluster from a lost disk, so it votes only once
            every peer has answered it (and has caught up, if they hold data): start every node of a new cluster.

            Example, three nodes on one machine (the highest port, 5002, becomes the leader):
              ./nodesync node 5000 127.0.0.1:5001 127.0.0.1:5002
              ./nodesync node 5001 127.0.0.1:5000 127.0.0.1:5002
              ./nodesync node 5002 127.0.0.1:5000 127.0.0.1:5001
            Then talk to any of them: printf 'SET foo bar\\nGET foo\\n' | nc 127.0.0.1 5000, or redis-cli -p 5000.
            """;

    /**
     * What the command line asked for.
     *
     * @param dataDirectory where the node keeps its data, absolute; {@code null} to keep it in memory
     * @param fsync when the data directory's writes are forced to the disk (unused without one)
     * @param snapshotThresholdBytes the log size past which the node snapshots and compacts
     */
    record Options(NodeId id, int port, InetAddress bind, Map<NodeId, InetSocketAddress> peers, Election election,
            String electionName, ConsistencyPolicy consistency, Timing timing, Path dataDirectory, FsyncPolicy fsync,
            long snapshotThresholdBytes) {

        /** A node that keeps its data in memory, snapshotting at the default threshold. */
        Options(NodeId id, int port, InetAddress bind, Map<NodeId, InetSocketAddress> peers, Election election,
                String electionName, ConsistencyPolicy consistency, Timing timing) {
            this(id, port, bind, peers, election, electionName, consistency, timing, null, FsyncPolicy.ALWAYS,
                    RaftCore.Options.DEFAULT_SNAPSHOT_THRESHOLD_BYTES);
        }
    }

    private NodeProcess() {
    }

    /** Runs a node until the process is told to stop; returns the exit status for bad arguments. */
    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("nodesync node: " + e.getMessage());
            err.println("Run ./nodesync node --help for the usage.");
            return 2;
        }
        if (options == null) {
            out.print(USAGE);
            return 0;
        }
        Console console = new Console(out);
        ServedNode served;
        try {
            served = ServedNode.start(options, console);
        } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException
                | LogCorruptedException e) {
            // A port in use or a data directory that cannot be used (missing parent, locked, another node's,
            // damaged): the message names the cause, and a stack trace would only bury it.
            err.println("nodesync node: " + String.valueOf(e.getMessage()).replaceAll("[\\r\\n]+", " "));
            return 1;
        }
        Node node = served.node();
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            console.say("[NodeSync  ] Node " + options.id() + " shutting down");
            node.close();
            closed.countDown();
        }, "nodesync-shutdown"));
        console.say("[NodeSync  ] Node " + options.id() + " running on "
                + served.address().getAddress().getHostAddress() + ":" + served.address().getPort() + " ("
                + options.electionName() + " election, " + options.consistency().name().toLowerCase(Locale.ROOT)
                + " consistency)");
        console.say("[NodeSync  ] Peers: " + describePeers(options.peers()));
        console.say("[NodeSync  ] " + describeData(options, served.recovered()));
        closed.await(); // the shutdown hook ends the process
        return 0;
    }

    /** The node's events on the console, in the seed's style: {@code HH:MM:SS [TAG      ] message}. */
    private static final class Console implements NodeListener {
        private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
        private final PrintStream out;

        Console(PrintStream out) {
            this.out = out;
        }

        synchronized void say(String line) {
            out.println(LocalTime.now().format(TIME) + " " + line);
        }

        @Override
        public void onLeaderChange(NodeId leader, long term) {
            if (leader != null) {
                say("[ELECTION ] New leader elected: " + leader);
            }
        }

        @Override
        public void onPeerDown(NodeId peer) {
            say("[FAILURE  ] Peer " + peer + " is DOWN");
        }

        @Override
        public void onPeerUp(NodeId peer) {
            say("[RECOVERED] Peer " + peer + " is back UP");
        }
    }

    private static String describePeers(Map<NodeId, InetSocketAddress> peers) {
        List<String> described = new ArrayList<>();
        peers.forEach((id, address) -> {
            String hostPort = address.getHostString() + ":" + address.getPort();
            described.add(id.value().equals(String.valueOf(address.getPort())) ? hostPort : id + "=" + hostPort);
        });
        return described.toString();
    }

    /** Where the data lives and, for a data directory, what the node found there when it started. */
    static String describeData(Options options, NodeStatus recovered) {
        if (options.dataDirectory() == null) {
            return "Data in memory only (no --data-dir): a restarted node comes back empty";
        }
        String where = "Data in " + options.dataDirectory() + " (fsync "
                + options.fsync().name().toLowerCase(Locale.ROOT) + "): ";
        if (recovered.term() == 0 && recovered.lastLogIndex() == 0) {
            return where + "empty, so this node votes only once every peer has answered it";
        }
        return where + "recovered term " + recovered.term() + " and the log up to index " + recovered.lastLogIndex();
    }

    /** Parses the command line; {@code null} when help was asked for. */
    static Options parse(String[] args) {
        List<String> positional = new ArrayList<>();
        String id = null;
        String bind = "127.0.0.1";
        String election = "priority";
        String consistency = "strong";
        Timing timing = Timing.DEFAULT;
        Integer requestTimeoutMillis = null;
        String dataDir = null;
        String fsync = null;
        long snapshotThreshold = RaftCore.Options.DEFAULT_SNAPSHOT_THRESHOLD_BYTES;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                return null;
            }
            if (!arg.startsWith("--")) {
                positional.add(arg);
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(arg + " needs a value");
            }
            String value = args[++i];
            switch (arg) {
                case "--id" -> id = value;
                case "--bind" -> bind = value;
                case "--election" -> election = value.toLowerCase(Locale.ROOT);
                case "--consistency" -> consistency = value.toLowerCase(Locale.ROOT);
                case "--tick-ms" -> timing = timing.withTick(Duration.ofMillis(positive(arg, value)));
                case "--heartbeat-ticks" -> timing = timing.withHeartbeatTicks(positive(arg, value));
                case "--election-ticks" -> timing = timing.withElectionTimeoutTicks(positive(arg, value));
                case "--failure-ticks" -> timing = timing.withFailureTimeoutTicks(positive(arg, value));
                case "--request-timeout-ms" -> requestTimeoutMillis = positive(arg, value);
                case "--data-dir" -> dataDir = value;
                case "--fsync" -> fsync = value.toLowerCase(Locale.ROOT);
                case "--snapshot-threshold" -> snapshotThreshold = positiveBytes(arg, value);
                default -> throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        if (requestTimeoutMillis != null) {
            timing = timing.withRequestTimeout(Duration.ofMillis(requestTimeoutMillis));
        }
        if (positional.isEmpty()) {
            throw new IllegalArgumentException("missing PORT");
        }
        int port = port(positional.get(0));
        NodeId self = NodeId.of(id != null ? id : String.valueOf(port));
        InetAddress bindAddress = address(bind);
        Map<NodeId, InetSocketAddress> peers = new LinkedHashMap<>();
        for (String peer : positional.subList(1, positional.size())) {
            String hostPort = peer;
            String peerId = null;
            int equals = peer.indexOf('=');
            if (equals >= 0) {
                peerId = peer.substring(0, equals);
                hostPort = peer.substring(equals + 1);
            }
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0 || colon == hostPort.length() - 1) {
                throw new IllegalArgumentException("peer '" + peer + "' is not HOST:PORT or ID=HOST:PORT");
            }
            int peerPort = port(hostPort.substring(colon + 1));
            // Resolved here, once: a host name must not be looked up later on an I/O thread.
            InetSocketAddress address = new InetSocketAddress(address(hostPort.substring(0, colon)), peerPort);
            NodeId peerNodeId = NodeId.of(peerId != null ? peerId : String.valueOf(peerPort));
            if (peerNodeId.equals(self)) {
                throw new IllegalArgumentException("peer '" + peer + "' has this node's own id " + self
                        + "; give peers on the same port distinct ids with ID=HOST:PORT");
            }
            if (peers.put(peerNodeId, address) != null) {
                throw new IllegalArgumentException("two peers have the id " + peerNodeId
                        + "; give them distinct ids with ID=HOST:PORT");
            }
        }
        Election chosen = switch (election) {
            case "priority" -> Election.priority();
            case "raft" -> Election.raft();
            default -> throw new IllegalArgumentException("unknown election '" + election + "' (priority or raft)");
        };
        ConsistencyPolicy policy = switch (consistency) {
            case "strong" -> ConsistencyPolicy.STRONG;
            case "eventual" -> ConsistencyPolicy.EVENTUAL;
            default -> throw new IllegalArgumentException("unknown consistency '" + consistency
                    + "' (strong or eventual)");
        };
        Path dataDirectory = dataDir == null ? null : dataDirectory(dataDir);
        FsyncPolicy fsyncPolicy = switch (fsync == null ? "always" : fsync) {
            case "always" -> FsyncPolicy.ALWAYS;
            case "batch" -> FsyncPolicy.BATCH;
            case "never" -> FsyncPolicy.NEVER;
            default -> throw new IllegalArgumentException("unknown fsync policy '" + fsync
                    + "' (always, batch or never)");
        };
        if (fsync != null && dataDirectory == null) {
            // Accepting it would suggest a durability the node does not have.
            throw new IllegalArgumentException("--fsync needs --data-dir: without it the node keeps its data in memory");
        }
        return new Options(self, port, bindAddress, peers, chosen, election, policy, timing, dataDirectory,
                fsyncPolicy, snapshotThreshold);
    }

    /** The directory as an absolute path, so that the startup line says exactly where the data lives. */
    private static Path dataDirectory(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("--data-dir needs a directory, not an empty name");
        }
        try {
            return Path.of(text).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("--data-dir '" + text + "' is not a usable path: " + e.getReason());
        }
    }

    private static long positiveBytes(String option, String text) {
        try {
            long value = Long.parseLong(text);
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " needs a positive whole number of bytes, not '" + text + "'");
    }

    private static int port(String text) {
        int port;
        try {
            port = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a port number");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is outside 1-65535");
        }
        return port;
    }

    private static int positive(String option, String text) {
        try {
            int value = Integer.parseInt(text);
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " needs a positive whole number, not '" + text + "'");
    }

    private static InetAddress address(String host) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host '" + host + "'");
        }
    }
}
