package io.chorus.server.http;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The route table of one HTTP listener: exact paths, path prefixes, WebSocket endpoints, and a
 * fallback for everything else (the static web page, or 404). Immutable once built, shared by every
 * connection of the listener. Paths are matched as sent, before any percent-decoding.
 */
public final class HttpRoutes {

    private final Map<String, HttpRoute> exact;
    private final List<Map.Entry<String, HttpRoute>> prefixes;
    private final Map<String, WebSocketRoute> webSockets;
    private final HttpRoute fallback;

    private HttpRoutes(Builder b) {
        this.exact = Map.copyOf(b.exact);
        this.prefixes = List.copyOf(b.prefixes);
        this.webSockets = Map.copyOf(b.webSockets);
        this.fallback = b.fallback;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The WebSocket endpoint at exactly this path, or null. */
    WebSocketRoute webSocket(String path) {
        return webSockets.get(path);
    }

    /** The route for a non-WebSocket request: exact path, then the longest prefix, then the fallback. */
    HttpRoute route(String path) {
        HttpRoute route = exact.get(path);
        if (route != null) {
            return route;
        }
        for (Map.Entry<String, HttpRoute> prefix : prefixes) {
            if (path.startsWith(prefix.getKey())) {
                return prefix.getValue();
            }
        }
        return fallback;
    }

    /** Collects routes; a path may be given once. */
    public static final class Builder {
        private final Map<String, HttpRoute> exact = new LinkedHashMap<>();
        private final List<Map.Entry<String, HttpRoute>> prefixes = new ArrayList<>();
        private final Map<String, WebSocketRoute> webSockets = new LinkedHashMap<>();
        private HttpRoute fallback = HttpResponses::notFound;

        private Builder() {
        }

        /** A route for exactly {@code path} (no query string), any method; see {@link #getOnly}. */
        public Builder exact(String path, HttpRoute route) {
            checkPath(path);
            if (exact.putIfAbsent(path, requireNonNull(route, "route")) != null || webSockets.containsKey(path)) {
                throw new IllegalArgumentException("route already set: " + path);
            }
            return this;
        }

        /** A route for every path that starts with {@code prefix}, e.g. {@code /api/rooms/}; longest first. */
        public Builder prefix(String prefix, HttpRoute route) {
            checkPath(prefix);
            prefixes.add(Map.entry(prefix, requireNonNull(route, "route")));
            prefixes.sort((a, b) -> Integer.compare(b.getKey().length(), a.getKey().length()));
            return this;
        }

        /** A WebSocket endpoint at exactly {@code path}; a plain request there gets 426. */
        public Builder webSocket(String path, WebSocketRoute route) {
            checkPath(path);
            if (webSockets.putIfAbsent(path, requireNonNull(route, "route")) != null || exact.containsKey(path)) {
                throw new IllegalArgumentException("route already set: " + path);
            }
            return this;
        }

        /** What answers a path nobody else does; 404 by default. */
        public Builder fallback(HttpRoute route) {
            this.fallback = requireNonNull(route, "route");
            return this;
        }

        public HttpRoutes build() {
            return new HttpRoutes(this);
        }

        private static void checkPath(String path) {
            if (path == null || !path.startsWith("/")) {
                throw new IllegalArgumentException("a path starts with /: " + path);
            }
        }
    }

    /** Wraps a route so that it answers GET and HEAD, and 405 to every other method. */
    public static HttpRoute getOnly(HttpRoute route) {
        return (ctx, request) -> {
            if (HttpResponses.isGetOrHead(request)) {
                route.handle(ctx, request);
            } else {
                HttpResponses.methodNotAllowed(ctx, request, "GET, HEAD");
            }
        };
    }
}
