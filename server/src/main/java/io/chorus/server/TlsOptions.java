package io.chorus.server;

import java.nio.file.Path;

/**
 * Where the TLS listeners get their certificate: PEM files, or a self-signed one made at start for
 * development. {@link #NONE} means TLS is off.
 *
 * @param certificate PEM certificate chain, or null
 * @param privateKey  PEM private key (PKCS#8), or null
 * @param selfSigned  make a throwaway self-signed certificate instead of reading files
 */
public record TlsOptions(Path certificate, Path privateKey, boolean selfSigned) {

    public static final TlsOptions NONE = new TlsOptions(null, null, false);

    public TlsOptions {
        if ((certificate == null) != (privateKey == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        }
        if (selfSigned && certificate != null) {
            throw new IllegalArgumentException("use either --tls-self-signed or --tls-cert/--tls-key, not both");
        }
    }

    public static TlsOptions files(Path certificate, Path privateKey) {
        return new TlsOptions(certificate, privateKey, false);
    }

    public static TlsOptions selfSignedCertificate() {
        return new TlsOptions(null, null, true);
    }

    public boolean enabled() {
        return selfSigned || certificate != null;
    }
}
