package io.chorus.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.support.ConnectionLimiter;
import io.chorus.server.support.ConnectionTracker;
import io.chorus.server.support.ListenerFront;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page's side of the {@code /ws} protocol in headless Chromium, against a scripted stand-in
 * for the chat core on {@code /ws} (the real one arrives with issue #11): the page served by the real
 * HTTP pipeline and static files, the WebSocket through the real upgrade. The test plays the server:
 * it reads the command lines the page sends and answers with JSON events as docs/PROTOCOL.md shows.
 */
@Timeout(180)
class WebChatPageIT {

    private static final Path SHOTS = Path.of("target", "web-screenshots");
    private static final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private static final BlockingQueue<Channel> connections = new LinkedBlockingQueue<>();

    private static EventLoopGroup group;
    private static Channel listener;
    private static ChromeDriver browser;

    /** The stand-in chat endpoint: every text frame is a line the page sent. */
    private static final class ScriptedChat extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                connections.add(ctx.channel());
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame text) {
                received.add(text.text());
                text.release();
                return;
            }
            ctx.fireChannelRead(msg);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/chromium")) || !Files.isExecutable(Path.of("/usr/bin/chromedriver"))) {
            String message = "chromium is not installed (apt-get install -y chromium chromium-driver)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(message);
            }
            Assumptions.abort(message);
        }
        HttpRoutes routes = HttpRoutes.builder()
                .fallback(StaticFiles.page())
                .webSocket("/ws", (p, max) -> {
                    WebSocketText.textMessages(p, max);
                    p.addLast("scripted-chat", new ScriptedChat());
                })
                .build();
        HttpSettings settings = new HttpSettings(8192, 65536, 4096, Duration.ZERO, new OriginPolicy(List.of()));
        ListenerFront front = ListenerFront.plain(new ConnectionLimiter(0, 0),
                new ConnectionTracker("http", new DefaultChannelGroup(GlobalEventExecutor.INSTANCE)));
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new HttpServerInitializer(front, routes, settings))
                .bind("127.0.0.1", 0).sync().channel();

        Path profile = Files.createTempDirectory("chorus-chromium");
        ChromeOptions options = new ChromeOptions().setBinary("/usr/bin/chromium").addArguments(
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile);
        browser = new ChromeDriver(new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).build(), options);
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static String base() {
        return "http://127.0.0.1:" + ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Waits for the page to send {@code line}, skipping the lines before it. */
    private static void expectSent(String line) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String next = received.poll(1, TimeUnit.SECONDS);
            if (line.equals(next)) {
                return;
            }
        }
        throw new AssertionError("the page never sent " + line);
    }

    private static Channel nextConnection() throws InterruptedException {
        Channel ch = connections.poll(30, TimeUnit.SECONDS);
        assertThat(ch).as("the page opened /ws").isNotNull();
        return ch;
    }

    private static void push(Channel ch, String json) {
        ch.writeAndFlush(new TextWebSocketFrame(json)).syncUninterruptibly();
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(browser, Duration.ofSeconds(30));
    }

    private String logText() {
        return browser.findElement(By.id("log")).getText();
    }

    @Test
    void deepLinkChatsRendersTextAsTextAndResumesAfterADrop() throws Exception {
        browser.manage().window().setSize(new Dimension(1280, 800));
        browser.get(base() + "/?nick=alice&room=dev");
        browser.executeScript("window.stillTheSamePage = true");

        // The deep link connects by itself, takes the nick and joins the room.
        Channel first = nextConnection();
        push(first, "{\"type\":\"welcome\",\"nick\":\"guest-1\",\"room\":\"lobby\",\"server\":\"Chorus\"}");
        expectSent("/nick alice");
        expectSent("/join dev");
        push(first, "{\"type\":\"nick\",\"old\":\"guest-1\",\"new\":\"alice\"}");
        push(first, "{\"type\":\"join\",\"room\":\"dev\",\"nick\":\"alice\"}");
        expectSent("/who dev");
        push(first, "{\"type\":\"who\",\"room\":\"dev\",\"nicks\":[\"alice\",\"bob\"]}");
        push(first, "{\"type\":\"rooms\",\"rooms\":[{\"name\":\"dev\",\"members\":2},{\"name\":\"lobby\",\"members\":1}]}");
        waiting().until(d -> d.findElement(By.id("current-room")).getText().equals("#dev"));
        waiting().until(d -> d.findElement(By.id("who")).getText().contains("bob"));
        waiting().until(d -> d.findElement(By.id("rooms")).getText().contains("#dev\n2")
                || d.findElement(By.id("rooms")).getText().contains("#dev 2"));
        assertThat(browser.findElement(By.id("status")).getText()).isEqualTo("connected as alice");

        // Another user's text is shown as text, never run as HTML.
        String hostile = "<img src=x onerror=\\\"document.title='pwned'\\\"><b>bold</b>";
        push(first, "{\"type\":\"message\",\"room\":\"dev\",\"from\":\"bob\",\"text\":\"" + hostile
                + "\",\"id\":5,\"ts\":\"2026-11-25T12:01:13.647Z\"}");
        waiting().until(d -> logText().contains("<b>bold</b>"));
        assertThat(browser.findElements(By.cssSelector("#log img, #log b"))).isEmpty();
        assertThat(browser.getTitle()).isEqualTo("Chorus chat");
        assertThat(logText()).contains("bob", "<img src=x onerror=\"document.title='pwned'\"><b>bold</b>");

        // Enter sends to the current room without reloading; a leading / is a command.
        WebElement message = browser.findElement(By.id("message"));
        message.sendKeys("hello from the browser" + Keys.ENTER);
        expectSent("hello from the browser");
        assertThat(message.getAttribute("value")).isEmpty();
        message.sendKeys("/me waves" + Keys.ENTER);
        expectSent("/me waves");
        message.sendKeys("/msg bob psst" + Keys.ENTER);
        expectSent("/msg bob psst");
        assertThat(browser.executeScript("return window.stillTheSamePage")).isEqualTo(true);
        waiting().until(d -> logText().contains("hello from the browser") && logText().contains("waves"));

        // Private messages, actions and errors are shown.
        push(first, "{\"type\":\"private\",\"from\":\"bob\",\"to\":\"alice\",\"text\":\"just you\",\"ts\":\"2026-11-25T12:01:14.253Z\"}");
        push(first, "{\"type\":\"action\",\"room\":\"dev\",\"from\":\"bob\",\"text\":\"nods\",\"id\":6,\"ts\":\"2026-11-25T12:01:15.000Z\"}");
        push(first, "{\"type\":\"error\",\"code\":\"no-such-nick\",\"message\":\"carol is not connected\"}");
        waiting().until(d -> logText().contains("just you") && logText().contains("* bob")
                && logText().contains("no-such-nick: carol is not connected"));
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), SHOTS.resolve("chat-desktop-1280.png"),
                StandardCopyOption.REPLACE_EXISTING);
        browser.manage().window().setSize(new Dimension(390, 844));
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), SHOTS.resolve("chat-phone-390.png"),
                StandardCopyOption.REPLACE_EXISTING);

        // The connection drops: the page reconnects, rejoins, and asks for what it missed since id 6.
        first.close().syncUninterruptibly();
        waiting().until(d -> d.findElement(By.id("status")).getText().contains("reconnecting")
                || d.findElement(By.id("status")).getText().startsWith("connect"));
        Channel second = nextConnection();
        received.clear();
        push(second, "{\"type\":\"welcome\",\"nick\":\"guest-2\",\"room\":\"lobby\",\"server\":\"Chorus\"}");
        expectSent("/nick alice");
        expectSent("/join dev");
        push(second, "{\"type\":\"nick\",\"old\":\"guest-2\",\"new\":\"alice\"}");
        push(second, "{\"type\":\"join\",\"room\":\"dev\",\"nick\":\"alice\"}");
        expectSent("/history dev since 6");
        push(second, "{\"type\":\"message\",\"room\":\"dev\",\"from\":\"bob\",\"text\":\"while you were away\",\"id\":9,"
                + "\"ts\":\"2026-11-25T12:05:00.000Z\",\"replay\":true}");
        push(second, "{\"type\":\"history\",\"room\":\"dev\",\"complete\":false,\"messages\":1,\"first\":9,\"last\":9}");
        waiting().until(d -> logText().contains("while you were away") && logText().contains("were missed"));
        assertThat(browser.executeScript("return window.stillTheSamePage")).isEqualTo(true);
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), SHOTS.resolve("chat-phone-390-resumed.png"),
                StandardCopyOption.REPLACE_EXISTING);
    }
}
