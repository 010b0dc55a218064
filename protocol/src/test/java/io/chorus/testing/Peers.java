package io.chorus.testing;

import org.junit.jupiter.api.Assumptions;

/**
 * Real peer programs the tests drive ({@code nc}, {@code python3}, {@code node}, {@code redis-server}).
 * Under CI ({@code CI=true}, where {@code .ci/run} installs them) a missing peer fails the test; on a
 * developer machine without it the test is skipped with a note saying what to install.
 */
public final class Peers {

    private Peers() {
    }

    public static void require(String program, String debianPackage) {
        if (RunningProcess.onPath(program)) {
            return;
        }
        String message = program + " is not installed (apt-get install -y " + debianPackage + ")";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(message);
        }
        Assumptions.abort(message);
    }
}
