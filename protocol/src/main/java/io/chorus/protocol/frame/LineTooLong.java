package io.chorus.protocol.frame;

/**
 * Emitted in place of a line that exceeded the limit, so the handler can answer with an error.
 *
 * @param maxLineBytes the limit that was exceeded, in bytes
 */
public record LineTooLong(int maxLineBytes) {
    /** Machine-readable error code clients see for this event. */
    public static final String CODE = "line-too-long";

    /** A sentence for the user, e.g. for an error line. */
    public String describe() {
        return "line longer than " + maxLineBytes + " bytes was discarded";
    }
}
