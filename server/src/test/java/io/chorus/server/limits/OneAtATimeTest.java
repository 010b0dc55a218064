package io.chorus.server.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class OneAtATimeTest {

    @Test
    void aRequestMadeWhileTheActionRunsGetsATurnOfItsOwn() throws Exception {
        CountDownLatch inFirstTurn = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        AtomicInteger turns = new AtomicInteger();
        AtomicLong seen = new AtomicLong();
        AtomicLong value = new AtomicLong();
        OneAtATime runner = new OneAtATime(() -> {
            if (turns.incrementAndGet() == 1) {
                inFirstTurn.countDown();
                awaitQuietly(goOn);
            }
            seen.set(value.get());
        });
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<?> first = threads.submit(runner::request);
            assertThat(inFirstTurn.await(10, TimeUnit.SECONDS)).isTrue();
            // The first turn read nothing yet; this change and its request come while it runs.
            value.set(42);
            threads.submit(runner::request).get(10, TimeUnit.SECONDS);
            assertThat(turns).as("the second caller leaves its request and returns").hasValue(1);
            goOn.countDown();
            first.get(10, TimeUnit.SECONDS);
            assertThat(turns).as("the running thread took the request's turn").hasValue(2);
            assertThat(seen).as("and that turn saw the change").hasValue(42);
        } finally {
            goOn.countDown();
            threads.shutdownNow();
        }
    }

    @Test
    void neverRunsTwiceAtOnceAndAlwaysRunsAfterTheLastRequest() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicLong counter = new AtomicLong();
        AtomicLong seenByLastTurn = new AtomicLong();
        OneAtATime runner = new OneAtATime(() -> {
            if (inside.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            seenByLastTurn.set(counter.get());
            Thread.onSpinWait();
            inside.decrementAndGet();
        });
        int threadCount = 4;
        int requestsEach = 20_000;
        ExecutorService threads = Executors.newFixedThreadPool(threadCount);
        try {
            CountDownLatch start = new CountDownLatch(1);
            Future<?>[] done = new Future<?>[threadCount];
            for (int t = 0; t < threadCount; t++) {
                done[t] = threads.submit(() -> {
                    awaitQuietly(start);
                    for (int i = 0; i < requestsEach; i++) {
                        counter.incrementAndGet();
                        runner.request();
                    }
                });
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(20, TimeUnit.SECONDS);
            }
            assertThat(overlaps).hasValue(0);
            // Every increment came before a request, so some turn began after the last one.
            assertThat(seenByLastTurn).hasValue((long) threadCount * requestsEach);
        } finally {
            threads.shutdownNow();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
