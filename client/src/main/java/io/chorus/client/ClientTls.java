package io.chorus.client;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/**
 * Client TLS settings: which server certificates to trust.
 *
 * <p>With a trusted certificate file or the JDK's trust store, the server's host name is checked
 * against its certificate. {@link #insecure()} checks nothing and is for development only.
 *
 * @param trustedCertificates PEM file of the certificates to trust, or {@code null} for the JDK's trust store
 * @param trustAll true to accept any certificate for any host name
 */
public record ClientTls(Path trustedCertificates, boolean trustAll) {

    public ClientTls {
        if (trustAll && trustedCertificates != null) {
            throw new IllegalArgumentException("either trust certificates or be insecure, not both");
        }
    }

    /** Trusts the certificates in a PEM file, such as a server's self-signed certificate. */
    public static ClientTls trusting(Path pemFile) {
        return new ClientTls(java.util.Objects.requireNonNull(pemFile, "pemFile"), false);
    }

    /** Trusts what the JDK's default trust store trusts. */
    public static ClientTls systemTrust() {
        return new ClientTls(null, false);
    }

    /** Trusts any certificate and skips the host name check: for development against a test server. */
    public static ClientTls insecure() {
        return new ClientTls(null, true);
    }

    /**
     * Builds the Netty client context.
     *
     * @throws SSLException if the certificate file cannot be read or holds no certificate
     */
    public SslContext newContext() throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient();
        if (trustAll) {
            return builder.trustManager(InsecureTrustManagerFactory.INSTANCE)
                    .endpointIdentificationAlgorithm(null)
                    .build();
        }
        if (trustedCertificates != null) {
            if (!Files.isReadable(trustedCertificates)) {
                throw new SSLException("cannot read certificate file " + trustedCertificates);
            }
            builder.trustManager(trustedCertificates.toFile());
        }
        // Checks that the certificate names the host we dialled.
        return builder.endpointIdentificationAlgorithm("HTTPS").build();
    }
}
