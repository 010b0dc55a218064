package io.chorus.server.limits;

/**
 * Why a member is disconnected for not taking its output: the reason is shown to the user in the
 * final {@code slow-consumer} error line, and every reason uses that one error code.
 */
public enum CutOff {
    /** Over the soft limit for longer than the grace period. */
    SLOW("you stayed more than %d bytes behind for too long; disconnecting"),
    /** Past the hard limit at once. */
    HARD("you fell more than %d bytes behind; disconnecting"),
    /** Among the largest queues while the server's outbound memory budget was exhausted. */
    BUDGET("the server is short of outbound memory and you were %d bytes behind; disconnecting");

    /** The error code every cut-off carries on the wire. */
    public static final String CODE = "slow-consumer";

    private final String template;

    CutOff(String template) {
        this.template = template;
    }

    /** The message for the final error line; {@code bytes} is the limit passed, or the queue size for {@link #BUDGET}. */
    public String message(long bytes) {
        return String.format(template, bytes);
    }
}
