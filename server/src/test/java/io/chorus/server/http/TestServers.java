package io.chorus.server.http;

import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import java.util.function.UnaryOperator;

/** Test servers: everything on free loopback ports, echo and UDP off unless a test needs them. */
final class TestServers {

    private TestServers() {
    }

    static ServerConfig.Builder config() {
        return ServerConfig.builder().ephemeralLoopback().echoPort(ServerConfig.DISABLED).udpPort(ServerConfig.DISABLED);
    }

    static ChorusServer start(UnaryOperator<ServerConfig.Builder> tweak) throws InterruptedException {
        return ChorusServer.start(tweak.apply(config()).build());
    }

    static String base(ChorusServer server) {
        return "http://127.0.0.1:" + server.port(ChorusServer.Kind.HTTP);
    }
}
