package io.chorus.client.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** A console over plain streams, for pipes and scripts: one printed line per event, flushed at once. */
public final class StreamConsole implements Console {

    private final BufferedReader in;
    private final PrintStream out;

    public StreamConsole(InputStream in, PrintStream out) {
        this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        this.out = out;
    }

    @Override
    public String readLine() throws IOException {
        return in.readLine();
    }

    @Override
    public synchronized void print(String line) {
        out.println(line);
        out.flush();
    }

    @Override
    public void close() {
        out.flush();
    }
}
