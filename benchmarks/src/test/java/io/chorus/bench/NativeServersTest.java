package io.chorus.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds the C reference servers of {@code benchmarks/native} with {@code cc} and talks to them over
 * real sockets: the echo server answers bytes without a newline, and the broadcast server sends what
 * one connection writes to every other connection and not back to the sender. Skipped with a note
 * when there is no C compiler, except under CI, where it fails.
 */
class NativeServersTest {

    private static final Path NATIVE = Path.of("native");

    @TempDir
    Path dir;

    private final List<Process> servers = new ArrayList<>();

    @AfterEach
    void stopServers() throws InterruptedException {
        for (Process server : servers) {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    @Timeout(30)
    void echoServerSendsBytesBackWithoutWaitingForANewline() throws Exception {
        int port = start("echo_epoll");
        try (Socket client = connect(port)) {
            client.getOutputStream().write("Hello, server!".getBytes(StandardCharsets.US_ASCII));
            assertThat(readExactly(client.getInputStream(), 14)).isEqualTo("Hello, server!");
        }
    }

    @Test
    @Timeout(30)
    void broadcastServerSendsToEveryOtherConnection() throws Exception {
        int port = start("broadcast_epoll");
        try (Socket a = connect(port); Socket b = connect(port); Socket sender = connect(port)) {
            // The server accepts in connect order and reads the sender only once it has accepted it, so a
            // and b are known by then.
            sender.getOutputStream().write("one\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readExactly(a.getInputStream(), 4)).isEqualTo("one\n");
            assertThat(readExactly(b.getInputStream(), 4)).isEqualTo("one\n");
            b.getOutputStream().write("two\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readExactly(a.getInputStream(), 4)).isEqualTo("two\n");
            assertThat(readExactly(sender.getInputStream(), 4)).isEqualTo("two\n");
            // Nothing came back to the one who sent it: the server wrote to all others in the same pass.
            assertThat(b.getInputStream().available()).isZero();
        }
    }

    /** Compiles {@code name}.c and starts it on a free loopback port; returns the port once it accepts. */
    private int start(String name) throws Exception {
        boolean hasCc = new ProcessBuilder("sh", "-c", "command -v cc").start().waitFor() == 0;
        if (!hasCc) {
            assertThat(System.getenv("CI")).as("cc is required under CI (apt-get install gcc)").isNotEqualTo("true");
            abort("no C compiler (cc): the C reference servers are not checked");
        }
        Path binary = dir.resolve(name);
        Process cc = new ProcessBuilder("cc", "-O2", "-o", binary.toString(), NATIVE.resolve(name + ".c").toString())
                .redirectErrorStream(true).start();
        String output = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(cc.waitFor()).as(output).isZero();
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Process server = new ProcessBuilder(binary.toString(), String.valueOf(port), "127.0.0.1")
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        servers.add(server);
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> accepts(port));
        return port;
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static String readExactly(InputStream in, int n) throws IOException {
        byte[] bytes = new byte[n];
        int read = 0;
        while (read < n) {
            int r = in.read(bytes, read, n - read);
            if (r < 0) {
                break;
            }
            read += r;
        }
        return new String(bytes, 0, read, StandardCharsets.US_ASCII);
    }
}
