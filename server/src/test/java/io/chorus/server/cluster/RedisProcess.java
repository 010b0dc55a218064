package io.chorus.server.cluster;

import io.chorus.testing.Peers;
import io.chorus.testing.RunningProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real Debian {@code redis-server} on a free loopback port for the cluster tests: it can be stopped and
 * started again on the same port (a Redis outage), optionally with an append-only file so a restart keeps
 * its data, and answers {@code redis-cli} commands for assertions about what the nodes keep in it.
 *
 * <p>Without {@code redis-server} or {@code redis-cli} the test is skipped with a note, and fails under
 * {@code CI=true} ({@link Peers#require}).
 */
public final class RedisProcess implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(20);

    private final int port;
    /** The append-only file's directory, or null for a Redis that forgets everything when it stops. */
    private final Path dataDir;
    private RunningProcess process;

    private RedisProcess(int port, Path dataDir) {
        this.port = port;
        this.dataDir = dataDir;
    }

    /** Starts a Redis that keeps nothing on disk ({@code --save "" --appendonly no}). */
    public static RedisProcess startEphemeral() throws Exception {
        return launch(null);
    }

    /** Starts a Redis with {@code --appendonly yes} in a fresh directory, so a stop and start keep its data. */
    public static RedisProcess startPersistent() throws Exception {
        return launch(Files.createTempDirectory("chorus-redis-"));
    }

    private static RedisProcess launch(Path dataDir) throws Exception {
        Peers.require("redis-server", "redis-server");
        Peers.require("redis-cli", "redis-tools");
        // A port picked now may be taken by someone else before Redis binds it; try a few.
        AssertionError last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            RedisProcess redis = new RedisProcess(freePort(), dataDir);
            try {
                redis.start();
                return redis;
            } catch (AssertionError e) {
                redis.process.close();
                last = e;
            }
        }
        throw last;
    }

    /** A TCP port that was free on 127.0.0.1 a moment ago. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    /** The URI the nodes get as {@code --cluster}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts (or starts again) the server on this port and waits until it answers {@code PING}. */
    public void start() throws Exception {
        if (process != null && process.process().isAlive()) {
            throw new IllegalStateException("redis on port " + port + " is already running");
        }
        List<String> command = new ArrayList<>(List.of("redis-server", "--bind", "127.0.0.1", "--port",
                Integer.toString(port), "--save", ""));
        if (dataDir == null) {
            command.addAll(List.of("--appendonly", "no"));
        } else {
            command.addAll(List.of("--appendonly", "yes", "--dir", dataDir.toString()));
        }
        process = RunningProcess.start(command, Map.of());
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (true) {
            if (!process.process().isAlive()) {
                throw new AssertionError("redis-server on port " + port + " exited: " + process.stdout() + " " + process.stderr());
            }
            if (ping()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("redis-server on port " + port + " did not answer PING within " + STARTUP
                        + ": " + process.stdout());
            }
            Thread.sleep(50);
        }
    }

    /** True when the server answers {@code PING} now. */
    public boolean ping() {
        try {
            return cli("PING").equals(List.of("PONG"));
        } catch (AssertionError e) {
            return false;
        }
    }

    /**
     * Stops the server as an outage would, with {@code SHUTDOWN NOSAVE} (the append-only file, when on,
     * is still flushed), and waits until the process is gone, so the port is free for {@link #start()}.
     */
    public void stop() throws Exception {
        if (process == null || !process.process().isAlive()) {
            return;
        }
        try {
            cli("SHUTDOWN", "NOSAVE");
        } catch (AssertionError ignored) {
            // redis-cli reports the dropped connection as an error; the wait below is what counts.
        }
        if (!process.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.process().destroyForcibly().waitFor();
        }
    }

    /** Runs {@code redis-cli -p PORT --raw ARGS...} and returns its output lines; fails on a non-zero exit. */
    public List<String> cli(String... args) {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port), "--raw"));
        command.addAll(List.of(args));
        try (RunningProcess cli = RunningProcess.start(command, Map.of())) {
            int exit = cli.awaitExit(Duration.ofSeconds(20));
            List<String> out = cli.stdout();
            // redis-cli exits 0 even when the server answers an error; --raw prints it as "ERR ...".
            if (exit != 0 || (!out.isEmpty() && out.get(0).startsWith("ERR"))) {
                throw new AssertionError("redis-cli " + String.join(" ", args) + " exited " + exit + ": " + out + " " + cli.stderr());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The sharded channels that match {@code pattern} ({@code PUBSUB SHARDCHANNELS}). */
    public List<String> shardChannels(String pattern) {
        return cli("PUBSUB", "SHARDCHANNELS", pattern);
    }

    /** How many connections are subscribed to one sharded channel ({@code PUBSUB SHARDNUMSUB}). */
    public long shardSubscribers(String channel) {
        List<String> out = cli("PUBSUB", "SHARDNUMSUB", channel);
        // --raw prints the channel name, then its count.
        return Long.parseLong(out.get(1));
    }

    /** Redis's own log lines so far, for failure messages. */
    public List<String> log() {
        return process == null ? List.of() : process.stdout();
    }

    @Override
    public void close() throws Exception {
        if (process != null) {
            stop();
            process.close();
        }
        if (dataDir != null) {
            try (var files = Files.walk(dataDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
