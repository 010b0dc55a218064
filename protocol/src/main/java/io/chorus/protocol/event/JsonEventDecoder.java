package io.chorus.protocol.event;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the JSON lines of {@link JsonEventEncoder} back into {@link Event}s, for clients.
 *
 * <p>Fields may come in any order and unknown fields are ignored. {@code replay} is optional and
 * defaults to false; the {@code room} of a {@code nick} event, the {@code run} of a welcome and the
 * {@code code}, {@code room} and {@code nick} of errors and notices are optional. An object whose
 * {@code type} is not known becomes {@link Event.Unknown}. Anything else that does not fit throws
 * {@link MalformedEventException}. Stateless and thread-safe.
 */
public final class JsonEventDecoder {

    private JsonEventDecoder() {
    }

    /**
     * Decodes one line holding one JSON object; surrounding whitespace, such as the line terminator,
     * is ignored.
     *
     * @throws MalformedEventException if the line is not an event (see the class description)
     */
    public static Event decode(String jsonLine) {
        String json = jsonLine.strip();
        Map<String, Object> fields = readObject(json);
        Object type = fields.get("type");
        if (!(type instanceof String)) {
            throw new MalformedEventException("no string field \"type\" in " + abbreviate(json));
        }
        Fields f = new Fields((String) type, fields);
        switch (f.type) {
            case Event.Welcome.TYPE:
                return new Event.Welcome(f.string("nick"), f.string("room"), f.string("server"),
                        f.optionalString("run"));
            case Event.Message.TYPE:
                return new Event.Message(f.string("room"), f.string("from"), f.string("text"), f.longValue("id"),
                        f.instant("ts"), f.optionalBoolean("replay"));
            case Event.Action.TYPE:
                return new Event.Action(f.string("room"), f.string("from"), f.string("text"), f.longValue("id"),
                        f.instant("ts"), f.optionalBoolean("replay"));
            case Event.Private.TYPE:
                return new Event.Private(f.string("from"), f.string("to"), f.string("text"), f.instant("ts"));
            case Event.Join.TYPE:
                return new Event.Join(f.string("room"), f.string("nick"));
            case Event.Leave.TYPE:
                return new Event.Leave(f.string("room"), f.string("nick"), f.string("reason"), f.bool("quit"));
            case Event.NickChange.TYPE:
                return new Event.NickChange(f.optionalString("room"), f.string("old"), f.string("new"));
            case Event.Who.TYPE:
                return new Event.Who(f.string("room"), f.strings("nicks"));
            case Event.Rooms.TYPE:
                return new Event.Rooms(f.rooms("rooms"));
            case Event.HistoryEnd.TYPE:
                return new Event.HistoryEnd(f.string("room"), f.bool("complete"), f.intValue("messages"),
                        f.longValue("first"), f.longValue("last"));
            case Event.Pong.TYPE:
                return new Event.Pong(f.string("token"));
            case Event.Error.TYPE:
                return new Event.Error(f.string("code"), f.string("message"), f.optionalString("room"),
                        f.optionalString("nick"));
            case Event.Notice.TYPE:
                return new Event.Notice(f.string("text"), f.optionalString("code"), f.optionalString("room"),
                        f.optionalString("nick"));
            case Event.Help.TYPE:
                return new Event.Help(f.strings("lines"));
            default:
                return new Event.Unknown(f.type, json);
        }
    }

    private static Map<String, Object> readObject(String json) {
        try (JsonParser parser = JsonEventEncoder.JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedEventException("not a JSON object: " + abbreviate(json));
            }
            Map<String, Object> fields = readFields(parser);
            if (parser.nextToken() != null) {
                throw new MalformedEventException("more than one JSON value: " + abbreviate(json));
            }
            return fields;
        } catch (JsonProcessingException e) {
            throw new MalformedEventException("bad JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new MalformedEventException("bad JSON: " + e.getMessage(), e);
        }
    }

    /** Reads the fields of an object whose START_OBJECT was just read, up to its END_OBJECT. */
    private static Map<String, Object> readFields(JsonParser parser) throws IOException {
        Map<String, Object> fields = new HashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            fields.put(name, readValue(parser));
        }
        return fields;
    }

    /** Reads the value at the current token: a String, Long, Double, Boolean, null, List or Map. */
    private static Object readValue(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == null) {
            throw new MalformedEventException("unexpected end of JSON");
        }
        switch (token) {
            case VALUE_STRING:
                return parser.getText();
            case VALUE_NUMBER_INT:
                try {
                    return parser.getLongValue();
                } catch (InputCoercionException e) {
                    // Too big for a long: no field of an event can hold it, so keep it out of the way.
                    return parser.getDoubleValue();
                }
            case VALUE_NUMBER_FLOAT:
                return parser.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            case START_ARRAY:
                List<Object> values = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    values.add(readValue(parser));
                }
                return values;
            case START_OBJECT:
                return readFields(parser);
            default:
                throw new MalformedEventException("unexpected JSON token " + token);
        }
    }

    private static String abbreviate(String json) {
        return json.length() <= 80 ? json : json.substring(0, 80) + "...";
    }

    /** Typed access to the fields of one event, with errors that name the field. */
    private static final class Fields {
        final String type;
        private final Map<String, Object> values;

        Fields(String type, Map<String, Object> values) {
            this.type = type;
            this.values = values;
        }

        String string(String name) {
            Object value = values.get(name);
            if (value instanceof String s) {
                return s;
            }
            throw wrong(name, "a string");
        }

        String optionalString(String name) {
            return values.get(name) == null ? null : string(name);
        }

        boolean bool(String name) {
            Object value = values.get(name);
            if (value instanceof Boolean b) {
                return b;
            }
            throw wrong(name, "true or false");
        }

        boolean optionalBoolean(String name) {
            return values.get(name) != null && bool(name);
        }

        long longValue(String name) {
            Object value = values.get(name);
            if (value instanceof Long l) {
                return l;
            }
            throw wrong(name, "an integer");
        }

        int intValue(String name) {
            long value = longValue(name);
            if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
                throw wrong(name, "a 32-bit integer");
            }
            return (int) value;
        }

        Instant instant(String name) {
            String text = string(name);
            try {
                return Timestamps.parse(text);
            } catch (DateTimeParseException e) {
                throw new MalformedEventException(type + " field \"" + name + "\" is not an ISO-8601 instant", e);
            }
        }

        List<String> strings(String name) {
            Object value = values.get(name);
            if (value instanceof List<?> list) {
                List<String> strings = new ArrayList<>(list.size());
                for (Object element : list) {
                    if (!(element instanceof String s)) {
                        throw wrong(name, "an array of strings");
                    }
                    strings.add(s);
                }
                return strings;
            }
            throw wrong(name, "an array of strings");
        }

        List<Event.RoomInfo> rooms(String name) {
            Object value = values.get(name);
            if (!(value instanceof List<?> list)) {
                throw wrong(name, "an array");
            }
            List<Event.RoomInfo> rooms = new ArrayList<>(list.size());
            for (Object element : list) {
                if (!(element instanceof Map<?, ?> room)
                        || !(room.get("name") instanceof String roomName)
                        || !(room.get("members") instanceof Long members)
                        || members < 0 || members > Integer.MAX_VALUE) {
                    throw wrong(name, "an array of {name, members}");
                }
                Object watchers = room.get("watchers");
                int watching = watchers instanceof Long w && w >= 0 && w <= Integer.MAX_VALUE ? w.intValue() : 0;
                rooms.add(new Event.RoomInfo(roomName, members.intValue(), watching));
            }
            return rooms;
        }

        private MalformedEventException wrong(String name, String expected) {
            return new MalformedEventException(type + " field \"" + name + "\" must be " + expected);
        }
    }
}
