package io.chorus.server.support;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Locale;

/**
 * The I/O transports a Chorus process can run on, and how {@code auto} picks one.
 */
public enum TransportKind {
    /** epoll where the native library loads, NIO otherwise. */
    AUTO,
    /** Linux epoll through Netty's native transport. */
    EPOLL,
    /** Linux io_uring through Netty's native transport (needs a kernel and seccomp policy allowing it). */
    IO_URING,
    /** Java NIO selectors; works everywhere. */
    NIO;

    /** Parses {@code auto|epoll|io_uring|io-uring|nio}, case-insensitively. */
    public static TransportKind parse(String text) {
        String key = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        if (key.equals("IOURING")) {
            key = "IO_URING";
        }
        return TransportKind.valueOf(key);
    }

    /** Resolves {@code AUTO} and fails clearly when a native transport was asked for but cannot load. */
    public Transport resolve() {
        return switch (this) {
            case AUTO -> Epoll.isAvailable() ? EPOLL.resolve() : NIO.resolve();
            case EPOLL -> {
                Epoll.ensureAvailability();
                yield new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                        EpollSocketChannel.class, EpollDatagramChannel.class);
            }
            case IO_URING -> {
                IoUring.ensureAvailability();
                yield new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class,
                        IoUringSocketChannel.class, IoUringDatagramChannel.class);
            }
            case NIO -> new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class,
                    NioSocketChannel.class, NioDatagramChannel.class);
        };
    }

    /**
     * A resolved transport: the I/O handler for event loops and the matching channel classes.
     */
    public record Transport(
            String name,
            IoHandlerFactory ioHandlerFactory,
            Class<? extends ServerChannel> serverChannel,
            Class<? extends SocketChannel> socketChannel,
            Class<? extends DatagramChannel> datagramChannel) {
    }
}
