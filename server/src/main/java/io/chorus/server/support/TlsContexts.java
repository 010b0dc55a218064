package io.chorus.server.support;

import io.chorus.server.TlsOptions;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;

/**
 * Builds the server's TLS context: TLS 1.2 and 1.3 only, OpenSSL (BoringSSL from netty-tcnative) when
 * it loads, the JDK's engine otherwise.
 */
public final class TlsContexts {

    private TlsContexts() {
    }

    /** The provider in use: OpenSSL when netty-tcnative loads on this machine, else the JDK. */
    public static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    public static SslContext forServer(TlsOptions options) throws SSLException, CertificateException {
        SslContextBuilder builder;
        if (options.selfSigned()) {
            SelfSignedCertificate certificate = new SelfSignedCertificate("localhost");
            builder = SslContextBuilder.forServer(certificate.certificate(), certificate.privateKey());
        } else {
            builder = SslContextBuilder.forServer(options.certificate().toFile(), options.privateKey().toFile());
        }
        return builder.sslProvider(provider()).protocols("TLSv1.3", "TLSv1.2").build();
    }
}
