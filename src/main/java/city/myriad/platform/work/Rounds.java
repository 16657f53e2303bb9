package city.myriad.platform.work;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * A background worker's thread: one round, then a pause, until stopped. A round that throws is logged and the next
 * one runs after the pause (each round commits whole or not at all, so trying again is the recovery); nothing is
 * logged once stopping, when a round cut short by the shutdown is expected. The thread is a daemon: it never keeps
 * the JVM alive. Each round is counted at /q/metrics, {@code myriad_worker_rounds_total{worker, outcome="ok"|"failed"}}:
 * a worker that keeps failing (a lost database, Stripe unreachable) is an alert, not only log lines.
 */
public final class Rounds {

    private final String name;
    private final Duration pause;
    private final Runnable round;
    private final Logger log;
    private final Counter ok;
    private final Counter failed;
    private volatile boolean stopped;
    private Thread thread;

    private Rounds(String name, Duration pause, Runnable round, Logger log, MeterRegistry meters) {
        this.name = name;
        this.pause = pause;
        this.round = round;
        this.log = log;
        this.ok = counter(meters, name, "ok");
        this.failed = counter(meters, name, "failed");
    }

    /**
     * Starts a thread named {@code name} that runs {@code round} every {@code pause} (measured from its end), its
     * rounds counted in {@code meters}.
     */
    public static Rounds start(String name, Duration pause, Runnable round, Logger log, MeterRegistry meters) {
        Rounds rounds = new Rounds(name, pause, round, log, meters);
        rounds.thread = new Thread(rounds::run, name);
        rounds.thread.setDaemon(true);
        rounds.thread.start();
        return rounds;
    }

    /** Stops after the round under way, if any; a pause is cut short. */
    public void stop() {
        stopped = true;
        thread.interrupt();
    }

    public boolean stopped() {
        return stopped;
    }

    private void run() {
        while (!stopped) {
            try {
                round.run();
                ok.increment();
            } catch (RuntimeException e) {
                if (!stopped) {
                    failed.increment();
                    log.warnf(e, "A round of %s failed; trying again in %s", name, pause);
                }
            }
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static Counter counter(MeterRegistry meters, String worker, String outcome) {
        return Counter.builder("myriad.worker.rounds").description("Rounds of a background worker, by outcome")
                .tag("worker", worker).tag("outcome", outcome).register(meters);
    }
}
