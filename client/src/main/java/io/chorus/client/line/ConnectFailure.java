package io.chorus.client.line;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.Locale;

/** Turns a connect failure into the one-line message a user expects, without a stack trace. */
public final class ConnectFailure {

    private ConnectFailure() {
    }

    public static String describe(String host, int port, Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String reason;
        if (root instanceof UnknownHostException) {
            reason = "unknown host";
        } else if (root instanceof ConnectException || String.valueOf(root.getMessage()).contains("refused")) {
            reason = "connection refused";
        } else if (root.getClass().getSimpleName().toLowerCase(Locale.ROOT).contains("timeout")) {
            reason = "timed out";
        } else {
            reason = String.valueOf(root.getMessage());
        }
        return "cannot connect to " + host + ":" + port + ": " + reason;
    }
}
