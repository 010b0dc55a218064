package io.chorus.server.api;

import java.util.concurrent.CompletionStage;
import java.util.Comparator;
import java.util.ArrayList;
import io.chorus.server.chat.RoomRegistry;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.chorus.protocol.command.Names;
import io.chorus.protocol.command.TextSanitizer;
import io.chorus.protocol.event.Event;
import io.chorus.server.chat.ChatService;
import io.chorus.server.chat.Room;
import io.chorus.server.http.HttpResponses;
import io.chorus.server.http.HttpRoute;
import io.chorus.server.http.HttpRoutes;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The HTTP API for live feeds, under {@code /api/rooms}:
 * <ul>
 *   <li>{@code POST /api/rooms/{room}/messages}: publish, with {@code Authorization: Bearer KEY};</li>
 *   <li>{@code GET /api/rooms}: the rooms with member and watcher counts;</li>
 *   <li>{@code GET /api/rooms/{room}/history?since=ID&limit=N}: held messages with the {@code complete} flag;</li>
 *   <li>{@code GET /api/rooms/{room}/events}: a server-sent-events feed ({@link SseWatcher}).</li>
 * </ul>
 * The reading endpoints need no key: they show what any chat user can see with {@code /rooms},
 * {@code /history} and {@code /join}. With no key configured the whole API answers 404 with a JSON
 * error saying it is off. Errors are JSON, {@code {"error":CODE,"message":TEXT}}, with the chat's error
 * codes where one fits.
 *
 * <p>Stateless apart from the per-key rate limits; shared by every connection of the listener.
 */
public final class ApiRoute implements HttpRoute {

    public static final String ROOMS = "/api/rooms";
    /** Default of {@code limit} for the history endpoint: {@value}. */
    public static final int DEFAULT_HISTORY_LIMIT = 100;
    /** How often an idle event stream gets a {@code : ping} comment: {@value} ms. */
    public static final long DEFAULT_KEEPALIVE_MILLIS = 15_000;

    private static final Logger log = LogManager.getLogger(ApiRoute.class);

    private final ChatService chat;
    private final ApiKeys keys;
    private final long keepaliveMillis;
    private final PublishRateLimits rates;

    public ApiRoute(ChatService chat, ApiKeys keys, long keepaliveMillis) {
        this.chat = chat;
        this.keys = keys;
        this.keepaliveMillis = keepaliveMillis;
        this.rates = new PublishRateLimits(chat.config().rateLimit());
    }

    /**
     * Adds the API to a route table: {@code /api/rooms} and below when {@code keys} has a key, and a
     * JSON 404 for everything else under {@code /api/} (the API is off without keys).
     */
    public static HttpRoutes.Builder addTo(HttpRoutes.Builder routes, ChatService chat, ApiKeys keys,
            long keepaliveMillis) {
        if (chat == null || keys.isEmpty()) {
            String why = chat == null ? "the HTTP API needs the chat listener, which is off"
                    : "the HTTP API is off: start the server with --api-key or --api-key-file";
            return routes.prefix("/api/", (ctx, request) -> ApiJson.sendError(ctx, request,
                    HttpResponseStatus.NOT_FOUND, "api-disabled", why));
        }
        ApiRoute api = new ApiRoute(chat, keys, keepaliveMillis);
        return routes.exact(ROOMS, api).prefix(ROOMS + "/", api).prefix("/api/", (ctx, request) ->
                ApiJson.sendError(ctx, request, HttpResponseStatus.NOT_FOUND, "not-found", "no such API endpoint"));
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.rawPath();
        if (path.equals(ROOMS) || path.equals(ROOMS + "/")) {
            if (getOnly(ctx, request)) {
                listRooms(ctx, request);
            }
            return;
        }
        String rest = path.substring(ROOMS.length() + 1);
        int slash = rest.indexOf('/');
        String action = slash < 0 ? "" : rest.substring(slash + 1);
        String rawRoom = QueryStringDecoder.decodeComponent(slash < 0 ? rest : rest.substring(0, slash));
        if (!action.equals("messages") && !action.equals("history") && !action.equals("events")) {
            ApiJson.sendError(ctx, request, HttpResponseStatus.NOT_FOUND, "not-found",
                    "no such API endpoint; use /api/rooms/ROOM/messages, /history or /events");
            return;
        }
        if (!Names.isValidRoom(rawRoom)) {
            ApiJson.sendError(ctx, request, HttpResponseStatus.BAD_REQUEST, "invalid-room", Names.ROOM_RULE);
            return;
        }
        String room = Names.normalizeRoom(rawRoom);
        switch (action) {
            case "messages" -> {
                if (!request.method().equals(HttpMethod.POST)) {
                    HttpResponses.methodNotAllowed(ctx, request, "POST");
                } else {
                    publish(ctx, request, room);
                }
            }
            case "history" -> {
                if (getOnly(ctx, request)) {
                    history(ctx, request, room, uri);
                }
            }
            default -> {
                if (getOnly(ctx, request)) {
                    events(ctx, request, room, uri);
                }
            }
        }
    }

    private static boolean getOnly(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD)) {
            return true;
        }
        HttpResponses.methodNotAllowed(ctx, request, "GET, HEAD");
        return false;
    }

    // ---- POST /api/rooms/{room}/messages ----

    private void publish(ChannelHandlerContext ctx, FullHttpRequest request, String roomName) {
        Optional<ApiKeys.Key> key = keys.find(bearer(request));
        if (key.isEmpty()) {
            boolean presented = request.headers().contains(HttpHeaderNames.AUTHORIZATION);
            FullHttpResponse response = ApiJson.error(ctx, HttpResponseStatus.UNAUTHORIZED, "unauthorized",
                    presented ? "that API key is not valid" : "send Authorization: Bearer KEY");
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE,
                    presented ? "Bearer realm=\"chorus\", error=\"invalid_token\"" : "Bearer realm=\"chorus\"");
            HttpResponses.send(ctx, request, response);
            return;
        }
        Publish body;
        try {
            body = parseBody(request);
        } catch (BadRequest e) {
            ApiJson.sendError(ctx, request, HttpResponseStatus.BAD_REQUEST, e.code, e.getMessage());
            return;
        }
        String from = body.from() == null ? key.get().name() : body.from();
        if (!Names.isValidNick(from)) {
            ApiJson.sendError(ctx, request, HttpResponseStatus.BAD_REQUEST, "invalid-nick", Names.NICK_RULE);
            return;
        }
        if (!key.get().allows(from)) {
            ApiJson.sendError(ctx, request, HttpResponseStatus.FORBIDDEN, "forbidden-sender",
                    "this API key may not publish as " + from + "; it may use " + String.join(", ", key.get().names()));
            return;
        }
        String text = body.text() == null ? null : TextSanitizer.clean(body.text()).strip();
        if (text == null || text.isEmpty()) {
            ApiJson.sendError(ctx, request, HttpResponseStatus.BAD_REQUEST, "empty-message",
                    "nothing to send once control characters are removed");
            return;
        }
        int maxLine = chat.config().maxLineBytes();
        if (text.getBytes(StandardCharsets.UTF_8).length > maxLine) {
            ApiJson.sendError(ctx, request, HttpResponseStatus.BAD_REQUEST, "line-too-long",
                    "a message may be at most " + maxLine + " bytes (--max-line)");
            return;
        }
        if (chat.shuttingDown()) {
            ApiJson.sendError(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting-down",
                    "the server is shutting down");
            return;
        }
        if (!rates.tryAcquire(key.get(), System.nanoTime())) {
            FullHttpResponse response = ApiJson.error(ctx, HttpResponseStatus.TOO_MANY_REQUESTS, "rate-limited",
                    "slow down: this key may publish at most " + chat.config().rateLimit() + " messages per second");
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
            HttpResponses.send(ctx, request, response);
            chat.meters().rateLimitedLine();
            return;
        }
        // A lease keeps the room (and its history) from being freed while the message is queued to it.
        Optional<RoomRegistry.Lease<Room>> lease = chat.rooms().join(roomName);
        if (lease.isEmpty()) {
            ApiJson.sendError(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "too-many-rooms",
                    "the server holds its maximum of " + chat.config().maxRooms() + " rooms");
            return;
        }
        Room room = lease.get().room();
        chat.meters().messageIn();
        // The request is released when this method returns; the answer needs only its headers.
        FullHttpRequest headers = request.replace(Unpooled.EMPTY_BUFFER);
        CompletionStage<Long> published = room.publishFrom(from, text, body.action(), Instant.now());
        // Released once the publish is queued on the room's loop: a TTL expiry queues behind it.
        lease.get().release();
        published.whenComplete((id, failure) ->
                ctx.executor().execute(() -> {
                    if (failure != null) {
                        log.error("[{}] publish to #{} failed", ctx.channel().id(), roomName, failure);
                        ApiJson.sendError(ctx, headers, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal-error",
                                "the server could not publish this message");
                        return;
                    }
                    FullHttpResponse response = ApiJson.response(ctx, HttpResponseStatus.CREATED, ApiJson.write(json -> {
                        json.writeStartObject();
                        json.writeNumberField("id", id);
                        json.writeStringField("room", roomName);
                        json.writeStringField("from", from);
                        json.writeEndObject();
                    }));
                    response.headers().set(HttpHeaderNames.LOCATION, ROOMS + "/" + roomName + "/history?since=" + (id - 1)
                            + "&limit=1");
                    HttpResponses.send(ctx, headers, response);
                }));
    }

    /** The bearer token of the request, or null. */
    private static String bearer(FullHttpRequest request) {
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return header.substring(7).strip();
    }

    /** What a publish request asks for. */
    private record Publish(String text, String from, boolean action) {
    }

    /** A request body that cannot be used; the message is shown to the client. */
    private static final class BadRequest extends Exception {
        final String code;

        BadRequest(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    /**
     * The body as JSON ({@code {"text":..., "from":..., "action":false}}) when the content type says
     * JSON; otherwise the text itself, one line (one final line break is allowed, as files have).
     */
    private static Publish parseBody(FullHttpRequest request) throws BadRequest {
        String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE, "text/plain");
        if (type.regionMatches(true, 0, "application/json", 0, "application/json".length())) {
            return parseJson(request);
        }
        String text = request.content().toString(StandardCharsets.UTF_8);
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - (text.endsWith("\r\n") ? 2 : 1));
        }
        if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
            throw new BadRequest("multi-line", "one message per request: the text must be a single line");
        }
        return new Publish(text, null, false);
    }

    private static Publish parseJson(FullHttpRequest request) throws BadRequest {
        String text = null;
        String from = null;
        boolean action = false;
        try (JsonParser json = ApiJson.JSON.createParser((InputStream) new ByteBufInputStream(request.content().duplicate()))) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                throw new BadRequest("bad-json", "the body must be a JSON object such as {\"text\":\"hello\"}");
            }
            JsonToken token;
            while ((token = json.nextToken()) == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                switch (field) {
                    case "text" -> text = stringField(json, value, "text");
                    case "from" -> from = value == JsonToken.VALUE_NULL ? null : stringField(json, value, "from");
                    case "action" -> {
                        if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
                            throw new BadRequest("bad-json", "\"action\" must be true or false");
                        }
                        action = value == JsonToken.VALUE_TRUE;
                    }
                    default -> json.skipChildren();
                }
            }
            if (token != JsonToken.END_OBJECT || json.nextToken() != null) {
                throw new BadRequest("bad-json", "the body must be exactly one JSON object");
            }
        } catch (IOException e) {
            throw new BadRequest("bad-json", "the body is not valid JSON");
        }
        if (text == null) {
            throw new BadRequest("bad-json", "the JSON body needs a \"text\" string");
        }
        return new Publish(text, from, action);
    }

    private static String stringField(JsonParser json, JsonToken value, String name) throws IOException, BadRequest {
        if (value != JsonToken.VALUE_STRING) {
            throw new BadRequest("bad-json", "\"" + name + "\" must be a string");
        }
        return json.getText();
    }

    // ---- GET /api/rooms ----

    private void listRooms(ChannelHandlerContext ctx, FullHttpRequest request) {
        List<Room> rooms = new ArrayList<>(chat.rooms().all());
        rooms.sort(Comparator.comparing(Room::name));
        if (chat.backplane().clustered()) {
            // Counts of every node; last_id is the last this node has seen (0 for a room it does not hold).
            FullHttpRequest headers = request.replace(Unpooled.EMPTY_BUFFER);
            chat.backplane().rooms().whenComplete((all, failure) -> ctx.executor().execute(() -> {
                List<Event.RoomInfo> infos = failure == null ? all : localInfos(rooms);
                ApiJson.send(ctx, headers, HttpResponseStatus.OK, roomList(infos, name ->
                        chat.rooms().find(name).map(Room::lastMessageId).orElse(0L)));
            }));
            return;
        }
        Map<String, Long> lastIds = new HashMap<>();
        rooms.forEach(room -> lastIds.put(room.name(), room.lastMessageId()));
        ApiJson.send(ctx, request, HttpResponseStatus.OK, roomList(localInfos(rooms), lastIds::get));
    }

    private static List<Event.RoomInfo> localInfos(List<Room> rooms) {
        List<Event.RoomInfo> infos = new ArrayList<>();
        for (Room room : rooms) {
            infos.add(new Event.RoomInfo(room.name(), room.memberCount(), room.watcherCount()));
        }
        return infos;
    }

    private static String roomList(List<Event.RoomInfo> rooms, java.util.function.Function<String, Long> lastId) {
        return ApiJson.write(json -> {
            json.writeStartObject();
            json.writeArrayFieldStart("rooms");
            for (Event.RoomInfo room : rooms) {
                json.writeStartObject();
                json.writeStringField("name", room.name());
                json.writeNumberField("members", room.members());
                json.writeNumberField("watchers", room.watchers());
                json.writeNumberField("last_id", lastId.apply(room.name()));
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    // ---- GET /api/rooms/{room}/history ----

    private void history(ChannelHandlerContext ctx, FullHttpRequest request, String roomName, QueryStringDecoder uri) {
        long since;
        int limit;
        try {
            since = longParam(uri, "since", -1);
            limit = (int) Math.min(Integer.MAX_VALUE, longParam(uri, "limit", DEFAULT_HISTORY_LIMIT));
        } catch (BadRequest e) {
            ApiJson.sendError(ctx, request, HttpResponseStatus.BAD_REQUEST, e.code, e.getMessage());
            return;
        }
        if (limit < 1) {
            ApiJson.sendError(ctx, request, HttpResponseStatus.BAD_REQUEST, "usage", "limit must be at least 1");
            return;
        }
        Optional<Room> room = chat.rooms().find(roomName);
        if (room.isEmpty() && !chat.backplane().clustered()) {
            ApiJson.sendError(ctx, request, HttpResponseStatus.NOT_FOUND, "no-such-room", "#" + roomName + " does not exist");
            return;
        }
        FullHttpRequest headers = request.replace(Unpooled.EMPTY_BUFFER);
        // In a cluster the shared history answers, whether or not this node holds the room now.
        (room.isPresent() ? room.get().historyFor(since, limit)
                : Room.sharedHistory(chat.backplane(), roomName, since, limit)).whenComplete((events, failure) -> ctx.executor().execute(() -> {
            if (failure != null) {
                log.error("[{}] history of #{} failed", ctx.channel().id(), roomName, failure);
                ApiJson.sendError(ctx, headers, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal-error",
                        "the server could not read this history");
                return;
            }
            Event.HistoryEnd end = (Event.HistoryEnd) events.get(events.size() - 1);
            ApiJson.send(ctx, headers, HttpResponseStatus.OK, ApiJson.write(json -> {
                json.writeStartObject();
                json.writeStringField("room", roomName);
                json.writeBooleanField("complete", end.complete());
                json.writeNumberField("count", end.count());
                json.writeNumberField("first", end.firstId());
                json.writeNumberField("last", end.lastId());
                json.writeArrayFieldStart("messages");
                for (Event event : events.subList(0, events.size() - 1)) {
                    json.writeRawValue(ApiJson.event(event, ctx.alloc()));
                }
                json.writeEndArray();
                json.writeEndObject();
            }));
        }));
    }

    private static long longParam(QueryStringDecoder uri, String name, long absent) throws BadRequest {
        List<String> values = uri.parameters().get(name);
        if (values == null || values.isEmpty()) {
            return absent;
        }
        return parseId(values.get(0), name);
    }

    private static long parseId(String value, String name) throws BadRequest {
        try {
            long parsed = Long.parseLong(value.strip());
            if (parsed < 0) {
                throw new NumberFormatException();
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new BadRequest("usage", name + " must be a whole number, 0 or more");
        }
    }

    // ---- GET /api/rooms/{room}/events ----

    private void events(ChannelHandlerContext ctx, FullHttpRequest request, String roomName, QueryStringDecoder uri) {
        long since;
        try {
            // EventSource sends Last-Event-ID when it reconnects; it wins over the since= the page first used.
            String lastEventId = request.headers().get("last-event-id");
            since = lastEventId != null && !lastEventId.isBlank() ? parseId(lastEventId, "Last-Event-ID")
                    : longParam(uri, "since", -1);
        } catch (BadRequest e) {
            ApiJson.sendError(ctx, request, HttpResponseStatus.BAD_REQUEST, e.code, e.getMessage());
            return;
        }
        if (chat.shuttingDown()) {
            ApiJson.sendError(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting-down",
                    "the server is shutting down");
            return;
        }
        Optional<RoomRegistry.Lease<Room>> room = chat.rooms().join(roomName);
        if (room.isEmpty()) {
            ApiJson.sendError(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "too-many-rooms",
                    "the server holds its maximum of " + chat.config().maxRooms() + " rooms");
            return;
        }
        if (request.method().equals(HttpMethod.HEAD)) {
            HttpResponses.send(ctx, request, ApiJson.response(ctx, HttpResponseStatus.OK, ""));
            return;
        }
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .set("x-content-type-options", "nosniff")
                // Tells nginx-style proxies not to buffer the stream.
                .set("x-accel-buffering", "no");
        HttpUtil.setTransferEncodingChunked(response, true);
        // The stream is long-lived and the client sends nothing: the read-idle timeout does not apply;
        // the keepalive comments and the slow-consumer cut take its place.
        if (ctx.pipeline().get("idle") != null) {
            ctx.pipeline().remove("idle");
        }
        ctx.write(response, ctx.voidPromise());
        ctx.writeAndFlush(new DefaultHttpContent(ctx.alloc().buffer()
                .writeBytes((": watching #" + roomName + "\n\n").getBytes(StandardCharsets.US_ASCII))));
        // The router's job on this connection is done; later requests on it are dropped, not answered.
        ctx.pipeline().replace(ctx.handler(), "sse", new SseWatcher.Inbound());
        SseWatcher watcher = new SseWatcher(ctx.channel(), room.get(), chat);
        watcher.meters(chat.meters());
        watcher.start(since, keepaliveMillis);
    }
}
