package io.chorus.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A blocking line-oriented TCP client for tests: what {@code nc} does, with timeouts, over a real socket.
 */
public final class LineClient implements AutoCloseable {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buffer = new byte[8192];
    private int start;
    private int end;

    private LineClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        socket.setSoTimeout((int) DEFAULT_TIMEOUT.toMillis());
    }

    public static LineClient connect(int port) throws IOException {
        return connect("127.0.0.1", port);
    }

    public static LineClient connect(String host, int port) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), (int) DEFAULT_TIMEOUT.toMillis());
        return new LineClient(socket);
    }

    public Socket socket() {
        return socket;
    }

    /** Sends the text followed by LF. */
    public LineClient send(String line) throws IOException {
        return sendRaw(line + "\n");
    }

    public LineClient sendRaw(String text) throws IOException {
        return sendRaw(text.getBytes(StandardCharsets.UTF_8));
    }

    public LineClient sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    public LineClient timeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        return this;
    }

    /** The next line without its LF (and without a CR before it), or null at end of stream. */
    public String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            if (start == end) {
                int n = in.read(buffer);
                if (n < 0) {
                    return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
                }
                start = 0;
                end = n;
            }
            for (int i = start; i < end; i++) {
                if (buffer[i] == '\n') {
                    line.write(buffer, start, i - start);
                    start = i + 1;
                    byte[] bytes = line.toByteArray();
                    int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return new String(bytes, 0, length, StandardCharsets.UTF_8);
                }
            }
            line.write(buffer, start, end - start);
            start = end;
        }
    }

    /** Reads lines until one contains {@code fragment}, and returns it; fails on timeout or EOF. */
    public String readUntil(String fragment) throws IOException {
        while (true) {
            String line = readLine();
            if (line == null) {
                throw new IOException("connection closed before a line containing '" + fragment + "'");
            }
            if (line.contains(fragment)) {
                return line;
            }
        }
    }

    /** True when no line arrives within {@code wait}; the socket timeout is restored afterwards. */
    public boolean isSilentFor(Duration wait) throws IOException {
        int previous = socket.getSoTimeout();
        socket.setSoTimeout((int) wait.toMillis());
        try {
            String line = readLine();
            throw new AssertionError("expected silence, got: " + line);
        } catch (SocketTimeoutException e) {
            return true;
        } finally {
            socket.setSoTimeout(previous);
        }
    }

    /** True once the server has closed the connection (EOF), reading and dropping any lines before it. */
    public boolean awaitClosed() throws IOException {
        try {
            while (readLine() != null) {
                // drain
            }
            return true;
        } catch (IOException e) {
            // a reset also means closed
            return !(e instanceof SocketTimeoutException);
        }
    }

    /** Closes at once with a TCP reset (SO_LINGER 0), as a crashed client would. */
    public void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
