package city.myriad.metering.service;

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
 * The webhook outbox's sender, on a thread of its own: each round sends what is due (for at most
 * {@link #ROUND} when more keeps coming or receivers keep the room in flight taken), then pauses; every hour it removes
 * the event deliveries past their retention. Apart from the metering worker, so that rollups and alerts never wait
 * for a receiver's room. Safe on several replicas at once (deliveries are leased).
 */
@ApplicationScoped
public class WebhookSender {

    private static final Logger LOG = Logger.getLogger(WebhookSender.class);
    /** The longest a round sends before it pauses. */
    static final Duration ROUND = Duration.ofSeconds(2);
    /** How often old event deliveries are removed (docs/metering.md, "Retention"). */
    private static final Duration PRUNE_INTERVAL = Duration.ofHours(1);

    private final WebhookDeliveries webhooks;
    private final MeterRegistry meters;
    private final boolean enabled;
    private final Duration interval;
    private long lastPrune;
    private Rounds rounds;

    WebhookSender(WebhookDeliveries webhooks, MeterRegistry meters,
            @ConfigProperty(name = "myriad.metering.worker.enabled", defaultValue = "true") boolean enabled,
            @ConfigProperty(name = "myriad.metering.interval", defaultValue = "PT1S") Duration interval) {
        this.webhooks = webhooks;
        this.meters = meters;
        this.enabled = enabled;
        this.interval = interval;
    }

    void start(@Observes StartupEvent event) {
        if (enabled) {
            io.micrometer.core.instrument.Gauge.builder("myriad.webhooks.receivers.paused", webhooks,
                            WebhookDeliveries::pausedReceivers)
                    .description("Tenants' webhook receivers this replica has paused after failing every try")
                    .register(meters);
            rounds = Rounds.start("myriad-webhooks", interval, this::round, LOG, meters);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (rounds != null) {
            rounds.stop();
        }
    }

    private void round() {
        webhooks.sendDue(ROUND);
        if (lastPrune == 0 || System.nanoTime() - lastPrune >= PRUNE_INTERVAL.toNanos()) {
            lastPrune = System.nanoTime();
            webhooks.pruneEvents();
        }
    }
}
