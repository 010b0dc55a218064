package io.chorus.server.http;

import io.chorus.server.metrics.ChorusMetrics;
import java.util.function.IntSupplier;

/**
 * The route tables the server starts with: the public one (the web page, {@code /ws/echo}, and health
 * and metrics unless they have an admin port) and the admin one. The chat core adds {@code /ws} and
 * the API to the public builder before it is built.
 */
public final class HttpEndpoints {

    public static final String HEALTH = "/health";
    public static final String METRICS = "/metrics";
    public static final String WS_ECHO = "/ws/echo";
    /** Chat over WebSocket; added by the server when it runs the chat service. */
    public static final String WS_CHAT = "/ws";

    private HttpEndpoints() {
    }

    /** The public routes; with {@code withAdmin}, {@code /health} and {@code /metrics} too. */
    public static HttpRoutes.Builder publicRoutes(boolean withAdmin, HealthStatus health, ChorusMetrics metrics,
            IntSupplier connections) {
        HttpRoutes.Builder routes = HttpRoutes.builder()
                .fallback(StaticFiles.page())
                .webSocket(WS_ECHO, WebSocketEcho.ROUTE);
        return withAdmin ? addAdmin(routes, health, metrics, connections) : routes;
    }

    /** Only {@code /health} and {@code /metrics}: the admin port's table. */
    public static HttpRoutes.Builder adminRoutes(HealthStatus health, ChorusMetrics metrics, IntSupplier connections) {
        return addAdmin(HttpRoutes.builder(), health, metrics, connections);
    }

    private static HttpRoutes.Builder addAdmin(HttpRoutes.Builder routes, HealthStatus health, ChorusMetrics metrics,
            IntSupplier connections) {
        routes.exact(HEALTH, HttpRoutes.getOnly(new HealthRoute(health, connections)));
        metrics.prometheusRegistry().ifPresent(r -> routes.exact(METRICS, HttpRoutes.getOnly(new MetricsRoute(r))));
        return routes;
    }
}
