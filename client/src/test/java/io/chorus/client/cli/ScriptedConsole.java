package io.chorus.client.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Pattern;

/** A console a test types into and reads back, line by line. */
final class ScriptedConsole implements Console {

    private final BlockingQueue<Optional<String>> input = new LinkedBlockingQueue<>();
    private final List<String> output = new ArrayList<>();

    void type(String line) {
        input.add(Optional.of(line));
    }

    void endInput() {
        input.add(Optional.empty());
    }

    @Override
    public String readLine() {
        try {
            return input.take().orElse(null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Override
    public synchronized void print(String line) {
        output.add(line);
        notifyAll();
    }

    synchronized List<String> output() {
        return List.copyOf(output);
    }

    /** Waits for a printed line matching {@code regex}. */
    synchronized String await(String regex) throws InterruptedException {
        Pattern pattern = Pattern.compile(regex);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            for (String line : output) {
                if (pattern.matcher(line).find()) {
                    return line;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no line matching /" + regex + "/; printed " + output);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    @Override
    public void close() {
    }
}
