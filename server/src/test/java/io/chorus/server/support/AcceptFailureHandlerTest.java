package io.chorus.server.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Failed accepts on a listener's pipeline, on an {@link EmbeddedChannel} standing in for the server
 * channel, with Netty's fake time: what the log says, and when accepting resumes.
 */
class AcceptFailureHandlerTest {

    private static final IOException EMFILE = new IOException("Too many open files");

    private final List<LogEvent> logged = new CopyOnWriteArrayList<>();
    private final AbstractAppender appender = new AbstractAppender("accept-failures", null, null, true, Property.EMPTY_ARRAY) {
        @Override
        public void append(LogEvent event) {
            logged.add(event.toImmutable());
        }
    };
    private final Logger logger = (Logger) LogManager.getLogger(AcceptFailureHandler.class);
    private EmbeddedChannel listener;

    @BeforeEach
    void setUp() {
        appender.start();
        logger.addAppender(appender);
        listener = new EmbeddedChannel();
        listener.freezeTime();
        listener.pipeline().addLast(new AcceptFailureHandler());
    }

    @AfterEach
    void tearDown() {
        logger.removeAppender(appender);
        listener.finishAndReleaseAll();
    }

    private List<String> warnings() {
        return logged.stream().map(e -> e.getLevel() + " " + e.getMessage().getFormattedMessage()).toList();
    }

    private void advanceMillis(long millis) {
        listener.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        listener.runScheduledPendingTasks();
    }

    @Test
    void aRunOfFailuresIsOneLineThenOneCountPerInterval() {
        for (int i = 0; i < 500; i++) {
            listener.pipeline().fireExceptionCaught(EMFILE);
        }
        listener.checkException();
        assertThat(warnings()).hasSize(1).first().asString()
                .startsWith("WARN [" + listener.id() + "] cannot accept a connection: Too many open files;")
                .doesNotContain("\tat ");
        assertThat(logged.get(0).getThrown()).isNull();

        advanceMillis(TimeUnit.SECONDS.toMillis(AcceptFailureHandler.REPORT_INTERVAL_SECONDS));
        assertThat(warnings()).hasSize(2).last().asString()
                .endsWith("cannot accept a connection: Too many open files; 499 more failures in the last 10 s");

        listener.pipeline().fireExceptionCaught(EMFILE);
        advanceMillis(TimeUnit.SECONDS.toMillis(AcceptFailureHandler.REPORT_INTERVAL_SECONDS));
        assertThat(warnings()).hasSize(3).last().asString().endsWith("; 1 more failures in the last 10 s");

        // A quiet interval ends the run; the next failure is logged at once again.
        advanceMillis(TimeUnit.SECONDS.toMillis(AcceptFailureHandler.REPORT_INTERVAL_SECONDS));
        assertThat(warnings()).hasSize(3);
        listener.pipeline().fireExceptionCaught(EMFILE);
        assertThat(warnings()).hasSize(4).last().asString().contains("pausing accepts and retrying");
    }

    @Test
    void acceptingPausesBrieflyAndBacksOffUntilAConnectionIsAccepted() {
        listener.pipeline().fireExceptionCaught(EMFILE);
        assertThat(listener.config().isAutoRead()).as("paused after a failure").isFalse();
        advanceMillis(AcceptFailureHandler.FIRST_PAUSE_MILLIS);
        assertThat(listener.config().isAutoRead()).as("retrying after the first pause").isTrue();

        // Still failing: each pause is twice the last, up to the cap.
        long pause = AcceptFailureHandler.FIRST_PAUSE_MILLIS * 2;
        listener.pipeline().fireExceptionCaught(EMFILE);
        advanceMillis(pause - 1);
        assertThat(listener.config().isAutoRead()).isFalse();
        advanceMillis(1);
        assertThat(listener.config().isAutoRead()).isTrue();
        for (int i = 0; i < 20; i++) {
            listener.pipeline().fireExceptionCaught(EMFILE);
            advanceMillis(AcceptFailureHandler.MAX_PAUSE_MILLIS);
            assertThat(listener.config().isAutoRead()).as("never paused longer than the cap").isTrue();
        }

        // An accepted connection passes through untouched and resets the pause.
        Object accepted = new Object();
        listener.writeInbound(accepted);
        assertThat((Object) listener.readInbound()).isSameAs(accepted);
        listener.pipeline().fireExceptionCaught(EMFILE);
        advanceMillis(AcceptFailureHandler.FIRST_PAUSE_MILLIS);
        assertThat(listener.config().isAutoRead()).isTrue();
    }

    @Test
    void otherFailuresAreNotSwallowed() {
        listener.pipeline().fireExceptionCaught(new IllegalStateException("a bug"));
        assertThatThrownBy(listener::checkException).isInstanceOf(IllegalStateException.class).hasMessage("a bug");
        assertThat(listener.config().isAutoRead()).isTrue();
        assertThat(warnings()).isEmpty();
    }
}
