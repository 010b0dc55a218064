package io.chorus.bench.load;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code load} subcommand: groups the load modes {@code echo}, {@code fanout} and {@code connections}.
 */
@Command(name = "load",
        header = "Drive a running server on loopback: echo, fanout or connections.",
        mixinStandardHelpOptions = true,
        subcommands = {EchoLoadCommand.class, FanoutLoadCommand.class, ConnectionsLoadCommand.class},
        description = {
            "Drives a running server on loopback; every run stops by itself after",
            "warmup + duration + timeout. A progress line goes to stderr every second,",
            "the result to stdout (a table, or one JSON object with --json)."
        })
public final class LoadCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing load mode: echo, fanout or connections");
    }

    /** Prints a result to the command's stdout, as JSON or as a table. */
    static void print(CommandSpec spec, boolean json, Report report) {
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? report.toJson() + "\n" : report.toTable());
        out.flush();
    }

    /** Turns a bad option value found while building a config into picocli's usage error (exit 2). */
    static ParameterException badOption(CommandSpec spec, IllegalArgumentException e) {
        return new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
}
