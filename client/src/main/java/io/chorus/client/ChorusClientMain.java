package io.chorus.client;

import io.chorus.client.cli.Backoff;
import io.chorus.client.cli.Console;
import io.chorus.client.cli.EventFormatter;
import io.chorus.client.cli.InteractiveChat;
import io.chorus.client.cli.LineSender;
import io.chorus.client.cli.StreamConsole;
import io.chorus.client.cli.TerminalConsole;
import io.chorus.client.cli.UdpSender;
import io.chorus.protocol.command.Names;
import io.chorus.protocol.frame.LineFrameDecoder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code chorus-client} command: the interactive chat client, and the line and datagram senders
 * for scripts. picocli fills the options; the work is done by {@link InteractiveChat},
 * {@link LineSender} and {@link UdpSender}.
 *
 * <p>Without a subcommand the mode is chosen as before subcommands existed: {@code --udp} sends
 * datagrams; LINE arguments, or piped stdin without any chat option, send raw lines; otherwise
 * (a terminal, or {@code --nick}, {@code --room}, {@code --json} or a TLS option) it chats.
 */
@Command(name = "chorus-client",
        mixinStandardHelpOptions = true,
        versionProvider = ChorusClientMain.Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        subcommands = {ChorusClientMain.Chat.class, ChorusClientMain.Send.class, ChorusClientMain.Udp.class},
        description = {
            "Chats on a Chorus server, or sends lines to it and prints what comes back.",
            "Without a subcommand: --udp sends datagrams; LINEs, or piped stdin without chat options, are sent as raw"
                    + " lines; otherwise (a terminal, --nick, --room, --json, --tls...) it chats."
        },
        footer = {"", "Examples:",
            "  chorus-client --nick alice --room dev          chat in #dev as alice",
            "  printf 'hi\\n/msg bob psst\\n' | chorus-client -n alice -r dev",
            "                                                 say hi, whisper to bob, quit",
            "  chorus-client --port 7007 hello world          echo two lines",
            "  chorus-client --udp --port 7007 ping           one UDP datagram",
            "", "Exit codes: 0 done, 1 connection failed or lost, 2 bad usage,",
            "            3 the server refused the nick or a room given on the command line."})
public final class ChorusClientMain implements Callable<Integer> {

    static final int USAGE = 2;

    @Mixin
    Server server;

    @Mixin
    ChatOptions chat;

    @Option(names = "--udp", description = "Send each line as a UDP datagram (for the UDP echo listener).")
    boolean udp;

    @Mixin
    SendOptions send;

    private final PrintStream out;
    private final PrintStream err;

    public ChorusClientMain() {
        this(new PrintStream(System.out, false, StandardCharsets.UTF_8), System.err);
    }

    ChorusClientMain(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command and returns its exit code, without exiting. */
    public static int run(String... args) {
        return new CommandLine(new ChorusClientMain()).execute(args);
    }

    @Override
    public Integer call() throws Exception {
        if (udp) {
            return udp(server, send, out, err);
        }
        boolean lines = send.lines != null && !send.lines.isEmpty();
        if (lines || (!chat.given() && System.console() == null)) {
            return send(server, send, out, err);
        }
        return chat(server, chat, out, err);
    }

    /** Chats: {@code chorus-client chat}. */
    @Command(name = "chat", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
            description = {"Chats interactively, or from piped stdin: every line is a message or a slash command.",
                "At the end of input it sends /quit. It reconnects when the connection drops and shows what was missed."})
    static final class Chat implements Callable<Integer> {
        @Mixin
        Server server;
        @Mixin
        ChatOptions chat;
        @CommandLine.ParentCommand
        ChorusClientMain parent;

        @Override
        public Integer call() throws Exception {
            return ChorusClientMain.chat(server, chat, parent.out, parent.err);
        }
    }

    /** Sends raw lines over TCP: {@code chorus-client send}. */
    @Command(name = "send", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
            description = {"Sends the LINEs, or the lines of stdin, over TCP and prints every line the server sends back.",
                "Exits when the input is done and the server has answered, or the server closed."})
    static final class Send implements Callable<Integer> {
        @Mixin
        Server server;
        @Mixin
        SendOptions send;
        @CommandLine.ParentCommand
        ChorusClientMain parent;

        @Override
        public Integer call() throws Exception {
            return ChorusClientMain.send(server, send, parent.out, parent.err);
        }
    }

    /** Sends datagrams: {@code chorus-client udp}. */
    @Command(name = "udp", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
            description = "Sends each LINE, or line of stdin, as one UDP datagram and prints each reply.")
    static final class Udp implements Callable<Integer> {
        @Mixin
        Server server;
        @Mixin
        SendOptions send;
        @CommandLine.ParentCommand
        ChorusClientMain parent;

        @Override
        public Integer call() throws Exception {
            return ChorusClientMain.udp(server, send, parent.out, parent.err);
        }
    }

    /** Where the server is. */
    static final class Server {
        @Option(names = "--host", paramLabel = "HOST", defaultValue = "${env:CHORUS_HOST:-localhost}",
                description = "Server host (CHORUS_HOST). Default: ${DEFAULT-VALUE}.")
        String host;

        @Option(names = {"-p", "--port"}, paramLabel = "PORT",
                defaultValue = "${env:CHORUS_PORT:-" + ClientOptions.DEFAULT_PORT + "}",
                description = "Server port (CHORUS_PORT): 7000 is chat, 7007 echo. Default: ${DEFAULT-VALUE}.")
        int port;

        @Option(names = "--linger", paramLabel = "SECONDS", defaultValue = "5",
                description = "How long to wait for the server after the input is done. Default: ${DEFAULT-VALUE}.")
        double lingerSeconds;

        @Option(names = "--max-line", paramLabel = "BYTES", defaultValue = "" + ClientOptions.DEFAULT_MAX_LINE_BYTES,
                description = "Longest line accepted from the server. Default: ${DEFAULT-VALUE}.")
        int maxLine;

        Duration linger() {
            return Duration.ofMillis(Math.max(0, Math.round(lingerSeconds * 1000)));
        }
    }

    /** How to chat. */
    static final class ChatOptions {
        @Option(names = {"-n", "--nick"}, paramLabel = "NICK", description = "Nick to take (CHORUS_NICK).",
                defaultValue = "${env:CHORUS_NICK}")
        String nick;

        @Option(names = {"-r", "--room"}, paramLabel = "ROOM",
                description = "Room to join; repeat for more. The last one is where plain lines go.")
        List<String> rooms = new ArrayList<>();

        @Option(names = "--json", description = "Print each event as its JSON line, for scripts.")
        boolean json;

        @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto",
                description = "Colours: auto (only when stdout is a terminal), always, never. Default: ${DEFAULT-VALUE}.")
        String color;

        @Option(names = "--tls", description = "Use TLS, trusting the JDK's certificate authorities.")
        boolean tls;

        @Option(names = "--tls-trust", paramLabel = "PEM", description = "Use TLS, trusting the certificates in this PEM file.")
        Path tlsTrust;

        @Option(names = "--tls-insecure", description = "Use TLS without checking the certificate (development only).")
        boolean tlsInsecure;

        @Option(names = "--reconnect", paramLabel = "TRIES", defaultValue = "" + Backoff.DEFAULT_ATTEMPTS,
                description = "Reconnect attempts after the connection drops; 0 = exit instead. Default: ${DEFAULT-VALUE}.")
        int reconnect;

        boolean given() {
            return nick != null || !rooms.isEmpty() || json || tls || tlsTrust != null || tlsInsecure
                    || !"auto".equals(color);
        }
    }

    /** What to send in the script modes. */
    static final class SendOptions {
        @Parameters(paramLabel = "LINE", arity = "0..*", description = "Lines to send; without any, stdin is read.")
        List<String> lines;

        Iterator<String> input() {
            return lines != null && !lines.isEmpty()
                    ? lines.iterator()
                    : LineSender.linesOf(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        }
    }

    private static boolean badPort(Server server, PrintStream err) {
        if (server.port < 1 || server.port > 65_535) {
            err.println("chorus-client: port must be 1-65535: " + server.port);
            return true;
        }
        return false;
    }

    static int send(Server server, SendOptions send, PrintStream out, PrintStream err) throws InterruptedException {
        if (badPort(server, err)) {
            return USAGE;
        }
        try {
            return new LineSender(server.host, server.port, Math.max(server.maxLine, LineFrameDecoder.DEFAULT_MAX_LINE_BYTES),
                    server.linger(), out, err).run(send.input());
        } finally {
            out.flush();
        }
    }

    static int udp(Server server, SendOptions send, PrintStream out, PrintStream err) throws IOException {
        if (badPort(server, err)) {
            return USAGE;
        }
        try {
            return new UdpSender(server.host, server.port, server.linger(), out, err).run(send.input());
        } finally {
            out.flush();
        }
    }

    static int chat(Server server, ChatOptions chat, PrintStream out, PrintStream err) throws Exception {
        if (badPort(server, err)) {
            return USAGE;
        }
        String problem = server.maxLine <= 0 ? "--max-line must be positive: " + server.maxLine : checkChat(chat);
        if (problem != null) {
            err.println("chorus-client: " + problem);
            return USAGE;
        }
        ClientTls tls = chat.tlsInsecure ? ClientTls.insecure()
                : chat.tlsTrust != null ? ClientTls.trusting(chat.tlsTrust)
                : chat.tls ? ClientTls.systemTrust() : null;
        ClientOptions options = ClientOptions.builder().host(server.host).port(server.port).tls(tls)
                .maxLineBytes(server.maxLine).build();
        List<String> rooms = new ArrayList<>();
        for (String room : chat.rooms) {
            rooms.add(Names.normalizeRoom(room));
        }
        Backoff backoff = new Backoff(Backoff.DEFAULT_INITIAL, Backoff.DEFAULT_MAX, chat.reconnect);
        boolean terminal = System.console() != null;
        String term = System.getenv("TERM");
        boolean colourTerminal = terminal && term != null && !term.isEmpty() && !"dumb".equals(term);
        boolean colour = "always".equals(chat.color) || ("auto".equals(chat.color) && colourTerminal);
        Console console = terminal && colourTerminal ? TerminalConsole.open() : new StreamConsole(System.in, out);
        InteractiveChat.Settings settings = new InteractiveChat.Settings(options, chat.nick, rooms, backoff, server.linger());
        return new InteractiveChat(settings, console, err, new EventFormatter(colour, chat.json, Clock.systemDefaultZone()),
                Clock.systemDefaultZone()).run();
    }

    private static String checkChat(ChatOptions chat) {
        if (chat.nick != null && !Names.isValidNick(chat.nick)) {
            return "bad --nick " + chat.nick + ": " + Names.NICK_RULE;
        }
        for (String room : chat.rooms) {
            if (!Names.isValidRoom(room)) {
                return "bad --room " + room + ": " + Names.ROOM_RULE;
            }
        }
        if (!List.of("auto", "always", "never").contains(chat.color)) {
            return "--color must be auto, always or never: " + chat.color;
        }
        if (chat.tlsInsecure && chat.tlsTrust != null) {
            return "--tls-trust and --tls-insecure exclude each other";
        }
        if (chat.reconnect < 0) {
            return "--reconnect must not be negative: " + chat.reconnect;
        }
        return null;
    }

    /** Reports the version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = ChorusClientMain.class.getPackage().getImplementationVersion();
            return new String[] {"chorus-client " + (version == null ? "dev" : version)};
        }
    }
}
