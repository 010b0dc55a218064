package io.chorus.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Serves the web chat page from the jar: a fixed list of files under {@code web/}, read once at start.
 *
 * <p>A request names a file only by matching one of those names exactly, before any decoding. Nothing
 * is ever resolved as a path, so {@code ..}, {@code %2e%2e}, double encoding or backslashes can only
 * give 404: no request reaches a file outside the page, whatever its encoding. Each file has an ETag
 * (a hash of its bytes); {@code If-None-Match} gets 304. Immutable; shared by every connection.
 */
public final class StaticFiles implements HttpRoute {

    /** The files of the page, under {@value #ROOT} on the class path; "/" is the first. */
    public static final List<String> PAGE = List.of("index.html", "chorus.css", "chorus.js");
    static final String ROOT = "web/";

    /** Same-origin only: scripts, styles and the WebSocket come from this server. */
    private static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private record File(byte[] bytes, String contentType, String etag) {
    }

    private final Map<String, File> files;

    private StaticFiles(Map<String, File> files) {
        this.files = Map.copyOf(files);
    }

    /** Loads {@link #PAGE} from the class path; fails at start if a file is missing. */
    public static StaticFiles page() {
        Map<String, File> files = new LinkedHashMap<>();
        for (String name : PAGE) {
            byte[] bytes = read(ROOT + name);
            File file = new File(bytes, contentType(name), etag(bytes));
            files.put("/" + name, file);
            if (name.equals(PAGE.get(0))) {
                files.put("/", file);
            }
        }
        return new StaticFiles(files);
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        File file = files.get(new QueryStringDecoder(request.uri()).rawPath());
        if (file == null) {
            HttpResponses.notFound(ctx, request);
            return;
        }
        if (!HttpResponses.isGetOrHead(request)) {
            HttpResponses.methodNotAllowed(ctx, request, "GET, HEAD");
            return;
        }
        FullHttpResponse response;
        if (file.etag().equals(request.headers().get(HttpHeaderNames.IF_NONE_MATCH))) {
            response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED,
                    Unpooled.EMPTY_BUFFER);
        } else {
            // Wraps the shared, never-written array: no copy per response, nothing to release but the wrapper.
            response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(file.bytes()));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, file.contentType());
        }
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.ETAG, file.etag());
        // Cached, but checked with the ETag every time, so a new server version shows at once.
        headers.set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        headers.set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
        headers.set("referrer-policy", "no-referrer");
        headers.set("x-frame-options", "DENY");
        HttpResponses.send(ctx, request, response);
    }

    static String contentType(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        } else if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        } else if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        } else if (name.endsWith(".svg")) {
            return "image/svg+xml";
        }
        return "application/octet-stream";
    }

    private static byte[] read(String resource) {
        try (InputStream in = StaticFiles.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the web page is missing from the jar: " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    private static String etag(byte[] bytes) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + HexFormat.of().formatHex(hash, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
