package city.myriad.billing.service;

import city.myriad.billing.stripe.StripeCreditNotes;
import city.myriad.billing.stripe.StripeCustomers;
import city.myriad.billing.stripe.StripePush;
import city.myriad.platform.db.Blocking;
import city.myriad.platform.work.Rounds;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Billing's background work on a thread of its own (stripe-java blocks): bring Stripe customers up to their tenants'
 * billing contacts, push issued invoices to Stripe, and
 * suspend tenants whose failed payment has outlived its grace period. Both are safe on several replicas at once.
 */
@ApplicationScoped
public class BillingWorker {

    private static final Logger LOG = Logger.getLogger(BillingWorker.class);

    private final StripePush stripe;
    private final Payments payments;
    private final BillingConfig config;
    private final Clock clock;
    private final MeterRegistry meters;
    private final boolean enabled;
    private Rounds rounds;

    private final StripeCustomers customers;
    private final StripeCreditNotes creditNotes;
    private final city.myriad.billing.stripe.StripeTransfers transfers;

    BillingWorker(StripePush stripe, StripeCustomers customers, StripeCreditNotes creditNotes,
            city.myriad.billing.stripe.StripeTransfers transfers, Payments payments, BillingConfig config, Clock clock,
            MeterRegistry meters) {
        this.transfers = transfers;
        this.customers = customers;
        this.creditNotes = creditNotes;
        this.meters = meters;
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
        rounds = Rounds.start("myriad-billing", config.workerInterval(), this::roundNow, LOG, meters);
    }

    void stop(@Observes ShutdownEvent event) {
        if (rounds != null) {
            rounds.stop();
        }
    }

    /**
     * One round now (tests): brings Stripe customers up to their tenants' billing contacts, pushes what is due
     * (invoices, then credit notes on invoices now in Stripe, their voids, and operators' payout transfers), tells of invoices newly overdue, applies suspensions;
     * returns invoices pushed.
     */
    public int roundNow() {
        customers.syncDue();
        int pushed = stripe.pushDue();
        creditNotes.pushDue();
        creditNotes.voidDue();
        transfers.sendDue();
        Instant now = clock.instant();
        Blocking.await(() -> payments.tellOverdue(now));
        Blocking.await(() -> payments.suspendOverdue(now));
        return pushed;
    }
}
