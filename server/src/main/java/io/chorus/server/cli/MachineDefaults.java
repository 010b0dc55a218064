package io.chorus.server.cli;

import io.chorus.server.ServerConfig;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Supplies the option defaults that are read from the machine when the server starts, so they cannot
 * be written into an annotation; picocli then shows them in {@code --help} like any other default.
 */
public final class MachineDefaults implements IDefaultValueProvider {

    @Override
    public String defaultValue(ArgSpec arg) {
        if (arg instanceof OptionSpec option && option.longestName().equals("--max-connections")) {
            // Same form as the annotations: the environment variable wins, else the value from ServerConfig.
            return "${env:CHORUS_MAX_CONNECTIONS:-" + ServerConfig.DEFAULT_MAX_CONNECTIONS + "}";
        }
        return null;
    }
}
