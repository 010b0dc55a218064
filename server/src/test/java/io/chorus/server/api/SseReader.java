package io.chorus.server.api;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An SSE client on a plain socket, as a browser's EventSource is: sends one GET (with
 * {@code Last-Event-ID} when resuming), checks the head, de-chunks the body and parses it into events
 * with their {@code id} and {@code data}; comment lines are kept apart. A test can also leave it unread
 * (a slow reader) or close it (a dropped connection).
 */
public final class SseReader implements AutoCloseable {

    /** One event; {@code id} is null when the event carried none. */
    public record SseEvent(String id, String data) {
    }

    private final Socket socket;
    private final InputStream in;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final List<String> comments = new ArrayList<>();
    private final StringBuilder pending = new StringBuilder();
    private final int status;

    private SseReader(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        String statusLine = line();
        this.status = Integer.parseInt(statusLine.split(" ")[1]);
        String header;
        while (!(header = line()).isEmpty()) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).toLowerCase(Locale.ROOT), header.substring(colon + 1).strip());
        }
    }

    /** Opens {@code target} on the HTTP port, with {@code lastEventId} unless null; receive buffer as given (0 = default). */
    static SseReader open(int port, String target, String lastEventId, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            // Set before connecting so the window the server sees is small: a slow reader for real.
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        socket.setSoTimeout(20_000);
        String request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAccept: text/event-stream\r\n"
                + (lastEventId == null ? "" : "Last-Event-ID: " + lastEventId + "\r\n") + "\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        return new SseReader(socket);
    }

    public static SseReader open(int port, String target) throws IOException {
        return open(port, target, null, 0);
    }

    /** Sends raw bytes on the feed's connection, as a confused or hostile client might. */
    void sendRaw(String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    public int status() {
        return status;
    }

    String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    List<String> comments() {
        return comments;
    }

    /** The next event (comments are collected, not returned); fails on timeout or end of stream. */
    public SseEvent next() throws IOException {
        String id = null;
        StringBuilder data = null;
        while (true) {
            String line = bodyLine();
            if (line.isEmpty()) {
                if (data != null) {
                    return new SseEvent(id, data.toString());
                }
                continue;
            }
            if (line.startsWith(":")) {
                continue; // a comment: bodyLine() recorded it
            }
            if (line.startsWith("id: ")) {
                id = line.substring(4);
            } else if (line.startsWith("data: ")) {
                data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n').append(line.substring(6));
            }
        }
    }

    /** The next {@code n} events. */
    List<SseEvent> next(int n) throws IOException {
        List<SseEvent> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(next());
        }
        return events;
    }

    /** Reads the next comment line (such as {@code : ping}), skipping events. */
    public String nextComment() throws IOException {
        int seen = comments.size();
        while (comments.size() == seen) {
            bodyLine();
        }
        return comments.get(comments.size() - 1);
    }

    /** True once the server has closed the stream, reading and dropping whatever came before. */
    boolean awaitClosed() throws IOException {
        try {
            while (true) {
                bodyLine();
            }
        } catch (EOFException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            // A reset after a cut-off is a close too.
            return true;
        }
    }

    /** One line of the de-chunked body, without its LF. */
    private String bodyLine() throws IOException {
        while (true) {
            int lf = pending.indexOf("\n");
            if (lf >= 0) {
                String line = pending.substring(0, lf);
                pending.delete(0, lf + 1);
                if (line.startsWith(":")) {
                    comments.add(line);
                }
                return line;
            }
            readChunk();
        }
    }

    private void readChunk() throws IOException {
        String sizeLine = line();
        int size = Integer.parseInt(sizeLine.split(";")[0].strip(), 16);
        if (size == 0) {
            throw new EOFException("last chunk");
        }
        byte[] chunk = in.readNBytes(size);
        if (chunk.length < size) {
            throw new EOFException("stream ended inside a chunk");
        }
        pending.append(new String(chunk, StandardCharsets.UTF_8));
        line();
    }

    /** One CRLF-terminated line of the HTTP framing. */
    private String line() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new EOFException("connection closed");
            }
            if (b != '\r') {
                out.write(b);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
