package io.chorus.server.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.RateLimit;
import io.chorus.server.ServerConfig;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * UDP echo over real loopback sockets: whole datagrams up to the UDP maximum, no answers to
 * privileged source ports, and a rate limit per source address.
 *
 * <p>To show that something was <em>not</em> answered without waiting on a clock, each test then sends
 * a marker datagram from another socket and waits for its reply: the server handles datagrams in
 * the order they arrived, so by then any reply to the earlier ones is already in the receive queue.
 */
@Timeout(60)
class UdpEchoIntegrationTest {

    /** The largest UDP payload over IPv4: 65,535 - 20 (IP header) - 8 (UDP header). */
    private static final int MAX_IPV4_PAYLOAD = 65_507;

    private static ServerConfig.Builder udpOnly() {
        return ServerConfig.builder().ephemeralLoopback().echoPort(ServerConfig.DISABLED)
                .chatPort(ServerConfig.DISABLED);
    }

    private static DatagramChannel socket(String host, int port) throws IOException {
        DatagramChannel channel = DatagramChannel.open();
        try {
            channel.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 * 1024 * 1024);
            channel.bind(new InetSocketAddress(host, port));
            return channel;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    /** Blocks until one datagram arrives. */
    private static byte[] receive(DatagramChannel channel) throws IOException {
        channel.configureBlocking(true);
        ByteBuffer buffer = ByteBuffer.allocate(70_000);
        channel.receive(buffer);
        buffer.flip();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /** Counts the datagrams already queued, without waiting. */
    private static int drainQueued(DatagramChannel channel) throws IOException {
        channel.configureBlocking(false);
        ByteBuffer buffer = ByteBuffer.allocate(70_000);
        int count = 0;
        while (channel.receive(buffer) != null) {
            buffer.clear();
            count++;
        }
        return count;
    }

    private static void send(DatagramChannel from, byte[] payload, InetSocketAddress to) throws IOException {
        from.configureBlocking(true);
        assertThat(from.send(ByteBuffer.wrap(payload), to)).isEqualTo(payload.length);
    }

    /** Sends a marker from {@code marker} and waits for it to come back: everything sent before is handled. */
    private static void awaitMarker(DatagramChannel marker, InetSocketAddress server) throws IOException {
        byte[] text = "marker".getBytes(StandardCharsets.UTF_8);
        send(marker, text, server);
        assertThat(new String(receive(marker), StandardCharsets.UTF_8)).endsWith("marker");
    }

    @Test
    void theLargestDatagramComesBackWhole() throws Exception {
        try (ChorusServer server = ChorusServer.start(udpOnly().build());
             DatagramChannel client = socket("127.0.0.1", 0)) {
            InetSocketAddress address = server.address(ChorusServer.Kind.ECHO_UDP).orElseThrow();
            Random random = new Random(65_507);
            for (int size : new int[] {MAX_IPV4_PAYLOAD, 2_049, 40_000, 1}) {
                byte[] payload = new byte[size];
                random.nextBytes(payload);
                send(client, payload, address);
                assertThat(receive(client)).as("a %d-byte datagram", size).isEqualTo(payload);
            }
        }
    }

    @Test
    void thePrefixGoesBeforeEachDatagram() throws Exception {
        try (ChorusServer server = ChorusServer.start(udpOnly().echoPrefix("Echo: ").build());
             DatagramChannel client = socket("127.0.0.1", 0)) {
            InetSocketAddress address = server.address(ChorusServer.Kind.ECHO_UDP).orElseThrow();
            send(client, "Hello, server!".getBytes(StandardCharsets.UTF_8), address);
            assertThat(new String(receive(client), StandardCharsets.UTF_8)).isEqualTo("Echo: Hello, server!");
            send(client, "two".getBytes(StandardCharsets.UTF_8), address);
            assertThat(new String(receive(client), StandardCharsets.UTF_8)).isEqualTo("Echo: two");
        }
    }

    @Test
    void aDatagramFromAPrivilegedPortIsNotAnswered() throws Exception {
        try (ChorusServer server = ChorusServer.start(udpOnly().build());
             DatagramChannel chargen = lowPortSocket();
             DatagramChannel marker = socket("127.0.0.1", 0)) {
            InetSocketAddress address = server.address(ChorusServer.Kind.ECHO_UDP).orElseThrow();
            send(chargen, "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGH".getBytes(StandardCharsets.US_ASCII), address);
            awaitMarker(marker, address);
            assertThat(drainQueued(chargen)).as("replies to port %d", ((InetSocketAddress) chargen.getLocalAddress()).getPort())
                    .isZero();
        }
    }

    @Test
    void aBurstFromOneSourceGetsOnlyTheAllowedRepliesWhileAnotherSourceIsServed() throws Exception {
        // A rate so low that no token comes back during the test: exactly the burst is answered.
        RateLimit limit = new RateLimit(0.001, 5);
        try (ChorusServer server = ChorusServer.start(udpOnly().udpRateLimit(limit).build());
             DatagramChannel flooder = socket("127.0.0.1", 0);
             DatagramChannel other = socket("127.0.0.2", 0)) {
            InetSocketAddress address = server.address(ChorusServer.Kind.ECHO_UDP).orElseThrow();
            for (int i = 0; i < 50; i++) {
                send(flooder, ("flood " + i).getBytes(StandardCharsets.UTF_8), address);
            }
            // 127.0.0.2 is another source address, with its own budget.
            awaitMarker(other, address);
            assertThat(drainQueued(flooder)).as("replies to the flooding source").isEqualTo(5);
            send(other, "still served".getBytes(StandardCharsets.UTF_8), address);
            assertThat(new String(receive(other), StandardCharsets.UTF_8)).isEqualTo("still served");
        }
    }

    /** A socket on a free port below 1024, where chargen (19) and echo (7) live; the tests run as root. */
    private static DatagramChannel lowPortSocket() throws IOException {
        for (int port : new int[] {19, 7, 1023, 1022, 1021, 1020, 999, 998, 997}) {
            try {
                return socket("127.0.0.1", port);
            } catch (BindException taken) {
                // Someone else has it; try the next.
            }
        }
        throw new IllegalStateException("no free UDP port below 1024 to send from (are the tests running as root?)");
    }
}
