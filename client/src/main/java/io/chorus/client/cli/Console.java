package io.chorus.client.cli;

import java.io.IOException;

/** Where the interactive client reads the user's lines and prints what happens. */
public interface Console extends AutoCloseable {

    /** The next line typed or piped in, without its terminator; {@code null} at the end of input. */
    String readLine() throws IOException;

    /** Prints one line; safe to call from any thread, also while {@link #readLine()} waits. */
    void print(String line);

    /** Offers a nick for completion, when the console completes. */
    default void rememberNick(String nick) {
    }

    @Override
    void close();
}
