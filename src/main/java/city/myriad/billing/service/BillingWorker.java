package city.myriad.billing.service;

import city.myriad.billing.stripe.StripePush;
import city.myriad.platform.db.Blocking;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import org.jboss.logging.Logger;

/**
 * Billing's background work on a thread of its own (stripe-java blocks): push issued invoices to Stripe, and
 * suspend tenants whose failed payment has outlived its grace period. Both are safe on several replicas at once.
 */
@ApplicationScoped
public class BillingWorker {

    private static final Logger LOG = Logger.getLogger(BillingWorker.class);

    private final StripePush stripe;
    private final Payments payments;
    private final BillingConfig config;
    private final Clock clock;
    private final boolean enabled;
    private volatile boolean stopped;
    private Thread thread;

    BillingWorker(StripePush stripe, Payments payments, BillingConfig config, Clock clock) {
        this.stripe = stripe;
        this.payments = payments;
        this.config = config;
        this.clock = clock;
        this.enabled = config.workerEnabled();
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        thread = new Thread(this::run, "myriad-billing");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** One round now (tests): pushes what is due, applies suspensions; returns invoices pushed. */
    public int roundNow() {
        int pushed = stripe.pushDue();
        Blocking.await(() -> payments.suspendOverdue(clock.instant()));
        return pushed;
    }

    private void run() {
        while (!stopped) {
            try {
                roundNow();
            } catch (RuntimeException e) {
                if (!stopped) {
                    LOG.warnf(e, "Billing round failed; trying again");
                }
            }
            try {
                Thread.sleep(config.workerInterval().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopped = true;
            }
        }
    }
}
