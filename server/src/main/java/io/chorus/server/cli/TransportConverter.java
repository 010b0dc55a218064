package io.chorus.server.cli;

import io.chorus.server.support.TransportKind;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code --transport auto|epoll|io_uring|nio}. */
public final class TransportConverter implements ITypeConverter<TransportKind> {

    @Override
    public TransportKind convert(String value) {
        try {
            return TransportKind.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("'" + value + "' is not a transport: use auto, epoll, io_uring or nio");
        }
    }
}
