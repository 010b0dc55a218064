/**
 * The HTTP listener: the web chat page, WebSocket endpoints, {@code /health} and {@code /metrics}.
 *
 * <p>Pipeline of one connection ({@link io.chorus.server.http.HttpServerInitializer}): the shared
 * listener front (limits, tracking, byte counts, TLS), hang-up, idle, {@code HttpServerCodec} (431 and
 * 414 past its limits), {@code HttpObjectAggregator} (413), then the per-connection
 * {@link io.chorus.server.http.HttpRouter}. The router looks the raw path up in an immutable
 * {@link io.chorus.server.http.HttpRoutes} table shared by the listener.
 *
 * <p>Adding an endpoint: build the table with {@code HttpEndpoints.publicRoutes(...)}, add to it, then
 * {@code build()}. A plain route is an {@link io.chorus.server.http.HttpRoute}
 * ({@code exact}, {@code prefix}). A WebSocket endpoint is a {@link io.chorus.server.http.WebSocketRoute}:
 * on an upgrade to its path the router checks {@code Origin} (403), adds Netty's
 * {@code WebSocketServerProtocolHandler} with the {@code --max-line} frame limit (1009) and the
 * keepalive, then calls the route to add its handlers, and leaves the pipeline. The {@code /ws} chat
 * endpoint, for example:
 *
 * <pre>{@code
 * routes.webSocket("/ws", (p, maxFrameBytes) -> {
 *     WebSocketText.textMessages(p, maxFrameBytes);    // binary -> 1003; fragments joined, 1009 past the limit
 *     p.addLast("chat", new ChatWebSocketHandler(chat)); // gets whole TextWebSocketFrames and owns them;
 * });                                                    // starts the session on HandshakeComplete
 * }</pre>
 */
package io.chorus.server.http;
