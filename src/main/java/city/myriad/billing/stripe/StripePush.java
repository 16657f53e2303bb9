package city.myriad.billing.stripe;

import city.myriad.billing.repository.InvoiceRepository;
import city.myriad.billing.service.BillingConfig;
import city.myriad.billing.service.Invoices;
import city.myriad.billing.repository.InvoiceRepository.LineRow;
import city.myriad.platform.db.Blocking;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.model.Customer;
import com.stripe.model.Invoice;
import com.stripe.net.RequestOptions;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.InvoiceCreateParams;
import com.stripe.param.InvoiceFinalizeInvoiceParams;
import com.stripe.param.InvoiceItemCreateParams;
import com.stripe.param.InvoiceVoidInvoiceParams;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Pushes issued invoices to Stripe through stripe-java, from the outbox the close filled: the tenant's Customer
 * (created once), a Stripe invoice, one invoice item per line, then the invoice finalized. Every call carries an
 * idempotency key made of Myriad's own ids ({@code myriad-invoice-<id>-line-<n>}), and each step's result is kept
 * before the next, so a retry after any failure resumes where it stopped and never bills twice. Failures back off
 * exponentially (base x 2^attempts, at most an hour); after 12 attempts the push is FAILED for an admin to look at.
 * Blocking (stripe-java is): runs on the billing worker's thread, never on an event loop.
 *
 * <p>Voids use the same outbox: an invoice Myriad voided before its push finished is never finalized (SKIPPED);
 * one already open in Stripe is voided there ({@code myriad-invoice-<id>-void}), with the same retries.
 */
@ApplicationScoped
public class StripePush {

    static final int MAX_ATTEMPTS = 12;
    static final Duration LEASE = Duration.ofMinutes(5);
    private static final Logger LOG = Logger.getLogger(StripePush.class);

    private final PlainTx tx;
    private final InvoiceRepository invoices;
    private final BillingConfig config;
    private final Clock clock;
    private final Optional<StripeClient> client;

    StripePush(PlainTx tx, InvoiceRepository invoices, BillingConfig config, Clock clock) {
        this.tx = tx;
        this.invoices = invoices;
        this.config = config;
        this.clock = clock;
        this.client = config.stripe().apiKey().filter(k -> !k.isBlank()).map(k -> StripeClient.builder()
                .setApiKey(k).setApiBase(config.stripe().apiBase()).setMaxNetworkRetries(0)
                .setConnectTimeout(5_000).setReadTimeout(20_000).build());
    }

    /** An invoice to push, as leased. */
    record Due(UUID invoiceId, UUID tenantId, String tenantSlug, String tenantName, String number, String period,
            String currency, String customerId, String stripeInvoiceId, int linesPushed, int attempts, String state) {}

    /** Pushes what is due now; returns how many invoices were pushed whole. */
    public int pushDue() {
        if (client.isEmpty()) {
            return 0;
        }
        Instant now = clock.instant();
        List<Due> due = Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery("""
                        with due as (
                            select invoice_id from stripe_pushes
                             where state in ('PENDING', 'VOID_PENDING') and next_attempt_at <= $1
                             order by next_attempt_at limit 20 for update skip locked),
                        leased as (
                            update stripe_pushes s set next_attempt_at = $2 from due
                             where s.invoice_id = due.invoice_id
                         returning s.invoice_id, s.lines_pushed, s.attempts, s.state)
                        select l.invoice_id, i.tenant_id, t.slug, t.name, i.number, i.period, i.currency,
                               sc.customer_id, i.stripe_invoice_id, l.lines_pushed, l.attempts, l.state
                          from leased l join invoices i on i.id = l.invoice_id join tenants t on t.id = i.tenant_id
                          left join stripe_customers sc on sc.tenant_id = i.tenant_id""")
                .execute(Tuple.of(SqlTimes.utc(now), SqlTimes.utc(now.plus(LEASE)))).map(rows -> {
                    List<Due> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new Due(r.getUUID(0), r.getUUID(1), r.getString(2), r.getString(3), r.getString(4),
                                r.getString(5), r.getString(6), r.getString(7), r.getString(8), r.getInteger(9),
                                r.getInteger(10), r.getString(11)));
                    }
                    return out;
                })));
        int pushed = 0;
        for (Due d : due) {
            try {
                if (d.state().equals("VOID_PENDING")) {
                    voidOpen(d);
                    continue;
                }
                if (push(d)) {
                    pushed++;
                }
            } catch (StripeException | RuntimeException e) {
                failed(d, e);
            }
        }
        return pushed;
    }

    /** Pushes one invoice, resuming after its last stored step; false if it was voided before its finalize. */
    private boolean push(Due d) throws StripeException {
        StripeClient stripe = client.orElseThrow();
        String customer = d.customerId();
        if (customer == null) {
            Customer created = stripe.customers().create(CustomerCreateParams.builder()
                    .setName(d.tenantName()).putMetadata("myriad_tenant_id", d.tenantId().toString())
                    .putMetadata("myriad_tenant_slug", d.tenantSlug()).build(), key("myriad-customer-" + d.tenantId()));
            customer = created.getId();
            String id = customer;
            run("insert into stripe_customers (tenant_id, customer_id, created_at) values ($1, $2, $3) "
                    + "on conflict (tenant_id) do nothing", Tuple.of(d.tenantId(), id, SqlTimes.utc(clock.instant())));
        }
        String stripeInvoice = d.stripeInvoiceId();
        if (stripeInvoice == null) {
            Invoice created = stripe.invoices().create(InvoiceCreateParams.builder()
                    .setCustomer(customer).setCurrency(d.currency().toLowerCase(Locale.ROOT))
                    .setAutoAdvance(false)
                    .setCollectionMethod(InvoiceCreateParams.CollectionMethod.CHARGE_AUTOMATICALLY)
                    .setPendingInvoiceItemsBehavior(InvoiceCreateParams.PendingInvoiceItemsBehavior.EXCLUDE)
                    .setDescription("Myriad invoice " + d.number() + " for " + d.period())
                    .putMetadata("myriad_invoice_id", d.invoiceId().toString())
                    .putMetadata("myriad_invoice_number", d.number()).build(),
                    key("myriad-invoice-" + d.invoiceId()));
            stripeInvoice = created.getId();
            run("update invoices set stripe_invoice_id = $2, updated_at = $3 where id = $1",
                    Tuple.of(d.invoiceId(), stripeInvoice, SqlTimes.utc(clock.instant())));
        }
        List<LineRow> lines = Blocking.await(() -> tx.asPlatform(c -> invoices.stored(c, d.invoiceId())));
        for (LineRow l : lines) {
            if (l.lineNo() <= d.linesPushed()) {
                continue;
            }
            if (l.amountMinor() != 0) {
                stripe.invoiceItems().create(InvoiceItemCreateParams.builder()
                        .setCustomer(customer).setInvoice(stripeInvoice).setAmount(l.amountMinor())
                        .setCurrency(d.currency().toLowerCase(Locale.ROOT))
                        .setDescription(Invoices.line(d.period(), d.currency(), l).description())
                        .putMetadata("myriad_invoice_id", d.invoiceId().toString())
                        .putMetadata("myriad_line_no", Integer.toString(l.lineNo())).build(),
                        key("myriad-invoice-" + d.invoiceId() + "-line-" + l.lineNo()));
            }
            run("update stripe_pushes set lines_pushed = $2 where invoice_id = $1", Tuple.of(d.invoiceId(),
                    l.lineNo()));
        }
        // Voided meanwhile? Then it stays a draft in Stripe, which charges nobody (see voidInStripe in Payments).
        if (!"PENDING".equals(state(d.invoiceId()))) {
            return false;
        }
        stripe.invoices().finalizeInvoice(stripeInvoice, InvoiceFinalizeInvoiceParams.builder().build(),
                key("myriad-invoice-" + d.invoiceId() + "-finalize"));
        run("update stripe_pushes set state = 'PUSHED', pushed_at = $2, last_error = null "
                + "where invoice_id = $1 and state = 'PENDING'", Tuple.of(d.invoiceId(), SqlTimes.utc(clock.instant())));
        // A void recorded between the check and the finalize finds PENDING gone to SKIPPED: void it in Stripe too.
        run("update stripe_pushes set state = 'VOID_PENDING', next_attempt_at = $2 "
                + "where invoice_id = $1 and state = 'SKIPPED'", Tuple.of(d.invoiceId(), SqlTimes.utc(clock.instant())));
        return true;
    }

    /** Voids in Stripe an invoice that Myriad voided after it was open there. */
    private void voidOpen(Due d) throws StripeException {
        client.orElseThrow().invoices().voidInvoice(d.stripeInvoiceId(), InvoiceVoidInvoiceParams.builder().build(),
                key("myriad-invoice-" + d.invoiceId() + "-void"));
        run("update stripe_pushes set state = 'VOIDED', last_error = null where invoice_id = $1",
                Tuple.of(d.invoiceId()));
    }

    private String state(UUID invoice) {
        return Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery(
                        "select state from stripe_pushes where invoice_id = $1").execute(Tuple.of(invoice))
                .map(rows -> rows.iterator().next().getString(0))));
    }

    private void failed(Due d, Exception e) {
        int attempts = d.attempts() + 1;
        long backoff = Math.min(config.stripe().retryBase().toMillis() << Math.min(attempts - 1, 20),
                Duration.ofHours(1).toMillis());
        boolean voiding = d.state().equals("VOID_PENDING");
        String state = attempts < MAX_ATTEMPTS ? d.state() : voiding ? "VOID_FAILED" : "FAILED";
        LOG.warnf("Stripe %s of invoice %s failed (attempt %d, %s): %s", voiding ? "void" : "push", d.invoiceId(),
                attempts, state, e.getMessage());
        run("update stripe_pushes set attempts = $2, state = $3, next_attempt_at = $4, last_error = $5 "
                + "where invoice_id = $1 and state = $6", Tuple.of(d.invoiceId(), attempts, state,
                SqlTimes.utc(clock.instant().plusMillis(backoff)), String.valueOf(e.getMessage()), d.state()));
    }

    private void run(String sql, Tuple args) {
        Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery(sql).execute(args).replaceWithVoid()));
    }

    private static RequestOptions key(String idempotencyKey) {
        return RequestOptions.builder().setIdempotencyKey(idempotencyKey).build();
    }

    /** Whether a Stripe key is configured (else invoices stay in Myriad). */
    public boolean configured() {
        return client.isPresent();
    }
}
