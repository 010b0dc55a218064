package io.chorus.bench.load;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code load connections} subcommand: reads options into a {@link ConnectionsLoadConfig} and runs
 * {@link ConnectionsLoad}.
 */
@Command(name = "connections",
        header = "Open N connections at a bounded rate, hold them, close them.",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Opens --connections connections at --rate connects/s, holds them for",
            "--duration seconds, reports how many opened and stayed open and the connect",
            "time, then closes them all. --warmup is not used. Past ~28k connections,",
            "spread them over --source-addresses 127.0.0.1,127.0.0.2,...",
            "Exit code: 0 if every connection opened and stayed open, 1 otherwise,",
            "2 for bad options."
        })
public final class ConnectionsLoadCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--connections", paramLabel = "N", defaultValue = "" + ConnectionsLoadConfig.DEFAULT_CONNECTIONS,
            description = "Connections to open. Default: ${DEFAULT-VALUE}.")
    int connections;

    @Option(names = "--rate", paramLabel = "CONN/S", defaultValue = "1000",
            description = "Connects started per second; 0 = as fast as --connect-concurrency allows. Default: ${DEFAULT-VALUE}.")
    double rate;

    private ConnectionsResult result;

    /** The last run's result, for callers that run the command in-process (tests). */
    public ConnectionsResult result() {
        return result;
    }

    @Override
    public Integer call() throws InterruptedException {
        ConnectionsLoadConfig config;
        try {
            config = new ConnectionsLoadConfig(common.toSettings(), connections, rate);
        } catch (IllegalArgumentException e) {
            throw LoadCommand.badOption(spec, e);
        }
        result = ConnectionsLoad.run(config, spec.commandLine().getErr());
        LoadCommand.print(spec, common.json, result.report());
        return result.errors() == 0 ? 0 : 1;
    }
}
