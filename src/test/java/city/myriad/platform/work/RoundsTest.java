package city.myriad.platform.work;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/** A background worker's rounds: a failed round is not the last, stopping is prompt, the thread is a daemon. */
class RoundsTest {

    private static final Logger LOG = Logger.getLogger(RoundsTest.class);

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void a_round_that_fails_is_followed_by_the_next_one() throws InterruptedException {
        AtomicInteger rounds = new AtomicInteger();
        // The fourth round starting means the first three have ended and been counted; the round under way when
        // stop() is called is a shutdown's, never counted as failed, so waiting for only three would race with it.
        CountDownLatch fourth = new CountDownLatch(4);
        Rounds worker = Rounds.start("rounds-test-failing", Duration.ofMillis(1), () -> {
            rounds.incrementAndGet();
            fourth.countDown();
            throw new IllegalStateException("this round fails, as a lost database connection would");
        }, LOG, meters);
        try {
            assertTrue(fourth.await(10, TimeUnit.SECONDS), "rounds go on despite each failing");
        } finally {
            worker.stop();
        }
        assertTrue(rounds.get() >= 3);
        assertTrue(meters.get("myriad.worker.rounds").tag("worker", "rounds-test-failing").tag("outcome", "failed")
                .counter().count() >= 3, "each failed round is counted, for an alert");
        assertEquals(0, meters.get("myriad.worker.rounds").tag("worker", "rounds-test-failing").tag("outcome", "ok")
                .counter().count());
    }

    @Test
    void stop_cuts_the_pause_short_and_no_round_runs_after_it() throws InterruptedException {
        AtomicInteger rounds = new AtomicInteger();
        CountDownLatch first = new CountDownLatch(1);
        Thread[] thread = new Thread[1];
        Rounds worker = Rounds.start("rounds-test-stopping", Duration.ofHours(1), () -> {
            thread[0] = Thread.currentThread();
            rounds.incrementAndGet();
            first.countDown();
        }, LOG, meters);
        assertTrue(first.await(10, TimeUnit.SECONDS));
        worker.stop();
        thread[0].join(10_000);
        assertFalse(thread[0].isAlive(), "the thread ends though its pause was an hour");
        assertTrue(worker.stopped());
        assertEquals(1, rounds.get());
        assertEquals(1, meters.get("myriad.worker.rounds").tag("worker", "rounds-test-stopping").tag("outcome", "ok")
                .counter().count());
    }

    @Test
    void its_thread_is_a_named_daemon() throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        Thread[] seen = new Thread[1];
        Rounds worker = Rounds.start("rounds-test-daemon", Duration.ofHours(1), () -> {
            seen[0] = Thread.currentThread();
            ran.countDown();
        }, LOG, meters);
        try {
            assertTrue(ran.await(10, TimeUnit.SECONDS));
            assertEquals("rounds-test-daemon", seen[0].getName());
            assertTrue(seen[0].isDaemon(), "never keeps the JVM alive");
        } finally {
            worker.stop();
        }
    }
}
