package io.chorus.bench;

import io.chorus.bench.baseline.BaselineCommand;
import io.chorus.bench.load.LoadCommand;
import io.chorus.server.cli.VersionProvider;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code chorus-bench} command: JMH microbenchmarks, the load generator and the bare Netty echo
 * baseline, one subcommand each.
 */
@Command(name = "chorus-bench",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        usageHelpAutoWidth = true,
        subcommands = {JmhCommand.class, LoadCommand.class, BaselineCommand.class},
        description = "Benchmarks for Chorus: microbenchmarks, a load generator and an echo baseline."
)
public final class BenchMain implements Runnable {

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree, shared by {@link #main} and the tests so both take the same path. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new BenchMain());
        // JMH options (-f, -wi, -p k=v, -h) are not ours to parse: pass them through as positionals.
        commandLine.getSubcommands().get("jmh").setUnmatchedOptionsArePositionalParams(true);
        return commandLine;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: jmh, load or baseline");
    }
}
