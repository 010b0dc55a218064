package io.chorus.protocol.event;

/** How events are written to a connection: lines for people, or one JSON object per line for programs. */
public enum OutputFormat {
    /** Human-readable lines, see {@link TextEventEncoder}. */
    TEXT,
    /** One JSON object per line, see {@link JsonEventEncoder}. */
    JSON
}
