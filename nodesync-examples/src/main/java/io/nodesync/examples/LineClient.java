package io.nodesync.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A minimal blocking client of a node's line dialect (see CLIENT-PROTOCOL.md): one command line out, one reply line
 * back, on one connection. What {@code nc} or PowerShell's {@code TcpClient} do by hand. Not thread-safe.
 */
public final class LineClient implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final BufferedReader in;

    private LineClient(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    /**
     * Connects to a node.
     *
     * @param timeout bounds the connect and every later wait for a reply
     * @throws IOException if the node cannot be reached in time
     */
    public static LineClient connect(InetSocketAddress node, Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(node, (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            socket.setTcpNoDelay(true);
            return new LineClient(socket);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Sends one command line and returns the node's reply line.
     *
     * @throws SocketTimeoutException if no reply came within the timeout
     * @throws IOException if the connection broke or the node closed it
     */
    public String call(String command) throws IOException {
        out.write((command + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        String reply = in.readLine();
        if (reply == null) {
            throw new IOException("the node closed the connection after: " + command);
        }
        return reply;
    }

    /** Connects, sends one command, returns the reply and closes: for one-off calls. */
    public static String callOnce(InetSocketAddress node, String command, Duration timeout) throws IOException {
        try (LineClient client = connect(node, timeout)) {
            return client.call(command);
        }
    }

    /**
     * The fields of a {@code STATUS} reply ({@code id=5000 role=follower ...}) by name; empty for a {@code null} line.
     */
    public static Map<String, String> statusFields(String statusLine) {
        Map<String, String> fields = new HashMap<>();
        if (statusLine != null) {
            for (String pair : statusLine.split(" ")) {
                int equals = pair.indexOf('=');
                if (equals > 0) {
                    fields.put(pair.substring(0, equals), pair.substring(equals + 1));
                }
            }
        }
        return fields;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
