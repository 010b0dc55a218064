package io.chorus.client.cli;

import io.chorus.client.line.ConnectFailure;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;

/**
 * Sends each line as one UDP datagram and prints every reply, waiting up to the linger for each.
 */
public final class UdpSender {

    private static final int MAX_DATAGRAM = 65_507;

    private final String host;
    private final int port;
    private final Duration linger;
    private final PrintStream out;
    private final PrintStream err;

    public UdpSender(String host, int port, Duration linger, PrintStream out, PrintStream err) {
        this.host = host;
        this.port = port;
        this.linger = linger;
        this.out = out;
        this.err = err;
    }

    /** Returns 0 when every datagram got a reply, 1 when some did not or the host is unknown. */
    public int run(Iterator<String> lines) throws IOException {
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            err.println(ConnectFailure.describe(host, port, e));
            return 1;
        }
        int missing = 0;
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(0))) {
            socket.setSoTimeout((int) Math.max(1, linger.toMillis()));
            byte[] reply = new byte[MAX_DATAGRAM];
            while (lines.hasNext()) {
                byte[] payload = lines.next().getBytes(StandardCharsets.UTF_8);
                socket.send(new DatagramPacket(payload, payload.length, address, port));
                DatagramPacket packet = new DatagramPacket(reply, reply.length);
                try {
                    socket.receive(packet);
                    out.println(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8));
                    out.flush();
                } catch (SocketTimeoutException e) {
                    missing++;
                }
            }
        }
        if (missing > 0) {
            err.println("no reply from " + host + ":" + port + "/udp for " + missing + " datagram(s)");
            return 1;
        }
        return 0;
    }
}
