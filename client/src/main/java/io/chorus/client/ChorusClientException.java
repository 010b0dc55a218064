package io.chorus.client;

import io.chorus.protocol.event.Event;

/**
 * Why a {@link ChorusClient} future failed: the server refused a request, or the connection failed
 * or closed. The message is one sentence for a user; {@link #code()} is for programs.
 */
public final class ChorusClientException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The connection could not be opened. */
    public static final String CONNECT_FAILED = "connect-failed";
    /** The TLS handshake failed, or the TLS settings could not be used. */
    public static final String TLS_FAILED = "tls-failed";
    /** The peer accepted the connection but did not greet like a Chorus chat server. */
    public static final String NO_WELCOME = "no-welcome";
    /** The connection closed before the request was answered. */
    public static final String CLOSED = "closed";

    private final String code;

    public ChorusClientException(String code, String message) {
        super(message);
        this.code = code;
    }

    public ChorusClientException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** The failure as a server error event answered it. */
    public static ChorusClientException of(Event.Error error) {
        return new ChorusClientException(error.code(), error.message());
    }

    /** A server error code such as {@code nick-taken}, or one of the constants of this class. */
    public String code() {
        return code;
    }
}
