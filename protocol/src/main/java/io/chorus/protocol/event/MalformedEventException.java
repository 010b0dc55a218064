package io.chorus.protocol.event;

/**
 * Thrown by {@link JsonEventDecoder} for a line that is not a JSON event: bad JSON, not an object, no
 * {@code type}, or a known type whose fields are missing or of the wrong kind.
 */
public final class MalformedEventException extends IllegalArgumentException {

    public MalformedEventException(String message) {
        super(message);
    }

    public MalformedEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
