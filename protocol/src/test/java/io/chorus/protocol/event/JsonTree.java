package io.chorus.protocol.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses JSON with plain Jackson into maps and lists, independently of the decoder under test. */
final class JsonTree {

    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonTree() {
    }

    /** Parses exactly one JSON object followed by one LF. */
    static Map<String, Object> parseLine(String line) {
        if (!line.endsWith("\n") || line.indexOf('\n') != line.length() - 1) {
            throw new AssertionError("not one LF-terminated line: " + line);
        }
        try (JsonParser parser = FACTORY.createParser(line)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new AssertionError("not an object: " + line);
            }
            Map<String, Object> object = object(parser);
            if (parser.nextToken() != null) {
                throw new AssertionError("trailing content: " + line);
            }
            return object;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> object(JsonParser parser) throws IOException {
        Map<String, Object> object = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            if (object.put(name, value(parser)) != null) {
                throw new AssertionError("duplicate field " + name);
            }
        }
        return object;
    }

    private static Object value(JsonParser parser) throws IOException {
        switch (parser.currentToken()) {
            case START_OBJECT:
                return object(parser);
            case START_ARRAY:
                List<Object> list = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    list.add(value(parser));
                }
                return list;
            case VALUE_STRING:
                return parser.getText();
            case VALUE_NUMBER_INT:
                return parser.getLongValue();
            case VALUE_TRUE:
                return true;
            case VALUE_FALSE:
                return false;
            case VALUE_NULL:
                return null;
            default:
                throw new AssertionError("unexpected " + parser.currentToken());
        }
    }
}
