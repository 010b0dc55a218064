package io.chorus.client.cli;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jline.reader.Candidate;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * A console on a real terminal, through JLine: line editing, history of this session, tab completion
 * of slash commands and of nicks seen so far, and events printed above the line being typed.
 */
public final class TerminalConsole implements Console {

    private static final List<String> COMMANDS = List.of("/nick", "/join", "/leave", "/msg", "/me", "/who",
            "/rooms", "/history", "/ping", "/quit", "/echo", "/help");

    private final Terminal terminal;
    private final LineReader reader;
    private final Set<String> nicks = ConcurrentHashMap.newKeySet();

    private TerminalConsole(Terminal terminal) {
        this.terminal = terminal;
        this.reader = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName("chorus")
                .completer((lineReader, line, candidates) -> {
                    if (line.wordIndex() == 0 && line.word().startsWith("/")) {
                        COMMANDS.forEach(c -> candidates.add(new Candidate(c)));
                    } else {
                        nicks.forEach(n -> candidates.add(new Candidate(n)));
                    }
                })
                .build();
    }

    /** Opens the system terminal. */
    public static TerminalConsole open() throws IOException {
        return new TerminalConsole(TerminalBuilder.builder().system(true).build());
    }

    @Override
    public String readLine() {
        try {
            return reader.readLine("> ");
        } catch (EndOfFileException | UserInterruptException e) {
            // Ctrl-D or Ctrl-C: the user is done.
            return null;
        }
    }

    @Override
    public void print(String line) {
        reader.printAbove(line);
    }

    @Override
    public void rememberNick(String nick) {
        nicks.add(nick);
    }

    @Override
    public void close() {
        try {
            terminal.close();
        } catch (IOException ignored) {
            // Nothing useful to do when restoring the terminal fails on exit.
        }
    }
}
