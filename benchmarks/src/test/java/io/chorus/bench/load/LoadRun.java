package io.chorus.bench.load;

import io.chorus.bench.BenchMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * Runs a {@code chorus-bench} command line in-process, exactly as {@code main} would, and keeps its
 * exit code, stdout and stderr for assertions.
 */
final class LoadRun {

    final CommandLine commandLine = BenchMain.commandLine();
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final int exitCode;

    LoadRun(String... args) {
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        exitCode = commandLine.execute(args);
    }

    /** The command object of {@code load <mode>}, holding the run's result. */
    <T> T mode(String mode) {
        return commandLine.getSubcommands().get("load").getSubcommands().get(mode).getCommand();
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
