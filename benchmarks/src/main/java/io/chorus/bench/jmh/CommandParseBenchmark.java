package io.chorus.bench.jmh;

import io.chorus.protocol.command.Command;
import io.chorus.protocol.command.CommandParser;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Measures {@link CommandParser#parse} on the lines a chat server sees most: plain text (with and
 * without control characters to strip), a private message, a join and an unknown command.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CommandParseBenchmark {

    @Param({"say", "say-with-escapes", "msg", "join", "unknown"})
    String kind;

    private String line;

    @Setup
    public void setUp() {
        line = switch (kind) {
            case "say" -> "hello everyone, the build is green again " + "x".repeat(20);
            case "say-with-escapes" -> "\u001b[31mhello\u001b[0m everyone\u0007, the build is green again";
            case "msg" -> "/msg alice are you coming to the standup?";
            case "join" -> "/join #Engineering";
            case "unknown" -> "/frobnicate now";
            default -> throw new IllegalArgumentException(kind);
        };
    }

    @Benchmark
    public Command parse() {
        return CommandParser.parse(line);
    }
}
