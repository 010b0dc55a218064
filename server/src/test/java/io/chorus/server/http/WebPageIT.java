package io.chorus.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.chorus.server.ChorusServer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page in a real browser (Debian's headless Chromium through Selenium): it loads from the
 * server, shows a usable message box, and lays out at desktop and phone width. Screenshots go to
 * {@code target/web-screenshots/}. Skipped with a note without chromium; failing under CI.
 */
@Timeout(180)
class WebPageIT {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final Path SHOTS = Path.of("target", "web-screenshots");

    private static ChorusServer server;
    private static ChromeDriver browser;
    private static Path profile;

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(Path.of(CHROMIUM)) || !Files.isExecutable(Path.of(CHROMEDRIVER))) {
            String message = "chromium is not installed (apt-get install -y chromium chromium-driver)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(message);
            }
            Assumptions.abort(message);
        }
        server = TestServers.start(b -> b);
        profile = Files.createTempDirectory("chorus-chromium");
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments(
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile);
        // Naming the driver keeps Selenium Manager from trying to download one.
        browser = new ChromeDriver(new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).build(), options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
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

    private void load(int width, int height) {
        browser.manage().window().setSize(new Dimension(width, height));
        browser.get(TestServers.base(server) + "/?room=lobby");
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> d.findElement(By.id("message")).isDisplayed());
    }

    private void screenshot(String name) throws Exception {
        Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void theMessageBoxIsThereAtDesktopWidth() throws Exception {
        load(1280, 800);
        assertThat(browser.getTitle()).isEqualTo("Chorus chat");
        WebElement message = browser.findElement(By.id("message"));
        assertThat(message.getAttribute("name")).isEqualTo("message");
        assertThat(message.getAttribute("placeholder")).startsWith("message");
        assertThat(message.isEnabled()).isTrue();
        message.sendKeys("typed here");
        assertThat(message.getAttribute("value")).isEqualTo("typed here");
        assertThat(browser.findElement(By.id("current-room")).getText()).isEqualTo("#lobby");
        // Three columns: the rooms, the messages and the people sit side by side.
        int roomsX = browser.findElement(By.cssSelector(".rooms")).getRect().getX();
        int chatX = browser.findElement(By.cssSelector(".chat")).getRect().getX();
        int peopleX = browser.findElement(By.cssSelector(".people")).getRect().getX();
        assertThat(roomsX).isLessThan(chatX);
        assertThat(chatX).isLessThan(peopleX);
        screenshot("desktop-1280.png");
    }

    @Test
    void itFitsAPhone() throws Exception {
        load(390, 844);
        WebElement message = browser.findElement(By.id("message"));
        assertThat(message.isDisplayed()).isTrue();
        // Nothing sticks out sideways: the page is as wide as the window.
        Long scrollWidth = (Long) browser.executeScript("return document.documentElement.scrollWidth");
        Long clientWidth = (Long) browser.executeScript("return document.documentElement.clientWidth");
        assertThat(scrollWidth).isLessThanOrEqualTo(clientWidth);
        org.openqa.selenium.Rectangle box = message.getRect();
        assertThat(box.getX()).isGreaterThanOrEqualTo(0);
        assertThat(box.getX() + box.getWidth()).isLessThanOrEqualTo(clientWidth.intValue());
        screenshot("phone-390.png");
    }
}
