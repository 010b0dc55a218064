package io.chorus.server.cluster;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code redis-server} on a free loopback port for the cluster unit tests, with a Lettuce
 * connection of its own to look inside. It can be stopped and started again on the same port (without
 * its data, as a Redis that lost it) to cut and restore the nodes' link. Missing {@code redis-server}
 * skips the test with a note, or fails it when {@code CI=true}.
 */
final class TestRedis implements AutoCloseable {

    private static final String BINARY = "redis-server";

    private final Path dir;
    private final int port;
    private Process process;
    private ClientResources resources;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    private TestRedis(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Starts a Redis with no persistence on a free port; skips (or fails under CI) without redis-server. */
    static TestRedis start() throws IOException {
        String binary = find();
        TestRedis redis = new TestRedis(Files.createTempDirectory("chorus-test-redis"), freePort());
        redis.launch(binary);
        return redis;
    }

    private static String find() {
        for (String candidate : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
            if (new File(candidate).canExecute()) {
                return candidate;
            }
        }
        String message = BINARY + " is not installed (apt-get install -y redis-server); cluster backplane test skipped";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(message);
        }
        Assumptions.abort(message);
        return null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void launch(String binary) throws IOException {
        process = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile())
                .start();
        await("redis-server on port " + port).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new AssertionError("redis-server exited: " + Files.readString(dir.resolve("redis.log")));
                    }
                    return pong();
                });
    }

    /** True when Redis answers a PING on a fresh socket. */
    private boolean pong() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[7];
            int read = in.readNBytes(reply, 0, reply.length);
            return read == 7 && new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException notYet) {
            return false;
        }
    }

    /** The URI the nodes are given ({@code --cluster}). */
    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    /** A command connection of the test's own, to look inside Redis; reconnects after a restart. */
    synchronized RedisCommands<String, String> cli() {
        if (connection == null) {
            resources = DefaultClientResources.builder().ioThreadPoolSize(1).computationThreadPoolSize(1).build();
            client = RedisClient.create(resources, RedisURI.create(uri()));
            connection = client.connect(StringCodec.UTF8);
        }
        return connection.sync();
    }

    /** Kills the server (SIGKILL: no goodbye to the clients) and waits for it to exit. */
    void stop() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            throw new AssertionError("redis-server did not exit");
        }
    }

    /** Starts a new, empty server on the same port. */
    void restart() throws IOException {
        launch(find());
    }

    @Override
    public synchronized void close() throws IOException, InterruptedException {
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
        if (process != null && process.isAlive()) {
            stop();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
