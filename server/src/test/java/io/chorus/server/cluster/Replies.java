package io.chorus.server.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chorus.server.api.SseReader;
import io.chorus.server.chat.ChatUser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Reading what a chat user or a feed receives, skipping the room news that is not the point of a step. */
final class Replies {

    static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The answer to one's own {@code /nick}: an error, or the rename (which, unlike the news of someone
     * else's rename in a shared room, does not end with {@code in #room}).
     */
    static final String NICK_REPLY = "^!!! |is now known as \\S+$";

    private Replies() {
    }

    /** Reads lines until one matches {@code regex} (find), and returns it; fails on timeout or EOF. */
    static String until(ChatUser user, String regex) throws IOException {
        Pattern pattern = Pattern.compile(regex);
        while (true) {
            String line = user.readLine();
            if (line == null) {
                throw new IOException(user.nick + ": connection closed before a line matching /" + regex + "/");
            }
            if (pattern.matcher(line).find()) {
                return line;
            }
        }
    }

    /** Switches the user to JSON output and skips to the {@code welcome} that marks the switch. */
    static void json(ChatUser user) throws IOException {
        user.send("/format json");
        until(user, "^\\{\"type\":\"welcome\"");
    }

    /** For a user in JSON format: reads events until one of {@code type}, and returns it parsed. */
    static JsonNode event(ChatUser user, String type) throws IOException {
        while (true) {
            String line = user.readLine();
            if (line == null) {
                throw new IOException(user.nick + ": connection closed before a " + type + " event");
            }
            if (line.startsWith("{")) {
                JsonNode e = JSON.readTree(line);
                if (e.path("type").asText().equals(type)) {
                    return e;
                }
            }
        }
    }

    /**
     * For a user in JSON format that just asked for a replay: the replayed messages and actions, then the
     * closing {@code history} event as the last element.
     */
    static List<JsonNode> replay(ChatUser user) throws IOException {
        List<JsonNode> events = new ArrayList<>();
        while (true) {
            String line = user.readLine();
            if (line == null) {
                throw new IOException(user.nick + ": connection closed inside a replay");
            }
            if (!line.startsWith("{")) {
                continue;
            }
            JsonNode e = JSON.readTree(line);
            if (e.path("replay").asBoolean(false)) {
                events.add(e);
            } else if (e.path("type").asText().equals("history")) {
                events.add(e);
                return events;
            } else if (e.path("type").asText().equals("error")) {
                throw new AssertionError(user.nick + ": error instead of a replay: " + line);
            }
        }
    }

    /** The next message or action event of a live feed, parsed; joins, leaves and comments are skipped. */
    static JsonNode message(SseReader feed) throws IOException {
        while (true) {
            SseReader.SseEvent e = feed.next();
            JsonNode data = JSON.readTree(e.data());
            String type = data.path("type").asText();
            if (type.equals("message") || type.equals("action")) {
                if (e.id() == null || !e.id().equals(data.path("id").asText())) {
                    throw new AssertionError("SSE id " + e.id() + " does not match the message id in " + e.data());
                }
                return data;
            }
        }
    }
}
