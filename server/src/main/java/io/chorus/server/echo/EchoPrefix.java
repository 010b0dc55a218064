package io.chorus.server.echo;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The {@code --echo-prefix} bytes, encoded once into one direct buffer that every reply shares.
 *
 * <p>The buffer is unreleasable and never written to: each reply gets a {@link #share() duplicate}
 * with its own indices, which the transport may "release" after writing without freeing anything.
 * The memory lives as long as the listener's initializer and is left to the garbage collector.
 */
final class EchoPrefix {

    private final byte[] bytes;
    private final ByteBuf shared;

    EchoPrefix(String text) {
        this.bytes = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        // wrappedBuffer on a JDK buffer is not tracked by the leak detector: the JDK frees it.
        this.shared = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(direct));
    }

    boolean isEmpty() {
        return bytes.length == 0;
    }

    int length() {
        return bytes.length;
    }

    /** The raw bytes, for replies that are assembled by copying (line mode). */
    byte[] bytes() {
        return bytes;
    }

    /** A view of the prefix for one write; the caller may hand it to the transport, which owns nothing. */
    ByteBuf share() {
        return shared.duplicate();
    }
}
