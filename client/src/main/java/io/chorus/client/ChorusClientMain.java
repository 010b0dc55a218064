package io.chorus.client;

import io.chorus.client.cli.LineSender;
import io.chorus.client.cli.UdpSender;
import io.chorus.protocol.frame.LineFrameDecoder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code chorus-client} command: sends lines to a Chorus listener over TCP or UDP and prints
 * what comes back.
 */
@Command(name = "chorus-client",
        mixinStandardHelpOptions = true,
        versionProvider = ChorusClientMain.Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Sends the given LINEs, or the lines of stdin, to a Chorus server and prints every line it sends back.",
            "Exits when the input is done and the server has answered, or the server closed the connection."
        },
        footer = {"", "Examples:",
            "  chorus-client --port 7007 hello world      echo two lines",
            "  printf 'a\\nb\\n' | chorus-client --port 7007  echo stdin",
            "  chorus-client --udp --port 7007 ping       one UDP datagram",
            "", "Exit codes: 0 done, 1 connection failed or no reply, 2 bad usage."})
public final class ChorusClientMain implements Callable<Integer> {

    static final int DEFAULT_PORT = 7000;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "${env:CHORUS_HOST:-localhost}",
            description = "Server host (CHORUS_HOST). Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", defaultValue = "${env:CHORUS_PORT:-" + DEFAULT_PORT + "}",
            description = "Server port (CHORUS_PORT): 7000 is chat, 7007 echo. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--udp", description = "Send each line as a UDP datagram (for the UDP echo listener).")
    boolean udp;

    @Option(names = "--linger", paramLabel = "SECONDS", defaultValue = "5",
            description = "How long to wait for replies after the input is done. Default: ${DEFAULT-VALUE}.")
    double lingerSeconds;

    @Option(names = "--max-line", paramLabel = "BYTES", defaultValue = "1048576",
            description = "Longest line accepted from the server. Default: ${DEFAULT-VALUE}.")
    int maxLine;

    @Parameters(paramLabel = "LINE", arity = "0..*", description = "Lines to send; without any, stdin is read.")
    List<String> lines;

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
        if (port < 1 || port > 65_535) {
            err.println("chorus-client: port must be 1-65535: " + port);
            return 2;
        }
        Duration linger = Duration.ofMillis(Math.round(lingerSeconds * 1000));
        Iterator<String> input = lines != null && !lines.isEmpty()
                ? lines.iterator()
                : LineSender.linesOf(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        try {
            if (udp) {
                return new UdpSender(host, port, linger, out, err).run(input);
            }
            return new LineSender(host, port, Math.max(maxLine, LineFrameDecoder.DEFAULT_MAX_LINE_BYTES), linger, out, err)
                    .run(input);
        } finally {
            out.flush();
        }
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
