package io.chorus.bench.load;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code load echo} subcommand: reads options into an {@link EchoLoadConfig} and runs {@link EchoLoad}.
 */
@Command(name = "echo",
        header = "Pipelined or ping-pong load on a line echo server, every reply verified.",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Keeps --pipeline messages in flight on each of --connections connections to",
            "a line echo server, checks every reply byte for byte and records the round",
            "trip. Exit code: 0 for a run without errors, 1 otherwise, 2 for bad options."
        })
public final class EchoLoadCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--connections", paramLabel = "N", defaultValue = "" + EchoLoadConfig.DEFAULT_CONNECTIONS,
            description = "Connections to open. Default: ${DEFAULT-VALUE}.")
    int connections;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "" + EchoLoadConfig.DEFAULT_SIZE,
            description = "Bytes per message, without the LF; at least " + Payload.MIN_SIZE + ". Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(names = "--pipeline", paramLabel = "K", defaultValue = "" + EchoLoadConfig.DEFAULT_PIPELINE,
            description = "Messages in flight per connection (1 = ping-pong). Default: ${DEFAULT-VALUE}.")
    int pipeline;

    @Option(names = "--rate", paramLabel = "MSG/S", defaultValue = "0",
            description = "Messages per second over all connections; 0 = as fast as replies come back. Default: ${DEFAULT-VALUE}.")
    long rate;

    private EchoResult result;

    /** The last run's result, for callers that run the command in-process (tests). */
    public EchoResult result() {
        return result;
    }

    @Override
    public Integer call() throws InterruptedException {
        EchoLoadConfig config;
        try {
            config = new EchoLoadConfig(common.toSettings(), connections, size, pipeline, rate);
        } catch (IllegalArgumentException e) {
            throw LoadCommand.badOption(spec, e);
        }
        result = EchoLoad.run(config, spec.commandLine().getErr());
        LoadCommand.print(spec, common.json, result.report());
        return result.errors() == 0 && result.messages() > 0 ? 0 : 1;
    }
}
