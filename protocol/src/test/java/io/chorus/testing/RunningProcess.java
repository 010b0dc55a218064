package io.chorus.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A child process for end-to-end tests (the real jars, {@code nc}, Python, Node.js) whose output lines
 * are kept in files, so a test can wait for a line and read everything afterwards.
 */
public final class RunningProcess implements AutoCloseable {

    private final Process process;
    private final Path stdoutFile;
    private final Path stderrFile;

    private RunningProcess(Process process, Path stdoutFile, Path stderrFile) {
        this.process = process;
        this.stdoutFile = stdoutFile;
        this.stderrFile = stderrFile;
    }

    /**
     * Starts {@code command} with extra environment variables. Output goes to files rather than pipes,
     * so nothing is lost when the process exits while a reader is mid-read.
     */
    public static RunningProcess start(List<String> command, Map<String, String> env) throws IOException {
        Path out = Files.createTempFile("chorus-proc-", ".out");
        Path err = Files.createTempFile("chorus-proc-", ".err");
        out.toFile().deleteOnExit();
        err.toFile().deleteOnExit();
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().putAll(env);
        return new RunningProcess(builder.start(), out, err);
    }

    public static RunningProcess start(String... command) throws IOException {
        return start(List.of(command), Map.of());
    }

    /** The command line that runs an executable jar with this JVM, paranoid leak detection on. */
    public static List<String> javaJar(Path jar, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dio.netty.leakDetection.level=paranoid");
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        return command;
    }

    /** A jar built by this module or a sibling, e.g. {@code jar("server", "chorus-server.jar")}. */
    public static Path jar(String module, String name) {
        Path here = Path.of("").toAbsolutePath();
        Path candidate = here.getFileName().toString().equals(module)
                ? here.resolve("target").resolve(name)
                : here.resolveSibling(module).resolve("target").resolve(name);
        if (!Files.isRegularFile(candidate)) {
            throw new IllegalStateException(candidate + " is not built; run mvn package first");
        }
        return candidate;
    }

    /**
     * A script under the repository's {@code clients/} folder, e.g. {@code clientScript("node/echo-client.js")},
     * found from a module (the tests' working directory) or from the repository root.
     */
    public static Path clientScript(String relative) {
        Path here = Path.of("").toAbsolutePath();
        for (Path root : List.of(here.resolveSibling("clients"), here.resolve("clients"))) {
            Path candidate = root.resolve(relative);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("clients/" + relative + " not found from " + here);
    }

    /** True when {@code program} is on the PATH. */
    public static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    public Process process() {
        return process;
    }

    public OutputStream stdin() {
        return process.getOutputStream();
    }

    /** Writes text to the process's stdin and flushes. */
    public RunningProcess type(String text) throws IOException {
        process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
        return this;
    }

    public void closeStdin() throws IOException {
        process.getOutputStream().close();
    }

    public List<String> stdout() {
        return readLines(stdoutFile);
    }

    public List<String> stderr() {
        return readLines(stderrFile);
    }

    private static List<String> readLines(Path file) {
        try {
            String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
            if (text.isEmpty()) {
                return List.of();
            }
            List<String> lines = new ArrayList<>(List.of(text.split("\\r?\\n", -1)));
            if (lines.get(lines.size() - 1).isEmpty()) {
                lines.remove(lines.size() - 1);
            }
            return lines;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Waits for a stdout line matching {@code regex} and returns its match; fails with the output so far. */
    public Matcher awaitStdout(String regex, Duration timeout) throws InterruptedException {
        return await(stdoutFile, regex, timeout, "stdout");
    }

    public Matcher awaitStderr(String regex, Duration timeout) throws InterruptedException {
        return await(stderrFile, regex, timeout, "stderr");
    }

    private Matcher await(Path file, String regex, Duration timeout, String name) throws InterruptedException {
        Pattern pattern = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean exited = !process.isAlive();
            for (String line : readLines(file)) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            if (exited || System.nanoTime() > deadline) {
                throw new AssertionError("no " + name + " line matching /" + regex + "/ within " + timeout
                        + (exited ? " (process exited)" : "") + "; stdout=" + stdout() + " stderr=" + stderr());
            }
            Thread.sleep(20);
        }
    }

    /** Waits for the process to exit and returns its exit code, after its output has been read. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process still running after " + timeout + "; stdout=" + stdout()
                    + " stderr=" + stderr());
        }
        return process.exitValue();
    }

    /** Sends SIGTERM, as {@code docker stop} does. */
    public void terminate() {
        process.destroy();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        try {
            Files.deleteIfExists(stdoutFile);
            Files.deleteIfExists(stderrFile);
        } catch (IOException ignored) {
            // temp files; deleteOnExit covers them
        }
    }
}
