package io.chorus.server.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import io.chorus.testing.LineClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The echo listeners in line mode over real loopback sockets. */
@Timeout(60)
class EchoIntegrationTest {

    private static ChorusServer server;
    private static int tcpPort;

    @BeforeAll
    static void start() throws InterruptedException {
        server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().chatPort(ServerConfig.DISABLED)
                .echoMode(EchoMode.LINE).maxConnectionsPerIp(0).build());
        tcpPort = server.port(ChorusServer.Kind.ECHO_TCP);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A printable line of random length, with some multibyte characters, from a seeded generator. */
    private static String randomLine(Random random) {
        int length = random.nextInt(200);
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            int pick = random.nextInt(20);
            if (pick == 0) {
                sb.append('\u00e9');
            } else if (pick == 1) {
                sb.append("\ud83d\ude00");
            } else {
                sb.append((char) (' ' + random.nextInt(95)));
            }
        }
        return sb.toString();
    }

    @Test
    void manyConcurrentClientsGetEveryLineBackExactly() throws Exception {
        int clients = 40;
        int linesPerClient = 300;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            List<List<String>> sent = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                Random random = new Random(1000 + c);
                List<String> lines = new ArrayList<>();
                StringBuilder wire = new StringBuilder();
                for (int i = 0; i < linesPerClient; i++) {
                    String line = randomLine(random);
                    lines.add(line);
                    wire.append(line).append(random.nextBoolean() ? "\r\n" : "\n");
                }
                sent.add(lines);
                byte[] bytes = wire.toString().getBytes(StandardCharsets.UTF_8);
                long chunkSeed = 7 + c;
                results.add(pool.submit(() -> {
                    try (LineClient client = LineClient.connect(tcpPort)) {
                        // Write in random-sized chunks so lines straddle TCP segments.
                        Random chunks = new Random(chunkSeed);
                        Thread writer = new Thread(() -> {
                            try {
                                int offset = 0;
                                while (offset < bytes.length) {
                                    int n = Math.min(bytes.length - offset, 1 + chunks.nextInt(700));
                                    client.sendRaw(Arrays.copyOfRange(bytes, offset, offset + n));
                                    offset += n;
                                }
                            } catch (IOException e) {
                                throw new RuntimeException(e);
                            }
                        });
                        writer.start();
                        List<String> got = new ArrayList<>();
                        for (int i = 0; i < linesPerClient; i++) {
                            got.add(client.readLine());
                        }
                        writer.join();
                        return got;
                    }
                }));
            }
            for (int c = 0; c < clients; c++) {
                assertThat(results.get(c).get(30, TimeUnit.SECONDS)).containsExactlyElementsOf(sent.get(c));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void bulkInputFasterThanThePeerReadsIsEchoedCompletely() throws Exception {
        int lines = 200_000;
        try (LineClient client = LineClient.connect(tcpPort)) {
            // The writer runs ahead of the reader, so the server must pause reading and resume.
            Thread writer = new Thread(() -> {
                try {
                    StringBuilder batch = new StringBuilder();
                    for (int i = 0; i < lines; i++) {
                        batch.append(i).append('\n');
                        if (batch.length() > 32_000) {
                            client.sendRaw(batch.toString());
                            batch.setLength(0);
                        }
                    }
                    client.sendRaw(batch.toString());
                    client.socket().shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            Thread.sleep(200);
            for (int i = 0; i < lines; i++) {
                assertThat(client.readLine()).isEqualTo(Integer.toString(i));
            }
            assertThat(client.readLine()).isNull();
            writer.join();
        }
    }

    @Test
    void overlongLineGetsAnErrorAndTheConnectionStaysUsable() throws IOException {
        try (LineClient client = LineClient.connect(tcpPort)) {
            client.send("x".repeat(5000));
            assertThat(client.readLine()).isEqualTo("!!! line-too-long: line longer than 4096 bytes was discarded");
            client.send("still here");
            assertThat(client.readLine()).isEqualTo("still here");
        }
    }

    @Test
    void invalidUtf8IsEchoedByteForByte() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", tcpPort)) {
            socket.setSoTimeout(10_000);
            byte[] garbage = {(byte) 0xFF, (byte) 0xC3, '(', 0, 1, 2, '\n'};
            socket.getOutputStream().write(garbage);
            byte[] back = socket.getInputStream().readNBytes(garbage.length);
            assertThat(back).isEqualTo(garbage);
        }
    }

    @Test
    void unterminatedLastLineIsEchoedOnHalfClose() throws IOException {
        try (LineClient client = LineClient.connect(tcpPort)) {
            client.sendRaw("one\ntwo");
            client.socket().shutdownOutput();
            assertThat(client.readLine()).isEqualTo("one");
            assertThat(client.readLine()).isEqualTo("two");
            assertThat(client.readLine()).isNull();
        }
    }

    @Test
    void abruptResetsDoNotDisturbTheServer() throws IOException {
        for (int i = 0; i < 200; i++) {
            LineClient client = LineClient.connect(tcpPort);
            client.sendRaw("half a li");
            client.reset();
        }
        try (LineClient client = LineClient.connect(tcpPort)) {
            client.send("after the storm");
            assertThat(client.readLine()).isEqualTo("after the storm");
        }
    }

    @Test
    void otherClientsAreServedWhileOneStreamsFiftyMegabytesWithoutNewline() throws Exception {
        Thread streamer = new Thread(() -> {
            try (Socket socket = new Socket("127.0.0.1", tcpPort)) {
                OutputStream out = socket.getOutputStream();
                byte[] chunk = new byte[64 * 1024];
                Arrays.fill(chunk, (byte) 'z');
                for (int sent = 0; sent < 50 * 1024 * 1024; sent += chunk.length) {
                    out.write(chunk);
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        streamer.start();
        try (LineClient other = LineClient.connect(tcpPort)) {
            int round = 0;
            while (streamer.isAlive() && round < 10_000) {
                other.send("ping " + round);
                assertThat(other.readLine()).isEqualTo("ping " + round);
                round++;
            }
            assertThat(round).isPositive();
        }
        streamer.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(streamer.isAlive()).isFalse();
    }

    @Test
    void udpDatagramsComeBackUnchanged() throws IOException {
        int udpPort = server.port(ChorusServer.Kind.ECHO_UDP);
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            socket.setSoTimeout(5_000);
            Random random = new Random(42);
            for (int i = 0; i < 20; i++) {
                byte[] payload = new byte[1 + random.nextInt(1400)];
                random.nextBytes(payload);
                socket.send(new DatagramPacket(payload, payload.length, InetAddress.getByName("127.0.0.1"), udpPort));
                DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
                socket.receive(reply);
                assertThat(Arrays.copyOf(reply.getData(), reply.getLength())).isEqualTo(payload);
            }
        }
    }

    @Test
    void serverCountsLiveConnections() throws Exception {
        // Connections of earlier tests may still be closing on the server side.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.liveConnections() == 0);
        try (LineClient a = LineClient.connect(tcpPort); LineClient b = LineClient.connect(tcpPort)) {
            a.send("a");
            b.send("b");
            a.readLine();
            b.readLine();
            assertThat(server.liveConnections()).isEqualTo(2);
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.liveConnections() == 0);
    }
}
