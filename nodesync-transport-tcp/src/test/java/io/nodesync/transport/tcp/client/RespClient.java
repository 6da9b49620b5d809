package io.nodesync.transport.tcp.client;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal RESP2 client over a plain socket, for tests that must control the exact bytes sent (malformed input,
 * tool chatter) and see every reply's type. Replies decode to: a simple string as {@code String}, an error as
 * {@link Error}, an integer as {@code Long}, a bulk string as {@code String} ({@code null} for the null bulk
 * string), an array as {@code List<Object>}. Every read is bounded by {@link ServedCluster#WAIT}.
 */
final class RespClient implements AutoCloseable {

    /** An error reply, its first word (the code) included. */
    record Error(String message) {
    }

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    RespClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout((int) ServedCluster.WAIT.toMillis());
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream());
    }

    /** Sends a command as an array of bulk strings and returns the decoded reply. */
    Object command(String... arguments) throws IOException {
        send(encode(arguments));
        return readReply();
    }

    /** A command as RESP puts it on the wire. */
    static String encode(String... arguments) {
        StringBuilder wire = new StringBuilder().append('*').append(arguments.length).append("\r\n");
        for (String argument : arguments) {
            wire.append('$').append(argument.getBytes(StandardCharsets.UTF_8).length).append("\r\n")
                    .append(argument).append("\r\n");
        }
        return wire.toString();
    }

    void send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads and decodes one reply. */
    Object readReply() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new IOException("the server closed the connection");
        }
        String line = readLine();
        switch (type) {
            case '+':
                return line;
            case '-':
                return new Error(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(length);
                if (bytes.length != length || in.read() != '\r' || in.read() != '\n') {
                    throw new IOException("a bulk string of " + length + " bytes was cut short or not ended by CRLF");
                }
                return new String(bytes, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> elements = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    elements.add(readReply());
                }
                return elements;
            }
            default:
                throw new IOException("not a RESP reply type: '" + (char) type + "' followed by '" + line + "'");
        }
    }

    /** A line ended by CRLF, without it; a bare LF is a protocol violation by the server. */
    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); ; b = in.read()) {
            if (b < 0) {
                throw new IOException("the server closed the connection mid-reply");
            }
            if (b == '\r') {
                if (in.read() != '\n') {
                    throw new IOException("CR not followed by LF in a reply line");
                }
                return line.toString(StandardCharsets.UTF_8);
            }
            if (b == '\n') {
                throw new IOException("bare LF in a reply line: '" + line + "'");
            }
            line.write(b);
        }
    }

    /** Whether the server has closed the connection: true once everything it sent has been read. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
