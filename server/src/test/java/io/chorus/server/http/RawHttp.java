package io.chorus.server.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A plain socket that sends HTTP requests byte for byte as written (so a test can send what no HTTP
 * client library would: raw {@code ..}, backslashes, huge headers) and reads one response at a time.
 */
public final class RawHttp implements AutoCloseable {

    /** One response: status code, headers with lower-case names, body as UTF-8. */
    public record Response(int status, String statusLine, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final InputStream in;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    public static RawHttp connect(int port) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        // A bound on a read that never ends, so a broken server fails the test instead of hanging it.
        socket.setSoTimeout(20_000);
        return new RawHttp(socket);
    }

    /** Sends one {@code GET target} with Connection: close and reads the response. */
    public static Response get(int port, String target) throws IOException {
        try (RawHttp http = connect(port)) {
            http.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n");
            return http.read();
        }
    }

    public void send(String raw) throws IOException {
        socket.getOutputStream().write(raw.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    void sendBytes(byte[] raw) throws IOException {
        socket.getOutputStream().write(raw);
        socket.getOutputStream().flush();
    }

    /** Reads one response: head up to the blank line, then Content-Length bytes (or to EOF). */
    public Response read() throws IOException {
        String head = readHead();
        String[] lines = head.split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        String length = headers.get("content-length");
        byte[] body = length != null ? in.readNBytes(Integer.parseInt(length)) : in.readAllBytes();
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        return new Response(status, lines[0], headers, new String(body, StandardCharsets.UTF_8));
    }

    /** The response head as text, through the blank line. */
    String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0d0a0d0a) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head.size() + " bytes: " + head);
            }
            head.write(b);
            last4 = (last4 << 8) | b;
        }
        String text = head.toString(StandardCharsets.UTF_8);
        return text.substring(0, text.length() - 4);
    }

    /** Blocks until the server closes the connection (or sends something): -1 at EOF. */
    int readByte() throws IOException {
        return in.read();
    }

    InputStream input() {
        return in;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
