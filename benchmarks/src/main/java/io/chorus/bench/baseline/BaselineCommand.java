package io.chorus.bench.baseline;

import io.chorus.protocol.frame.LineFrameDecoder;
import io.chorus.server.cli.TransportConverter;
import io.chorus.server.support.TransportKind;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code baseline} subcommand: runs {@link BareEchoServer} until the process is stopped.
 */
@Command(name = "baseline",
        header = "Run the bare Netty echo server Chorus is compared to, until killed.",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Runs the bare Netty line echo server (no Chorus extras) until killed.",
            "It is the reference the Chorus echo listener is compared to."
        })
public final class BaselineCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = BareEchoServer.Config.DEFAULT_HOST,
            description = "Address to bind. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + BareEchoServer.Config.DEFAULT_PORT,
            description = "Port to bind; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--transport", paramLabel = "KIND", defaultValue = "auto",
            converter = TransportConverter.class,
            description = "auto, epoll, io_uring or nio. Default: ${DEFAULT-VALUE}.")
    TransportKind transport;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Event loop threads for connections; 0 = one per core, as Chorus. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--max-line", paramLabel = "BYTES", defaultValue = "" + LineFrameDecoder.DEFAULT_MAX_LINE_BYTES,
            description = "Longest line in bytes. Default: ${DEFAULT-VALUE}.")
    int maxLine;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        BareEchoServer server;
        try {
            server = BareEchoServer.start(new BareEchoServer.Config(host, port, transport, threads, maxLine));
        } catch (IllegalStateException | IllegalArgumentException e) {
            spec.commandLine().getErr().println("baseline: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "baseline-shutdown"));
        out.println("bare echo listening on " + host + ":" + server.port() + " (" + server.transportName() + ")");
        out.flush();
        stopped.await();
        return 0;
    }
}
