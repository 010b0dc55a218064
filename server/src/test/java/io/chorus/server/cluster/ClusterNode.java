package io.chorus.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.http.RawHttp;
import io.chorus.testing.RunningProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Chorus cluster node as users run it: the packaged {@code chorus-server.jar} as its own process with
 * {@code --cluster}, {@code --node-id} and a short {@code --cluster-ttl}, chat and HTTP on loopback ports
 * picked at the first start and kept across restarts, echo and UDP off.
 *
 * <p>{@link #stop()} is SIGTERM (a clean drain, exit status 0), {@link #kill()} is SIGKILL (a crash: the node
 * leaves its nicks and presence in Redis until they expire), {@link #start()} starts it again with the same
 * ports and node id. Each run's output is kept under {@code target/cluster-logs/} for a failed test, and
 * is checked for Netty's {@code LEAK:} when the run ends.
 */
public final class ClusterNode implements AutoCloseable {

    /** {@code --cluster-ttl} for every node in these tests: nicks and presence outlive a dead node by this. */
    public static final int TTL_SECONDS = 3;
    /** The API key each node accepts, publishing as {@link #API_SENDER}. */
    public static final String API_KEY = "cluster-test-key";
    public static final String API_SENDER = "bot";

    private static final Duration STARTUP = Duration.ofSeconds(30);
    /** A bound for a hang after SIGTERM, not a speed check: the drain has {@code --shutdown-grace 5}. */
    private static final Duration EXIT = Duration.ofSeconds(60);
    private static final Path LOGS = Path.of("target", "cluster-logs");

    private final String nodeId;
    private final RedisProcess redis;
    private final List<String> extraArgs;
    private int chatPort;
    private int httpPort;
    private int runs;
    private RunningProcess process;

    private ClusterNode(String nodeId, RedisProcess redis, List<String> extraArgs) {
        this.nodeId = nodeId;
        this.redis = redis;
        this.extraArgs = extraArgs;
    }

    /** Starts a node linked to {@code redis} and waits for its listeners and its Redis link. */
    public static ClusterNode start(String nodeId, RedisProcess redis, String... extraArgs) throws Exception {
        ClusterNode node = new ClusterNode(nodeId, redis, List.of(extraArgs));
        node.start();
        return node;
    }

    /**
     * Starts the node (again), on the ports of its first run, and waits until it says it is linked to Redis
     * and its {@code chorus_cluster_link_up} gauge is 1.
     */
    public void start() throws Exception {
        startListening();
        awaitLinkedLine();
        // The log line alone comes up to a second before the node forwards anything (ClusterNodeKillIT
        // checks that promise on its own); a test that sets up a cluster waits for the gauge as well.
        await().atMost(STARTUP).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(metric("chorus_cluster_link_up")).as("chorus_cluster_link_up on %s", nodeId).isEqualTo(1.0));
    }

    /** Starts the node (again) and returns once its chat and HTTP listeners are bound, linked or not. */
    public void startListening() throws Exception {
        if (process != null && process.process().isAlive()) {
            throw new IllegalStateException("node " + nodeId + " is already running");
        }
        List<String> args = new ArrayList<>(List.of(
                "--host", "127.0.0.1",
                "--chat-port", Integer.toString(chatPort),
                "--http-port", Integer.toString(httpPort),
                "--echo-port", "off", "--udp-port", "off",
                "--api-key", API_KEY + "=" + API_SENDER,
                // The tests pipeline commands; the default rate limit would only slow them down.
                "--rate-limit", "0",
                "--shutdown-grace", "5",
                "--cluster", redis.uri(),
                "--node-id", nodeId,
                "--cluster-ttl", Integer.toString(TTL_SECONDS)));
        args.addAll(extraArgs);
        runs++;
        process = RunningProcess.start(RunningProcess.javaJar(RunningProcess.jar("server", "chorus-server.jar"),
                args.toArray(String[]::new)), Map.of());
        chatPort = port("chat tcp");
        httpPort = port("http");
    }

    /** Waits for the log line {@code cluster: node ID linked to URI} of the current run. */
    public void awaitLinkedLine() throws InterruptedException {
        awaitLog("cluster: node " + Pattern.quote(nodeId) + " linked to " + Pattern.quote(redis.uri()));
    }

    private int port(String listener) throws InterruptedException {
        Matcher m = awaitLog("listening: " + listener + " 127\\.0\\.0\\.1:(\\d+)");
        return Integer.parseInt(m.group(1));
    }

    /** Waits for a log line (stdout) of the current run matching {@code regex}. */
    public Matcher awaitLog(String regex) throws InterruptedException {
        return process.awaitStdout(regex, STARTUP);
    }

    /** True while the node's process runs. */
    public boolean running() {
        return process != null && process.process().isAlive();
    }

    public String nodeId() {
        return nodeId;
    }

    public int chatPort() {
        return chatPort;
    }

    public int httpPort() {
        return httpPort;
    }

    /** The current run's log (stdout), for failure messages. */
    public List<String> log() {
        return process.stdout();
    }

    /** SIGTERM, as {@code docker stop}: waits for the drain and checks the node exited 0 without leaks. */
    public void stop() throws Exception {
        if (process == null || !process.process().isAlive()) {
            return;
        }
        process.terminate();
        int exit = process.awaitExit(EXIT);
        finishRun();
        assertThat(exit).as("exit status of node %s after SIGTERM; log in %s", nodeId, LOGS).isZero();
    }

    /** SIGKILL: the node dies at once, telling neither its users nor Redis. */
    public void kill() throws Exception {
        process.process().destroyForcibly();
        process.awaitExit(EXIT);
        finishRun();
    }

    /** Keeps the run's output under target/cluster-logs and fails on a LEAK: in it. */
    private void finishRun() throws IOException {
        List<String> out = process.stdout();
        List<String> err = process.stderr();
        Files.createDirectories(LOGS);
        List<String> all = new ArrayList<>(out);
        all.add("---- stderr ----");
        all.addAll(err);
        Files.write(LOGS.resolve(nodeId + "-run" + runs + ".log"), all, StandardCharsets.UTF_8);
        process.close();
        assertThat(all).as("node %s output", nodeId).noneMatch(l -> l.contains("LEAK:"));
    }

    /** {@code GET /health}. */
    public RawHttp.Response health() throws IOException {
        return RawHttp.get(httpPort, "/health");
    }

    /** {@code GET target} on the HTTP port. */
    public RawHttp.Response get(String target) throws IOException {
        return RawHttp.get(httpPort, target);
    }

    /** {@code POST /api/rooms/ROOM/messages} with the test key and {@code text} as a plain-text body. */
    public RawHttp.Response publish(String room, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        try (RawHttp http = RawHttp.connect(httpPort)) {
            http.send("POST /api/rooms/" + room + "/messages HTTP/1.1\r\nHost: 127.0.0.1:" + httpPort
                    + "\r\nAuthorization: Bearer " + API_KEY + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                    + body.length + "\r\nConnection: close\r\n\r\n" + text);
            return http.read();
        }
    }

    /** One sample of {@code /metrics} (the first line that starts with {@code name}, label sets included), or NaN. */
    public double metric(String name) throws IOException {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
