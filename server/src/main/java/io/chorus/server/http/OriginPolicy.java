package io.chorus.server.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * Decides which web pages may open a WebSocket here, against cross-site WebSocket hijacking: a browser
 * sends the page's {@code Origin} with every upgrade and cookies along with it.
 *
 * <p>By default only the server's own host is allowed (the {@code Origin}'s host and port equal the
 * {@code Host} header). {@code --allowed-origins} lists others, or {@code *} for any. A request without
 * {@code Origin} comes from a program, not a browser page, and is allowed. Immutable.
 */
public final class OriginPolicy {

    private final List<String> allowed;
    private final boolean any;

    public OriginPolicy(List<String> allowedOrigins) {
        this.allowed = List.copyOf(allowedOrigins);
        this.any = allowed.contains(HttpOptions.ANY_ORIGIN);
    }

    /**
     * @param origin the {@code Origin} header, or null
     * @param host   the {@code Host} header, or null
     * @param tls    whether the request came over TLS, for the default port of the host
     */
    public boolean allows(String origin, String host, boolean tls) {
        if (origin == null || any) {
            return true;
        }
        String o = origin.trim().toLowerCase(Locale.ROOT);
        if (!allowed.isEmpty()) {
            return allowed.contains(o);
        }
        if (host == null) {
            return false;
        }
        try {
            URI uri = new URI(o);
            String scheme = uri.getScheme();
            if (uri.getHost() == null || !("http".equals(scheme) || "https".equals(scheme))) {
                return false;
            }
            int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(scheme) ? 443 : 80;
            return (uri.getHost() + ":" + port).equals(withPort(host.trim().toLowerCase(Locale.ROOT), tls ? 443 : 80));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** {@code host} or {@code host:port} or {@code [v6]:port}, always with a port. */
    private static String withPort(String host, int defaultPort) {
        int colon = host.lastIndexOf(':');
        if (colon > host.lastIndexOf(']')) {
            return host;
        }
        return host + ":" + defaultPort;
    }
}
