package io.chorus.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.testing.LineClient;
import io.chorus.testing.RunningProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** bin/chorus-server as the README runs it: arguments, the JVM defaults it applies, and the user's overrides. */
@Timeout(60)
class LauncherScriptIT {

    private static final Path JAR = RunningProcess.jar("server", "chorus-server.jar");
    private static final Path ROOT = JAR.getParent().getParent().getParent();
    private static final Path LAUNCHER = ROOT.resolve("bin").resolve("chorus-server");
    private static final Duration STARTUP = Duration.ofSeconds(20);
    private static final String[] ECHO_ONLY = {"--host", "127.0.0.1", "--echo-port", "0", "--udp-port", "off", "--http-port", "off",
            "--chat-port", "off"};

    /** Starts the launcher with a clean JVM environment plus {@code env}; the JAVA_* variables of the build are dropped. */
    private static RunningProcess launch(Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(LAUNCHER.toString());
        command.addAll(Arrays.asList(args));
        Map<String, String> all = new HashMap<>(env);
        // The JVM that runs the test must not pass its own options on; the launcher finds java via JAVA_HOME.
        all.putIfAbsent("JAVA_HOME", Path.of(System.getProperty("java.home")).toString());
        all.putIfAbsent("JAVA_TOOL_OPTIONS", "");
        all.putIfAbsent("JDK_JAVA_OPTIONS", "");
        return RunningProcess.start(command, all);
    }

    private static String launcherDefaults() throws IOException {
        Matcher m = Pattern.compile("(?m)^defaults='([^']*)'$").matcher(Files.readString(LAUNCHER));
        assertThat(m.find()).as("a defaults='...' line in %s", LAUNCHER).isTrue();
        return m.group(1);
    }

    private static String collector(String options) {
        Matcher m = Pattern.compile("-XX:\\+Use(\\w+)GC").matcher(options);
        assertThat(m.find()).as("a collector in %s", options).isTrue();
        return m.group(1);
    }

    @Test
    void servesEchoWithTheDefaultsAndExitsZeroOnSigterm() throws Exception {
        String defaults = launcherDefaults();
        // -Xlog:gc names the collector in use at start-up, which shows the defaults reached the JVM.
        try (RunningProcess server = launch(Map.of("JAVA_OPTS", "-Dio.netty.leakDetection.level=paranoid -Xlog:gc"),
                ECHO_ONLY)) {
            server.awaitStdout("Using " + collector(defaults), STARTUP);
            Matcher port = server.awaitStdout("listening: echo tcp 127\\.0\\.0\\.1:(\\d+)", STARTUP);
            try (LineClient client = LineClient.connect(Integer.parseInt(port.group(1)))) {
                client.send("via the launcher");
                assertThat(client.readLine()).isEqualTo("via the launcher");
            }
            assertThat(String.join("\n", server.stderr())).contains("Picked up JAVA_TOOL_OPTIONS: " + defaults);
            // The script execs java, so the signal reaches the JVM and its drain.
            server.terminate();
            assertThat(server.awaitExit(Duration.ofSeconds(10))).isZero();
            assertThat(server.stdout()).anyMatch(l -> l.contains("stopped")).noneMatch(l -> l.contains("LEAK:"));
        }
    }

    @Test
    void aCollectorChosenByTheUserReplacesTheDefaults() throws Exception {
        String other = collector(launcherDefaults()).equals("G1") ? "Serial" : "G1";
        try (RunningProcess server = launch(Map.of("JAVA_TOOL_OPTIONS", "-XX:+Use" + other + "GC -Xlog:gc"), ECHO_ONLY)) {
            server.awaitStdout("Using " + other, STARTUP);
            server.awaitStdout("listening: echo tcp", STARTUP);
            // The defaults are tuned for their own collector, so none of them is applied.
            assertThat(server.stderr()).contains("Picked up JAVA_TOOL_OPTIONS: -XX:+Use" + other + "GC -Xlog:gc");
            server.terminate();
            assertThat(server.awaitExit(Duration.ofSeconds(10))).isZero();
        }
    }

    @Test
    void passesArgumentsThroughAndJavaOptsWin() throws Exception {
        // JAVA_OPTS comes after the defaults (which set MaxHeapFreeRatio too), so it wins; --version goes to the server.
        assertThat(launcherDefaults()).contains("-XX:MaxHeapFreeRatio=");
        try (RunningProcess version = launch(Map.of("JAVA_OPTS", "-XX:MaxHeapFreeRatio=55 -XX:+PrintFlagsFinal"), "--version")) {
            assertThat(version.awaitExit(STARTUP)).isZero();
            assertThat(version.stdout()).anyMatch(l -> l.startsWith("Chorus "))
                    .anyMatch(l -> l.matches("\\s*uintx MaxHeapFreeRatio\\s+= 55\\s.*"));
        }
    }

    @Test
    void aMissingJarFailsWithTheBuildCommand() throws Exception {
        try (RunningProcess missing = launch(Map.of("CHORUS_JAR", ROOT.resolve("no-such.jar").toString()), "--help")) {
            assertThat(missing.awaitExit(STARTUP)).isEqualTo(1);
            assertThat(String.join("\n", missing.stderr())).contains("no-such.jar not found", "mvn -B -q package -DskipTests");
        }
    }

    @Test
    void theDockerImageAppliesTheSameDefaults() throws Exception {
        Matcher env = Pattern.compile("JAVA_TOOL_OPTIONS=\"([^\"]*)\"")
                .matcher(Files.readString(ROOT.resolve("docker").resolve("Dockerfile")));
        assertThat(env.find()).as("JAVA_TOOL_OPTIONS in docker/Dockerfile").isTrue();
        assertThat(Arrays.asList(env.group(1).split("\\s+")))
                .containsAll(Arrays.asList(launcherDefaults().trim().split("\\s+")));
    }
}
