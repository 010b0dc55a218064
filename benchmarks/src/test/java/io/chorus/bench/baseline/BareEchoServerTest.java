package io.chorus.bench.baseline;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.support.TransportKind;
import io.netty.util.NettyRuntime;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class BareEchoServerTest {

    @Test
    void zeroThreadsMeansOneEventLoopPerCoreLikeChorus() throws Exception {
        try (BareEchoServer server = BareEchoServer.start(
                new BareEchoServer.Config("127.0.0.1", 0, TransportKind.AUTO, 0, 4096))) {
            assertThat(server.ioThreads()).isEqualTo(NettyRuntime.availableProcessors());
        }
    }

    @Test
    void anExplicitThreadCountIsKeptAndLinesComeBack() throws Exception {
        try (BareEchoServer server = BareEchoServer.start(
                new BareEchoServer.Config("127.0.0.1", 0, TransportKind.AUTO, 3, 4096));
                Socket socket = new Socket("127.0.0.1", server.port())) {
            assertThat(server.ioThreads()).isEqualTo(3);
            OutputStream out = socket.getOutputStream();
            out.write("one\r\ntwo\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            assertThat(new String(in.readNBytes("one\ntwo\n".length()), StandardCharsets.UTF_8)).isEqualTo("one\ntwo\n");
        }
    }
}
