package io.chorus.server.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the version stamped into the jar's manifest by the build. */
public final class VersionProvider implements IVersionProvider {

    /** The jar's Implementation-Version, or {@code dev} when run from classes. */
    public static String version() {
        String version = VersionProvider.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"Chorus " + version() + " (Netty " + nettyVersion() + ", Java "
                + Runtime.version() + ")"};
    }

    private static String nettyVersion() {
        var versions = io.netty.util.Version.identify();
        var transport = versions.get("netty-transport");
        return transport == null ? "unknown" : transport.artifactVersion();
    }
}
