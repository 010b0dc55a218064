package io.chorus.server.cli;

import io.chorus.server.ServerConfig;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a listener port: a number from 0 (any free port) to 65535, or {@code off} (also {@code -1})
 * to turn the listener off.
 */
public final class PortConverter implements ITypeConverter<Integer> {

    @Override
    public Integer convert(String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        if (text.equals("off") || text.equals("-1") || text.equals("none")) {
            return ServerConfig.DISABLED;
        }
        try {
            int port = Integer.parseInt(text);
            if (port >= 0 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the message below
        }
        throw new TypeConversionException("'" + value + "' is not a port: use 0-65535, or off");
    }
}
