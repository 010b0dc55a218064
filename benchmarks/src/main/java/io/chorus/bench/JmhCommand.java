package io.chorus.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * The {@code jmh} subcommand: hands every remaining argument to JMH's own command line, unchanged.
 */
@Command(name = "jmh",
        header = "Run the JMH microbenchmarks; every argument goes to JMH (try: jmh -h).",
        description = {
            "Runs the JMH microbenchmarks in io.chorus.bench.jmh; all arguments go to JMH unchanged.",
            "Examples: jmh -l (list), jmh -f 1 -wi 3 -i 5 LineDecode, jmh -h (JMH's own help)."
        })
final class JmhCommand implements Callable<Integer> {

    /** Everything after {@code jmh}, in order; {@link BenchMain#commandLine()} makes options land here too. */
    @Parameters(arity = "0..*", paramLabel = "JMH-ARG", description = "Arguments for org.openjdk.jmh.Main.")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        // JMH exits the JVM itself on errors and returns normally on success.
        org.openjdk.jmh.Main.main(args.toArray(String[]::new));
        return 0;
    }
}
