package io.chorus.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.chat.Backplane;
import io.chorus.server.support.TransportKind;
import io.chorus.testing.LineClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A server built with its host's event loops and allocator uses them and leaves them running on close. */
@Timeout(30)
class ChorusServerBuilderTest {

    @Test
    void givenGroupsAndAllocatorAreUsedAndNotShutDown() throws Exception {
        EventLoopGroup accept = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup io = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        CountingAllocator allocator = new CountingAllocator();
        try {
            ServerConfig config = ServerConfig.builder().ephemeralLoopback().transport(TransportKind.NIO)
                    .udpPort(ServerConfig.DISABLED).build();
            ChorusServer server = ChorusServer.builder(config).acceptGroup(accept).ioGroup(io)
                    .allocator(allocator).start();
            try (LineClient chat = LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP))) {
                chat.send("/ping shared");
                assertThat(chat.readUntil("pong")).isEqualTo("*** pong shared");
            }
            server.close();
            assertThat(allocator.allocations.get()).isPositive();
            assertThat(accept.isShuttingDown()).isFalse();
            assertThat(io.isShuttingDown()).isFalse();
            // Still usable by its owner after the server is gone.
            assertThat(io.submit(() -> "still running").get(5, TimeUnit.SECONDS)).isEqualTo("still running");
        } finally {
            accept.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS).syncUninterruptibly();
            io.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }

    @Test
    void aGivenBackplaneAnswersForTheClusterAndIsNotClosed() throws Exception {
        AtomicBoolean closed = new AtomicBoolean();
        Backplane cluster = new Backplane() {
            @Override
            public boolean clustered() {
                return true;
            }

            @Override
            public CompletionStage<List<String>> who(String room) {
                return CompletableFuture.completedFuture(List.of("elsewhere-1", "elsewhere-2"));
            }

            @Override
            public void close() {
                closed.set(true);
            }
        };
        ServerConfig config = ServerConfig.builder().ephemeralLoopback().udpPort(ServerConfig.DISABLED).build();
        ChorusServer server = ChorusServer.builder(config).backplane(cluster).start();
        try (LineClient chat = LineClient.connect(server.port(ChorusServer.Kind.CHAT_TCP))) {
            // A room this node does not hold: only the cluster can say who is in it.
            chat.send("/who faraway");
            assertThat(chat.readUntil("faraway")).isEqualTo("*** #faraway: elsewhere-1, elsewhere-2 (2 members)");
        } finally {
            server.close();
        }
        assertThat(server.chat().orElseThrow().backplane()).isSameAs(cluster);
        assertThat(closed).as("the caller's backplane stays open").isFalse();
    }

    /** Counts buffers handed out, to show the server used the allocator it was given. */
    private static final class CountingAllocator extends AbstractByteBufAllocator {
        final AtomicLong allocations = new AtomicLong();

        CountingAllocator() {
            super(true);
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            allocations.incrementAndGet();
            return Unpooled.directBuffer(initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            allocations.incrementAndGet();
            return Unpooled.buffer(initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }
}
