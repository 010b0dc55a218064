package io.chorus.server.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chorus.server.ChorusServer;
import io.chorus.server.ServerConfig;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
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
 * The web page in headless Chromium against the real server: the page, {@code /ws} and the chat core,
 * with a TCP user in the same room. A deep link joins the room, the browser and the TCP user chat both
 * ways, and after the server drops the browser's connection the page reconnects and shows what the TCP
 * user said meanwhile, once. Screenshots at desktop and phone width go to target/web-screenshots.
 */
@Timeout(180)
class WebChatRealServerIT {

    private static final Path SHOTS = Path.of("target", "web-screenshots");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static ChorusServer server;
    private static ChromeDriver browser;

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/chromium")) || !Files.isExecutable(Path.of("/usr/bin/chromedriver"))) {
            String message = "chromium is not installed (apt-get install -y chromium chromium-driver)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(message);
            }
            Assumptions.abort(message);
        }
        server = ChorusServer.start(ServerConfig.builder().ephemeralLoopback().echoPort(ServerConfig.DISABLED)
                .udpPort(ServerConfig.DISABLED).build());
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
        if (server != null) {
            server.close();
        }
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(browser, WAIT);
    }

    /** The log's lines as "sender|text", for the lines that have a sender. */
    private List<String> messages() {
        return browser.findElements(By.cssSelector("#log li")).stream()
                .filter(li -> !li.findElements(By.className("from")).isEmpty())
                .map(li -> li.findElement(By.className("from")).getText() + "|" + li.findElement(By.className("text")).getText())
                .toList();
    }

    private String logText() {
        return browser.findElement(By.id("log")).getText();
    }

    private void shot(String name) throws Exception {
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), SHOTS.resolve(name),
                StandardCopyOption.REPLACE_EXISTING);
    }

    private static Optional<Member> online(String nick) {
        return server.chat().orElseThrow().nicks().find(nick);
    }

    @Test
    void aBrowserAndATcpUserChatAndThePageCatchesUpAfterTheServerDropsIt() throws Exception {
        int tcp = server.port(ChorusServer.Kind.CHAT_TCP);
        int http = server.port(ChorusServer.Kind.HTTP);
        try (ChatUser bob = ChatUser.in(tcp, "bob", "dev")) {
            browser.manage().window().setSize(new Dimension(1280, 800));
            browser.get("http://127.0.0.1:" + http + "/?nick=alice&room=dev");

            // The deep link connected as alice and joined #dev: the TCP user sees it, the page shows it.
            bob.readUntil("*** alice joined #dev");
            waiting().until(d -> d.findElement(By.id("current-room")).getText().equals("#dev"));
            waiting().until(d -> d.findElement(By.id("status")).getText().equals("connected as alice"));
            waiting().until(d -> d.findElement(By.id("who")).getText().contains("bob"));

            // A TCP user's line shows with its sender.
            bob.send("hello alice, bob on nc here");
            waiting().until(d -> messages().contains("bob|hello alice, bob on nc here"));

            // Enter in the message box sends to the current room; the TCP user gets it, the page shows it once.
            WebElement box = browser.findElement(By.id("message"));
            box.sendKeys("hi bob, from the browser" + Keys.ENTER);
            assertThat(bob.readUntil("<alice>")).isEqualTo("#dev <alice> hi bob, from the browser");
            waiting().until(d -> messages().contains("alice|hi bob, from the browser"));
            assertThat(box.getAttribute("value")).isEmpty();
            // Echo is off on the server: its answers come in command order, so once the pong is shown, a copy
            // of alice's line would have been too.
            box.sendKeys("/ping after-my-line" + Keys.ENTER);
            waiting().until(d -> logText().contains("pong after-my-line"));
            assertThat(messages()).containsOnlyOnce("alice|hi bob, from the browser");
            shot("real-chat-desktop-1280.png");
            browser.manage().window().setSize(new Dimension(390, 844));
            shot("real-chat-phone-390.png");

            // The server drops the browser's connection.
            WebSocketMember alice = (WebSocketMember) online("alice").orElseThrow();
            alice.channel().close();
            await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> online("alice").isEmpty());
            // Said while the page is away (it waits a second before reconnecting).
            bob.send("missed one");
            bob.send("missed two");
            bob.readUntil("alice quit #dev");

            // The page reconnects as alice, rejoins #dev, and asks for what it missed.
            bob.readUntil("*** alice joined #dev");
            try {
                waiting().until(d -> logText().contains("caught up: 2 missed messages"));
            } catch (RuntimeException e) {
                throw new AssertionError("log: " + logText(), e);
            }
            waiting().until(d -> d.findElement(By.id("status")).getText().equals("connected as alice"));
            assertThat(messages()).containsOnlyOnce("bob|missed one", "bob|missed two",
                    "bob|hello alice, bob on nc here");
            assertThat(messages().indexOf("bob|missed one")).isLessThan(messages().indexOf("bob|missed two"));

            // And the chat goes on both ways.
            bob.send("welcome back");
            waiting().until(d -> messages().contains("bob|welcome back"));
            browser.findElement(By.id("message")).sendKeys("thanks" + Keys.ENTER);
            assertThat(bob.readUntil("<alice>")).isEqualTo("#dev <alice> thanks");
            shot("real-chat-phone-390-resumed.png");
        }
    }
}
