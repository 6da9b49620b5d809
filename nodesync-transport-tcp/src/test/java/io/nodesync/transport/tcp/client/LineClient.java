package io.nodesync.transport.tcp.client;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/**
 * A plain-socket client of the line dialect, as nc or PowerShell's TcpClient would be: it writes raw bytes and
 * reads reply lines byte by byte, so a test sees exactly what the server sent (a stray {@code \r} included). Every
 * read is bounded by {@link ServedCluster#WAIT}.
 */
final class LineClient implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    LineClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout((int) ServedCluster.WAIT.toMillis());
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream());
    }

    /** Sends one command line (a {@code \n} is added) and returns its reply line. */
    String command(String line) throws IOException {
        send(line + "\n");
        return readLine();
    }

    /** Sends text as it is, UTF-8. */
    void send(String raw) throws IOException {
        send(raw.getBytes(StandardCharsets.UTF_8));
    }

    void send(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
    }

    /** The next reply line, without its {@code \n}. Fails if the server closes first. */
    String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("the server closed the connection; partial line: '" + line + "'");
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    /** Whether the server has closed the connection: true once everything it sent has been read. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException e) {
            return true; // a reset: the server closed while our unread bytes were still in its buffer
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
