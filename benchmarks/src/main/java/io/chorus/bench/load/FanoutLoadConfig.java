package io.chorus.bench.load;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * What {@code load fanout} does: how many subscribers and publishers, the publish rate and payload size,
 * and the lines that adapt it to a particular server (Chorus, Redis, {@code ncat --chat}).
 *
 * @param settings          target, transport and time bounds
 * @param subscribers       subscriber connections
 * @param publishers        publisher connections
 * @param size              payload bytes per message; at least {@link Payload#MIN_SIZE}
 * @param rate              messages per second over all publishers; must be positive
 * @param room              the value of {@code {room}} in the lines below
 * @param subscribeLine     sent once by each subscriber after connecting; empty sends nothing
 * @param publisherLine     sent once by each publisher after connecting; empty sends nothing
 * @param publishFormat     one published line; must contain {@code {payload}}
 * @param readyLineContains a subscriber is ready once it receives a line containing this ({@code {room}}
 *                          filled in); empty means ready as soon as it is connected and has sent its
 *                          subscribe line
 * @param settle            extra wait after every subscriber is ready, before publishing starts
 * @param webSocket         where subscribers connect over WebSocket instead of TCP to the target; null
 *                          for TCP (publishers always use the target)
 * @param subscriberPorts   TCP ports on the target's host that subscriber {@code i} connects to, in turn
 *                          ({@code i mod n}), for a cluster whose nodes listen on different ports; empty
 *                          means the target's port. Publishers always use the target.
 */
public record FanoutLoadConfig(
        LoadSettings settings,
        int subscribers,
        int publishers,
        int size,
        long rate,
        String room,
        String subscribeLine,
        String publisherLine,
        String publishFormat,
        String readyLineContains,
        Duration settle,
        WebSocketTarget webSocket,
        List<Integer> subscriberPorts) {

    /** A WebSocket endpoint on the target's host: Chorus's {@code /ws} on its HTTP port. */
    public record WebSocketTarget(int port, String path) {

        public static final String DEFAULT_PATH = "/ws";

        public WebSocketTarget {
            requireNonNull(path, "path");
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("WebSocket port must be 1-65535: " + port);
            }
            if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ')) {
                throw new IllegalArgumentException("WebSocket path must start with / and have no spaces: " + path);
            }
        }
    }

    /** A run whose subscribers all connect to one endpoint: the target, or {@code webSocket}. */
    public FanoutLoadConfig(LoadSettings settings, int subscribers, int publishers, int size, long rate, String room,
            String subscribeLine, String publisherLine, String publishFormat, String readyLineContains, Duration settle,
            WebSocketTarget webSocket) {
        this(settings, subscribers, publishers, size, rate, room, subscribeLine, publisherLine, publishFormat,
                readyLineContains, settle, webSocket, List.of());
    }

    /** A run whose subscribers use TCP to the target, like the publishers. */
    public FanoutLoadConfig(LoadSettings settings, int subscribers, int publishers, int size, long rate, String room,
            String subscribeLine, String publisherLine, String publishFormat, String readyLineContains, Duration settle) {
        this(settings, subscribers, publishers, size, rate, room, subscribeLine, publisherLine, publishFormat,
                readyLineContains, settle, null);
    }

    public static final int DEFAULT_SUBSCRIBERS = 100;
    public static final int DEFAULT_PUBLISHERS = 1;
    public static final int DEFAULT_SIZE = 64;
    public static final long DEFAULT_RATE = 1000;
    public static final String DEFAULT_ROOM = "bench";
    public static final String DEFAULT_SUBSCRIBE_LINE = "/join {room}";
    public static final String DEFAULT_PUBLISHER_LINE = "/join {room}";
    public static final String DEFAULT_PUBLISH_FORMAT = "{payload}";
    /** Chorus tells every member of a room, the joiner included, that someone joined it. */
    public static final String DEFAULT_READY_LINE_CONTAINS = "joined #{room}";
    public static final String ROOM = "{room}";
    public static final String PAYLOAD = "{payload}";

    public FanoutLoadConfig {
        requireNonNull(settings, "settings");
        requireNonNull(room, "room");
        requireNonNull(subscribeLine, "subscribeLine");
        requireNonNull(publisherLine, "publisherLine");
        requireNonNull(publishFormat, "publishFormat");
        requireNonNull(readyLineContains, "readyLineContains");
        requireNonNull(settle, "settle");
        subscriberPorts = List.copyOf(requireNonNull(subscriberPorts, "subscriberPorts"));
        for (int port : subscriberPorts) {
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("subscriber port must be 1-65535: " + port);
            }
        }
        if (!subscriberPorts.isEmpty() && webSocket != null) {
            // One subscriber transport per run keeps the per-port figures comparable.
            throw new IllegalArgumentException("subscriber ports and a WebSocket port do not go together");
        }
        if (subscribers < 1) {
            throw new IllegalArgumentException("subscribers must be at least 1: " + subscribers);
        }
        if (publishers < 1) {
            throw new IllegalArgumentException("publishers must be at least 1: " + publishers);
        }
        if (size < Payload.MIN_SIZE || size > 1 << 16) {
            throw new IllegalArgumentException("size must be " + Payload.MIN_SIZE + "-65536 bytes: " + size);
        }
        if (rate < 1) {
            throw new IllegalArgumentException("rate must be at least 1 message per second: " + rate);
        }
        if (!publishFormat.contains(PAYLOAD)) {
            throw new IllegalArgumentException("publish format must contain " + PAYLOAD + ": " + publishFormat);
        }
        if (settle.isNegative()) {
            throw new IllegalArgumentException("settle must not be negative: " + settle);
        }
        for (String line : new String[] {subscribeLine, publisherLine, publishFormat}) {
            if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("lines must not contain CR or LF: " + line);
            }
        }
    }

    /** How many endpoints the subscribers are spread over: 1 unless {@link #subscriberPorts} names more. */
    int subscriberPortCount() {
        return Math.max(1, subscriberPorts.size());
    }

    /** Which of the {@link #subscriberPortCount()} endpoints subscriber {@code index} uses: round robin. */
    int portIndexOf(int index) {
        return index % subscriberPortCount();
    }

    /** The TCP port subscriber {@code index} connects to (the WebSocket target is handled by the caller). */
    int subscriberPort(int index) {
        return subscriberPorts.isEmpty() ? settings.port() : subscriberPorts.get(portIndexOf(index));
    }

    /** The subscribe line with the room filled in, as UTF-8 plus LF, or null to send nothing. */
    byte[] subscribeBytes() {
        return lineBytes(subscribeLine);
    }

    /** The publisher's setup line with the room filled in, as UTF-8 plus LF, or null to send nothing. */
    byte[] publisherBytes() {
        return lineBytes(publisherLine);
    }

    /** What marks a subscriber ready, with the room filled in, as UTF-8; null when connecting is enough. */
    byte[] readyNeedle() {
        return readyLineContains.isEmpty() ? null : readyLineContains.replace(ROOM, room).getBytes(StandardCharsets.UTF_8);
    }

    /** The bytes of a published line before the payload. */
    byte[] publishPrefix() {
        String line = publishFormat.replace(ROOM, room);
        return line.substring(0, line.indexOf(PAYLOAD)).getBytes(StandardCharsets.UTF_8);
    }

    /** The bytes of a published line after the payload, LF included. */
    byte[] publishSuffix() {
        String line = publishFormat.replace(ROOM, room);
        return (line.substring(line.indexOf(PAYLOAD) + PAYLOAD.length()) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private byte[] lineBytes(String line) {
        return line.isEmpty() ? null : (line.replace(ROOM, room) + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
