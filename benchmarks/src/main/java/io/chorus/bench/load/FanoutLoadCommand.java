package io.chorus.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code load fanout} subcommand: reads options into a {@link FanoutLoadConfig} and runs {@link FanoutLoad}.
 */
@Command(name = "fanout",
        header = "One room, P publishers, S subscribers: deliveries/s, latency and loss.",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Publishes timestamped payloads at --rate msg/s into a room with --subscribers",
            "listeners; measures deliveries/s, publish-to-delivery latency and loss.",
            "The defaults speak Chorus chat; start Chorus with --rate-limit 0 and",
            "--max-connections-per-ip 0, or its abuse limits throttle the run.",
            "Other line-based brokers:",
            "  Redis:       --subscribe-line 'SUBSCRIBE {room}' --publisher-line ''",
            "               --publish-format 'PUBLISH {room} {payload}'",
            "               --ready-line-contains subscribe",
            "  Chorus, subscribers on WebSocket: --ws-port 8080 (publishers stay on --port);",
            "               the ready text defaults to the JSON join event then; run the server",
            "               with --idle-timeout 0, as raw subscribers do not answer pings",
            "  Chorus cluster, subscribers over two nodes: --port A --subscriber-ports A,B",
            "               (subscriber i goes to port i mod 2; the publishers stay on --port);",
            "               the result then shows each port's subscribers, delivered and latency",
            "  ncat --chat: --subscribe-line '' --publisher-line ''",
            "               --ready-line-contains 'already connected'",
            "               --connect-concurrency 8",
            "Exit code: 0 if nothing was lost and there were no errors, 1 otherwise,",
            "2 for bad options."
        })
public final class FanoutLoadCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--subscribers", paramLabel = "S", defaultValue = "" + FanoutLoadConfig.DEFAULT_SUBSCRIBERS,
            description = "Subscriber connections. Default: ${DEFAULT-VALUE}.")
    int subscribers;

    @Option(names = "--publishers", paramLabel = "P", defaultValue = "" + FanoutLoadConfig.DEFAULT_PUBLISHERS,
            description = "Publisher connections. Default: ${DEFAULT-VALUE}.")
    int publishers;

    @Option(names = "--rate", paramLabel = "MSG/S", defaultValue = "" + FanoutLoadConfig.DEFAULT_RATE,
            description = "Messages published per second over all publishers. Default: ${DEFAULT-VALUE}.")
    long rate;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "" + FanoutLoadConfig.DEFAULT_SIZE,
            description = "Payload bytes per message; at least " + Payload.MIN_SIZE + ". Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(names = "--room", paramLabel = "NAME", defaultValue = FanoutLoadConfig.DEFAULT_ROOM,
            description = "Replaces {room} in the lines below. Default: ${DEFAULT-VALUE}.")
    String room;

    @Option(names = "--subscribe-line", paramLabel = "LINE", defaultValue = FanoutLoadConfig.DEFAULT_SUBSCRIBE_LINE,
            description = "Sent once by each subscriber after connecting; '' sends nothing. Default: ${DEFAULT-VALUE}.")
    String subscribeLine;

    @Option(names = "--publisher-line", paramLabel = "LINE", defaultValue = FanoutLoadConfig.DEFAULT_PUBLISHER_LINE,
            description = "Sent once by each publisher after connecting; '' sends nothing. Default: ${DEFAULT-VALUE}.")
    String publisherLine;

    @Option(names = "--publish-format", paramLabel = "LINE", defaultValue = FanoutLoadConfig.DEFAULT_PUBLISH_FORMAT,
            description = "One published line; must contain {payload}. Default: ${DEFAULT-VALUE}.")
    String publishFormat;

    @Option(names = "--ready-line-contains", paramLabel = "TEXT", defaultValue = FanoutLoadConfig.DEFAULT_READY_LINE_CONTAINS,
            description = "A subscriber is ready once it receives a line containing TEXT ({room} is filled in); "
                    + "'' = ready once connected. Subscribers not ready within --timeout are left out of the "
                    + "expected count and counted as errors. Default: ${DEFAULT-VALUE}.")
    String readyLineContains;

    @Option(names = "--settle", paramLabel = "SECONDS", defaultValue = "1",
            description = "Extra wait after the subscribers are ready, before publishing. Default: ${DEFAULT-VALUE}.")
    double settleSeconds;

    @Option(names = "--ws-port", paramLabel = "PORT",
            description = "Subscribers connect over WebSocket to this port on --host (Chorus's HTTP port) and "
                    + "send their subscribe line as a text frame; publishers stay on --port. Default: TCP subscribers.")
    Integer wsPort;

    @Option(names = "--ws-path", paramLabel = "PATH", defaultValue = FanoutLoadConfig.WebSocketTarget.DEFAULT_PATH,
            description = "The WebSocket path with --ws-port. Default: ${DEFAULT-VALUE}.")
    String wsPath;

    @Option(names = "--subscriber-ports", paramLabel = "PORT", split = ",", splitSynopsisLabel = ",",
            description = "Spread the TCP subscribers over these ports on --host, round robin (subscriber i to "
                    + "port i mod n), e.g. the chat ports of several cluster nodes; publishers stay on --port. "
                    + "The result adds deliveries and latency per port. Not with --ws-port. Default: all on --port.")
    List<Integer> subscriberPorts = new ArrayList<>();

    /** What marks a WebSocket subscriber ready by default: the JSON join event for the room. */
    static final String WS_READY_LINE_CONTAINS = "\"type\":\"join\",\"room\":\"{room}\"";

    private FanoutResult result;

    /** The last run's result, for callers that run the command in-process (tests). */
    public FanoutResult result() {
        return result;
    }

    @Override
    public Integer call() throws InterruptedException {
        FanoutLoadConfig config;
        try {
            if (Double.isNaN(settleSeconds) || settleSeconds < 0 || settleSeconds > 3600) {
                throw new IllegalArgumentException("settle must be 0-3600 seconds: " + settleSeconds);
            }
            FanoutLoadConfig.WebSocketTarget ws = wsPort == null ? null
                    : new FanoutLoadConfig.WebSocketTarget(wsPort, wsPath);
            // Over WebSocket, Chorus speaks JSON: "joined #room" is a text-format line it never sends there.
            String ready = ws != null && readyLineContains.equals(FanoutLoadConfig.DEFAULT_READY_LINE_CONTAINS)
                    ? WS_READY_LINE_CONTAINS : readyLineContains;
            config = new FanoutLoadConfig(common.toSettings(), subscribers, publishers, size, rate, room, subscribeLine,
                    publisherLine, publishFormat, ready, Duration.ofNanos(Math.round(settleSeconds * 1e9)), ws,
                    subscriberPorts);
        } catch (IllegalArgumentException e) {
            throw LoadCommand.badOption(spec, e);
        }
        result = FanoutLoad.run(config, spec.commandLine().getErr());
        LoadCommand.print(spec, common.json, result.report());
        return result.errors() == 0 && result.lost() == 0 && result.delivered() > 0 ? 0 : 1;
    }
}
