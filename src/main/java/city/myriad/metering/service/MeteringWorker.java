package city.myriad.metering.service;

import city.myriad.platform.db.Blocking;
import city.myriad.platform.work.Rounds;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The metering domain's background work, on one thread of its own: roll up what is pending (until nothing is),
 * check alert thresholds every few seconds (their webhook deliveries are sent by {@link WebhookSender}, on its own
 * thread). Every step is safe to run on several replicas at once and to stop at any point (each commits whole or not
 * at all).
 */
@ApplicationScoped
public class MeteringWorker {

    private static final Logger LOG = Logger.getLogger(MeteringWorker.class);
    private static final int TURNS_PER_ROUND = 50;

    private final Meter meter;
    private final Alerts alerts;
    private final WebhookDeliveries webhooks;
    private final boolean enabled;
    private final Duration interval;
    private final Duration alertInterval;
    private final MeterRegistry meters;
    private long lastAlertCheck;
    private Rounds rounds;

    MeteringWorker(Meter meter, Alerts alerts, WebhookDeliveries webhooks, MeterRegistry meters,
            @ConfigProperty(name = "myriad.metering.worker.enabled", defaultValue = "true") boolean enabled,
            @ConfigProperty(name = "myriad.metering.interval", defaultValue = "PT1S") Duration interval,
            @ConfigProperty(name = "myriad.metering.alert-interval", defaultValue = "PT5S") Duration alertInterval) {
        this.meter = meter;
        this.alerts = alerts;
        this.webhooks = webhooks;
        this.enabled = enabled;
        this.interval = interval;
        this.alertInterval = alertInterval;
        this.meters = meters;
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        rounds = Rounds.start("myriad-metering", interval, this::round, LOG, meters);
    }

    void stop(@Observes ShutdownEvent event) {
        if (rounds != null) {
            rounds.stop();
        }
    }

    /** Rolls up everything pending now, waiting for another meter's turn if need be (tests, and the worker). */
    public void drain() {
        for (int i = 0; i < 10_000; i++) {
            Meter.Turn t = Blocking.await(meter::turn);
            if (t.ran() && !t.busy()) {
                return;
            }
            if (!t.ran()) {
                sleep(Duration.ofMillis(20));
            }
        }
        throw new IllegalStateException("The meter did not catch up");
    }

    /** One alert check and one round of deliveries now, their attempts logged before it returns (tests). */
    public void alertsNow() {
        Blocking.await(alerts::check);
        webhooks.deliverDue();
        webhooks.awaitInFlight();
    }

    /** The worker's round: roll up while there is more (a bound's worth), check alerts when due. */
    private void round() {
        for (int i = 0; i < TURNS_PER_ROUND && Blocking.await(meter::turn).busy(); i++) {
            // rolled up a bound's worth: go on while there is more
        }
        if (System.nanoTime() - lastAlertCheck >= alertInterval.toNanos()) {
            lastAlertCheck = System.nanoTime();
            Blocking.await(alerts::check);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the meter's turn", e);
        }
    }
}
