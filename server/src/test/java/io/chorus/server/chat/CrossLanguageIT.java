package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.chorus.protocol.event.Event;
import io.chorus.protocol.event.JsonEventDecoder;
import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LineClient;
import io.chorus.testing.Peers;
import io.chorus.testing.RunningProcess;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Python ({@code clients/python}) and Node.js ({@code clients/node}) example clients chat through
 * the server with each other and with a Java raw-socket client, and each checks what the others sent.
 *
 * <p>Unicode text goes to the scripts through stdin rather than argv, so it arrives intact whatever
 * the locale of the machine running the build.
 */
@Timeout(120)
class CrossLanguageIT {

    /** Generous: the scripts start cold on a machine that may be busy building. */
    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final String ROOM = "xlang";

    private static final String PY_SAYS = "héllo 👋 from python";
    private static final String JS_SAYS = "héllo 👋 from node";
    private static final String JAVA_SAYS = "héllo 👋 from java";

    private ChorusServer server;
    private int port;

    @BeforeEach
    void startServer() throws InterruptedException {
        server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().build());
        port = server.port(ChorusServer.Kind.CHAT_TCP);
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void pythonNodeAndJavaChatInOneRoomAndPrivately() throws Exception {
        Peers.require("python3", "python3");
        Peers.require("node", "nodejs");
        try (LineClient java = LineClient.connect(port)) {
            java.timeout(WAIT);
            List<String> javaSaw = new ArrayList<>();
            java.send("/nick java");
            awaitLines(java, javaSaw, l -> l.endsWith(" is now known as java"));
            java.send("/join " + ROOM);
            awaitLines(java, javaSaw, "*** java joined #xlang");

            try (RunningProcess py = python("--nick", "py", "--room", ROOM, "--wait-for", "js", "--wait-for", "java",
                         "--expect", "4");
                 RunningProcess js = node("--nick", "js", "--room", "#XLang", "--wait-for", "py", "--wait-for", "java",
                         "--expect", "4")) {
                py.type(PY_SAYS + "\n/msg js psst js, py here ✓\n/msg java psst java, py here\n").closeStdin();
                js.type(JS_SAYS + "\n/msg py psst py, js here ✓\n/msg java psst java, js here\n").closeStdin();

                // Both scripts are in the room before they say anything: they wait for each other.
                awaitLines(java, javaSaw, "*** py joined #xlang", "*** js joined #xlang");
                java.send(JAVA_SAYS);
                java.send("/msg py psst py, java here");
                java.send("/msg js psst js, java here");

                awaitLines(java, javaSaw,
                        "#xlang <py> " + PY_SAYS,
                        "#xlang <js> " + JS_SAYS,
                        "*py* psst java, py here",
                        "*js* psst java, js here");

                assertExitsCleanly("python", py);
                assertExitsCleanly("node", js);
                // Private messages and room messages take different paths, so only their presence is fixed.
                assertThat(py.stdout()).contains(
                        "#xlang <js> " + JS_SAYS,
                        "*js* psst py, js here ✓",
                        "#xlang <java> " + JAVA_SAYS,
                        "*java* psst py, java here");
                assertThat(js.stdout()).contains(
                        "#xlang <py> " + PY_SAYS,
                        "*py* psst js, py here ✓",
                        "#xlang <java> " + JAVA_SAYS,
                        "*java* psst js, java here");
                // Nobody gets their own room message back, nor anyone else's private message.
                assertThat(py.stdout()).noneMatch(l -> l.contains("<py>") || l.contains("psst js") || l.contains("psst java"));
                assertThat(js.stdout()).noneMatch(l -> l.contains("<js>") || l.contains("psst py") || l.contains("psst java"));

                // The scripts end with /quit, which the others see as a quit with no reason.
                awaitLines(java, javaSaw, "*** py quit #xlang", "*** js quit #xlang");
                assertThat(javaSaw).filteredOn(l -> l.startsWith("#xlang <"))
                        .containsExactlyInAnyOrder("#xlang <py> " + PY_SAYS, "#xlang <js> " + JS_SAYS);
                assertThat(javaSaw).filteredOn(l -> l.startsWith("*") && !l.startsWith("***"))
                        .containsExactlyInAnyOrder("*py* psst java, py here", "*js* psst java, js here");
            }
        }
    }

    @Test
    void jsonEventsCarryTheSameFieldsAndOneIncreasingIdSequencePerRoom() throws Exception {
        Peers.require("python3", "python3");
        Peers.require("node", "nodejs");
        try (LineClient java = LineClient.connect(port)) {
            java.timeout(WAIT);
            List<Event> javaSaw = new ArrayList<>();
            java.send("/format json");
            java.send("/nick java");
            java.send("/echo on");
            java.send("/join " + ROOM);
            awaitEvent(java, javaSaw, e -> e instanceof Event.Join j && j.nick().equals("java") && j.room().equals(ROOM));

            try (RunningProcess py = python("--json", "--nick", "py", "--room", ROOM, "--wait-for", "js",
                         "--wait-for", "java", "--expect", "3");
                 RunningProcess js = node("--json", "--nick", "js", "--room", ROOM, "--wait-for", "py",
                         "--wait-for", "java", "--expect", "4")) {
                py.type(PY_SAYS + "\n/me waves from python\n/msg js ünïcödé ✓ from py\n").closeStdin();
                js.type(JS_SAYS + "\n/msg py ünïcödé ✓ from js\n").closeStdin();

                awaitEvent(java, javaSaw, e -> e instanceof Event.Join j && j.nick().equals("py"));
                awaitEvent(java, javaSaw, e -> e instanceof Event.Join j && j.nick().equals("js"));
                java.send(JAVA_SAYS);
                // Echo is on, so the Java client learns the id of its own message too.
                awaitEvent(java, javaSaw, e -> roomText(e, "java", JAVA_SAYS));
                awaitEvent(java, javaSaw, e -> roomText(e, "py", PY_SAYS));
                awaitEvent(java, javaSaw, e -> e instanceof Event.Action a
                        && a.room().equals(ROOM) && a.from().equals("py") && a.text().equals("waves from python"));
                awaitEvent(java, javaSaw, e -> roomText(e, "js", JS_SAYS));

                assertExitsCleanly("python", py);
                assertExitsCleanly("node", js);
                List<Event> pySaw = decodeAll(py.stdout());
                List<Event> jsSaw = decodeAll(js.stdout());

                assertThat(pySaw)
                        .anyMatch(e -> roomText(e, "js", JS_SAYS))
                        .anyMatch(e -> roomText(e, "java", JAVA_SAYS))
                        .anyMatch(e -> privateText(e, "js", "py", "ünïcödé ✓ from js"));
                assertThat(jsSaw)
                        .anyMatch(e -> roomText(e, "py", PY_SAYS))
                        .anyMatch(e -> e instanceof Event.Action a && a.from().equals("py") && a.text().equals("waves from python"))
                        .anyMatch(e -> roomText(e, "java", JAVA_SAYS))
                        .anyMatch(e -> privateText(e, "py", "js", "ünïcödé ✓ from py"));
                assertThat(javaSaw).noneMatch(e -> e instanceof Event.Private);

                // Four room messages in a fresh room: four consecutive ids from the room's (time-based) first
                // id, and each client sees them in increasing order.
                List<Long> ids = roomIds(javaSaw);
                assertThat(ids).hasSize(4);
                long first = ids.get(0);
                assertThat(ids).containsExactly(first, first + 1, first + 2, first + 3);
                assertThat(roomIds(pySaw)).isSorted().doesNotHaveDuplicates().hasSize(2);
                assertThat(roomIds(jsSaw)).isSorted().doesNotHaveDuplicates().hasSize(3);
            }
        }
    }

    @Test
    void scriptsPipeStdinUntilTheServerClosesAndReportFailuresByExitCode() throws Exception {
        Peers.require("python3", "python3");
        Peers.require("node", "nodejs");
        for (boolean isPython : new boolean[] {true, false}) {
            String name = isPython ? "python" : "node";
            // Without --expect: stdin is sent, then a half-close; the server answers it all and closes.
            try (RunningProcess client = isPython ? python() : node()) {
                client.type("/ping tok-" + name + "\n/join #Pipes\n/who\n").closeStdin();
                assertExitsCleanly(name, client);
                assertThat(client.stdout().get(0)).as(name)
                        .matches("\\*\\*\\* Welcome to Chorus, guest-\\d+! You are in #lobby\\. .*");
                assertThat(client.stdout()).as(name)
                        .contains("*** pong tok-" + name)
                        .anyMatch(l -> l.matches("\\*\\*\\* #pipes: guest-\\d+ \\(1 member\\)"));
            }
            try (RunningProcess taken = isPython ? python("--nick", "bad!nick") : node("--nick", "bad!nick")) {
                taken.closeStdin();
                assertThat(taken.awaitExit(WAIT)).as(name).isEqualTo(1);
                assertThat(taken.stderr()).as(name).anyMatch(l -> l.contains("invalid-nick"));
            }
        }
        int closedPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            closedPort = free.getLocalPort();
        }
        try (RunningProcess py = RunningProcess.start("python3", script(PYTHON), "--port", Integer.toString(closedPort));
             RunningProcess js = RunningProcess.start("node", script(NODE), "--port", Integer.toString(closedPort))) {
            assertThat(py.awaitExit(WAIT)).isEqualTo(1);
            assertThat(js.awaitExit(WAIT)).isEqualTo(1);
            assertThat(py.stderr()).anyMatch(l -> l.startsWith("cannot connect to 127.0.0.1:" + closedPort));
            assertThat(js.stderr()).anyMatch(l -> l.startsWith("cannot connect to 127.0.0.1:" + closedPort));
        }
    }

    // -- the scripts ------------------------------------------------------------------------------

    private static final String PYTHON = "python/chorus_chat.py";
    private static final String NODE = "node/chorus-chat.js";

    /** A script under clients/; see {@link RunningProcess#clientScript}. */
    private static String script(String relative) {
        return RunningProcess.clientScript(relative).toString();
    }

    private RunningProcess python(String... args) throws IOException {
        return start("python3", PYTHON, args);
    }

    private RunningProcess node(String... args) throws IOException {
        return start("node", NODE, args);
    }

    private RunningProcess start(String program, String script, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(program, script(script),
                "--port", Integer.toString(port), "--timeout", Long.toString(WAIT.toSeconds())));
        command.addAll(List.of(args));
        return RunningProcess.start(command, java.util.Map.of());
    }

    private static void assertExitsCleanly(String name, RunningProcess process) throws InterruptedException {
        int code = process.awaitExit(WAIT);
        assertThat(code).as("%s exit code; stdout=%s stderr=%s", name, process.stdout(), process.stderr()).isZero();
    }

    // -- reading the Java client ----------------------------------------------------------------

    /** Reads text lines into {@code seen} until all of {@code expected} are among them. */
    private static void awaitLines(LineClient client, List<String> seen, String... expected) throws IOException {
        List<String> wanted = List.of(expected);
        while (!seen.containsAll(wanted)) {
            seen.add(nextLine(client, seen, wanted));
        }
    }

    /** Reads text lines into {@code seen} until one matches. */
    private static void awaitLines(LineClient client, List<String> seen, Predicate<String> match) throws IOException {
        while (seen.stream().noneMatch(match)) {
            seen.add(nextLine(client, seen, "a matching line"));
        }
    }

    /** Reads JSON events into {@code seen} until one matches; text lines before the switch are skipped. */
    private static void awaitEvent(LineClient client, List<Event> seen, Predicate<Event> match) throws IOException {
        while (seen.stream().noneMatch(match)) {
            String line = nextLine(client, seen, "a matching event");
            if (line.startsWith("{")) {
                seen.add(JsonEventDecoder.decode(line));
            }
        }
    }

    private static String nextLine(LineClient client, List<?> seen, Object wanted) throws IOException {
        String line;
        try {
            line = client.readLine();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("timed out waiting for " + wanted + "; the Java client saw " + seen, e);
        }
        if (line == null) {
            fail("connection closed while waiting for " + wanted + "; the Java client saw " + seen);
        }
        return line;
    }

    // -- events ---------------------------------------------------------------------------------

    private static List<Event> decodeAll(List<String> jsonLines) {
        return jsonLines.stream().map(JsonEventDecoder::decode).toList();
    }

    private static boolean roomText(Event event, String from, String text) {
        return event instanceof Event.Message m && m.room().equals(ROOM) && m.from().equals(from) && m.text().equals(text);
    }

    private static boolean privateText(Event event, String from, String to, String text) {
        return event instanceof Event.Private p && p.from().equals(from) && p.to().equals(to) && p.text().equals(text);
    }

    /** Ids of the live messages and actions of the test room, in the order they were received. */
    private static List<Long> roomIds(List<Event> events) {
        List<Long> ids = new ArrayList<>();
        for (Event e : events) {
            if (e instanceof Event.Message m && m.room().equals(ROOM) && !m.replay()) {
                ids.add(m.id());
            } else if (e instanceof Event.Action a && a.room().equals(ROOM) && !a.replay()) {
                ids.add(a.id());
            }
        }
        return ids;
    }
}
