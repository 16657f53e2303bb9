package city.myriad.billing.stripe;

import city.myriad.billing.repository.InvoiceRepository;
import city.myriad.billing.service.BillingConfig;
import city.myriad.billing.service.Invoices;
import city.myriad.billing.repository.InvoiceRepository.LineRow;
import city.myriad.platform.db.Blocking;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.stripe.exception.StripeException;
import com.stripe.model.Invoice;
import com.stripe.net.RequestOptions;
import com.stripe.param.InvoiceCreateParams;
import com.stripe.param.InvoiceFinalizeInvoiceParams;
import com.stripe.param.InvoiceListParams;
import com.stripe.param.InvoiceItemCreateParams;
import com.stripe.param.InvoiceVoidInvoiceParams;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
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
 * <p>The Stripe invoice's id is the one step whose answer can be lost with Stripe's work done (a crash, a timeout
 * after Stripe made it): the push marks the create sent before it sends it, and a push marked so without an id
 * first looks for its draft among the customer's (by {@code myriad_invoice_id} metadata) and takes it, so no retry
 * makes a second invoice, even after Stripe's idempotency keys have expired (24 h).
 *
 * <p>Voids use the same outbox: an invoice Myriad voided before its push finished is never finalized (SKIPPED),
 * and a Stripe draft its push had made is deleted there, found by its metadata if its id was never stored; one
 * already open in Stripe is voided there ({@code myriad-invoice-<id>-void}), with the same retries. Which of the
 * two Stripe holds when Myriad never saw the finalize answered is asked of Stripe, never guessed.
 */
@ApplicationScoped
public class StripePush {

    /** Attempts at one Stripe change before it is left for an admin (an invoice push) or the next change (a contact). */
    public static final int MAX_ATTEMPTS = 12;
    static final Duration LEASE = Duration.ofMinutes(5);
    private static final Logger LOG = Logger.getLogger(StripePush.class);

    private final PlainTx tx;
    private final InvoiceRepository invoices;
    private final BillingConfig config;
    private final Clock clock;
    private final Optional<StripeClient> client;

    private final StripeCustomers customers;

    StripePush(PlainTx tx, InvoiceRepository invoices, BillingConfig config, Clock clock, StripeApi api,
            StripeCustomers customers) {
        this.tx = tx;
        this.invoices = invoices;
        this.config = config;
        this.clock = clock;
        this.client = api.client();
        this.customers = customers;
    }

    /** An invoice to push, as leased. */
    record Due(UUID invoiceId, UUID tenantId, String tenantSlug, String tenantName, String number, String period,
            String currency, String customerId, String stripeInvoiceId, int linesPushed, int attempts, String state,
            boolean finalized, boolean createSent, boolean sendInvoice, Instant dueAt, String stripeStatus) {}

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
                         returning s.invoice_id, s.lines_pushed, s.attempts, s.state,
                                   s.pushed_at is not null as finalized,
                                   s.invoice_create_sent_at is not null as create_sent)
                        select l.invoice_id, i.tenant_id, t.slug, t.name, i.number, i.period, i.currency,
                               sc.customer_id, i.stripe_invoice_id, l.lines_pushed, l.attempts, l.state, l.finalized,
                               l.create_sent, i.collection_method = 'SEND_INVOICE', i.due_at, i.stripe_status
                          from leased l join invoices i on i.id = l.invoice_id join tenants t on t.id = i.tenant_id
                          left join stripe_customers sc on sc.tenant_id = i.tenant_id""")
                .execute(Tuple.of(SqlTimes.utc(now), SqlTimes.utc(now.plus(LEASE)))).map(rows -> {
                    List<Due> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new Due(r.getUUID(0), r.getUUID(1), r.getString(2), r.getString(3), r.getString(4),
                                r.getString(5), r.getString(6), r.getString(7), r.getString(8), r.getInteger(9),
                                r.getInteger(10), r.getString(11), r.getBoolean(12), r.getBoolean(13),
                                r.getBoolean(14), SqlTimes.instant(r.getValue(15)), r.getString(16)));
                    }
                    return out;
                })));
        int pushed = 0;
        for (Due d : due) {
            try {
                if (d.state().equals("VOID_PENDING")) {
                    voidInStripe(d);
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
            customer = customers.ensure(d.tenantId(), d.tenantSlug(), d.tenantName());
        }
        String stripeInvoice = d.stripeInvoiceId();
        if (stripeInvoice == null) {
            // Marked sent before it is sent, in the same statement as the check that the invoice is still to push.
            if (!createSending(d.invoiceId())) {
                return false; // voided while this push ran: no Stripe invoice made
            }
            // A create sent before may have made the invoice with its answer lost: take that draft, never a second.
            List<String> made = d.createSent() ? draftsOf(customer, d.invoiceId()) : List.of();
            if (!made.isEmpty()) {
                stripeInvoice = made.get(0);
            } else {
                Invoice created = stripe.invoices().create(created(d, customer), key("myriad-invoice-" + d.invoiceId()));
                stripeInvoice = created.getId();
            }
            if (!"PENDING".equals(storeStripeId(d.invoiceId(), stripeInvoice))) {
                toVoid(d.invoiceId()); // voided while the create ran: its draft goes to the void step
                return false;
            }
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
        // Voided meanwhile? Never finalized; the void found no Stripe id yet (SKIPPED), so the draft made here is
        // handed to the void step to delete (VOID_PENDING, see voidInStripe in Payments).
        if (!"PENDING".equals(state(d.invoiceId()))) {
            toVoid(d.invoiceId());
            return false;
        }
        // Finalized with automatic collection on: Stripe then charges the default payment method and retries a
        // failed charge (CHARGE_AUTOMATICALLY), or emails the invoice and reminds (SEND_INVOICE). The draft was made
        // with it off, so that Stripe never finalizes a draft whose lines are still being added.
        Invoice finalized = stripe.invoices().finalizeInvoice(stripeInvoice, InvoiceFinalizeInvoiceParams.builder()
                .setAutoAdvance(true).build(), key("myriad-invoice-" + d.invoiceId() + "-finalize"));
        Instant at = clock.instant();
        Blocking.await(() -> tx.asPlatform(c -> lockInvoice(c, d.invoiceId()).chain(() -> c.preparedQuery(
                        "update stripe_pushes set state = 'PUSHED', pushed_at = $2, last_error = null "
                                + "where invoice_id = $1 and state = 'PENDING'")
                .execute(Tuple.of(d.invoiceId(), SqlTimes.utc(at))))
                .chain(() -> c.preparedQuery("update invoices set hosted_invoice_url = $2, invoice_pdf_url = $3 "
                                + "where id = $1")
                        .execute(Tuple.of(d.invoiceId(), finalized.getHostedInvoiceUrl(), finalized.getInvoicePdf())))
                .chain(() -> invoices.stripeStatus(c, d.invoiceId(), "open"))));
        // A void recorded between the check and the finalize finds PENDING gone: void it in Stripe too.
        toVoid(d.invoiceId());
        return true;
    }

    /**
     * The Stripe invoice of a Myriad invoice, a draft: automatic collection off until the finalize, and collected as
     * the invoice's terms say. A sent one is due on Myriad's due date (its grace period runs from there); a push
     * that runs past that date (Stripe down for days) asks a day, the shortest net terms Stripe prints.
     */
    private InvoiceCreateParams created(Due d, String customer) {
        InvoiceCreateParams.Builder b = InvoiceCreateParams.builder()
                .setCustomer(customer).setCurrency(d.currency().toLowerCase(Locale.ROOT))
                .setAutoAdvance(false)
                .setPendingInvoiceItemsBehavior(InvoiceCreateParams.PendingInvoiceItemsBehavior.EXCLUDE)
                .setDescription("Myriad invoice " + d.number() + " for " + d.period())
                .putMetadata("myriad_invoice_id", d.invoiceId().toString())
                .putMetadata("myriad_invoice_number", d.number());
        if (!d.sendInvoice()) {
            return b.setCollectionMethod(InvoiceCreateParams.CollectionMethod.CHARGE_AUTOMATICALLY).build();
        }
        b.setCollectionMethod(InvoiceCreateParams.CollectionMethod.SEND_INVOICE);
        // Myriad's own due date, fixed at issue, not days counted from the push: a retried create (one idempotency
        // key) sends the same request, and Stripe's invoice says the date Myriad suspends from.
        return d.dueAt().isAfter(clock.instant().plusSeconds(60))
                ? b.setDueDate(d.dueAt().getEpochSecond()).build() : b.setDaysUntilDue(1L).build();
    }

    /** A push that found its invoice voided after it had made a Stripe invoice hands that invoice to the void step. */
    private void toVoid(UUID invoice) {
        run("update stripe_pushes set state = 'VOID_PENDING', attempts = 0, next_attempt_at = $2, last_error = null "
                + "where invoice_id = $1 and state = 'SKIPPED'", Tuple.of(invoice, SqlTimes.utc(clock.instant())));
    }

    /**
     * Takes a Myriad void to Stripe. An invoice Myriad saw finalized is voided there. One whose finalize Myriad never
     * saw answered is looked up first: a draft (or one already gone) is deleted and the row ends SKIPPED, as if the
     * push had never begun; one Stripe finalized after all is voided; one already paid there is not Myriad's to undo
     * (VOID_FAILED at once, for an admin to refund in Stripe). One Stripe told Myriad it voided or was paid (its
     * webhooks, {@code stripeStatus}) is settled as such without asking Stripe to void it again.
     */
    private void voidInStripe(Due d) throws StripeException {
        if (d.stripeInvoiceId() == null) {
            deleteLostDrafts(d);
            return;
        }
        StripeClient stripe = client.orElseThrow();
        String status = "void".equals(d.stripeStatus()) || "paid".equals(d.stripeStatus()) ? d.stripeStatus()
                : d.finalized() ? "open" : statusInStripe(d.stripeInvoiceId());
        switch (status) {
            case "draft", "deleted" -> {
                if (status.equals("draft")) {
                    deleteDraft(d.stripeInvoiceId());
                }
                settle(d, "SKIPPED", "voided before it was finalized; its Stripe draft " + d.stripeInvoiceId()
                        + " deleted");
            }
            case "void" -> settle(d, "VOIDED", null);
            case "paid" -> settle(d, "VOID_FAILED", "paid in Stripe before Myriad's void: refund it there");
            default -> {
                stripe.invoices().voidInvoice(d.stripeInvoiceId(), InvoiceVoidInvoiceParams.builder().build(),
                        key("myriad-invoice-" + d.invoiceId() + "-void"));
                settle(d, "VOIDED", null);
            }
        }
    }

    /**
     * The void of a push whose invoice create was sent but whose Stripe id Myriad never stored: whatever draft that
     * create made is found by its metadata and deleted. A push still waiting for that answer elsewhere stores the id
     * after this and hands the draft back (see {@link #toVoid}).
     */
    private void deleteLostDrafts(Due d) throws StripeException {
        List<String> drafts = d.customerId() == null ? List.of() : draftsOf(d.customerId(), d.invoiceId());
        for (String draft : drafts) {
            deleteDraft(draft);
        }
        String note = drafts.isEmpty() ? "voided before it was pushed; no Stripe invoice found for it"
                : "voided before it was finalized; its Stripe draft " + String.join(", ", drafts) + " deleted";
        // Under the row's lock, as the push stores an id: one stored meanwhile is voided by its id next round.
        Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery("""
                        select i.stripe_invoice_id from stripe_pushes s join invoices i on i.id = s.invoice_id
                         where s.invoice_id = $1 for update of s""").execute(Tuple.of(d.invoiceId()))
                .chain(rows -> rows.iterator().next().getString(0) == null
                        ? c.preparedQuery("update stripe_pushes set state = 'SKIPPED', last_error = $2 "
                                + "where invoice_id = $1 and state = 'VOID_PENDING'").execute(Tuple.of(d.invoiceId(), note))
                        : c.preparedQuery("update stripe_pushes set next_attempt_at = $2 "
                                + "where invoice_id = $1 and state = 'VOID_PENDING'")
                                .execute(Tuple.of(d.invoiceId(), SqlTimes.utc(clock.instant()))))
                .replaceWithVoid()));
    }

    /**
     * The customer's Stripe drafts made for this invoice (its {@code myriad_invoice_id} metadata). Stripe's list is
     * consistent, unlike its search; a customer holds few drafts, since Myriad finalizes what it pushes.
     */
    private List<String> draftsOf(String customer, UUID invoice) throws StripeException {
        List<String> found = new ArrayList<>();
        for (Invoice i : client.orElseThrow().invoices().list(InvoiceListParams.builder().setCustomer(customer)
                .setStatus(InvoiceListParams.Status.DRAFT).setLimit(100L).build()).autoPagingIterable()) {
            if (i.getMetadata() != null && invoice.toString().equals(i.getMetadata().get("myriad_invoice_id"))) {
                found.add(i.getId());
            }
        }
        return found;
    }

    /** The invoice's status in Stripe ({@code draft}, {@code open}, {@code paid}, ...), or {@code deleted}. */
    private String statusInStripe(String stripeInvoice) throws StripeException {
        try {
            Invoice found = client.orElseThrow().invoices().retrieve(stripeInvoice);
            return Boolean.TRUE.equals(found.getDeleted()) ? "deleted" : String.valueOf(found.getStatus());
        } catch (InvalidRequestException e) {
            if ("resource_missing".equals(e.getCode())) {
                return "deleted";
            }
            throw e;
        }
    }

    /** Deletes a Stripe draft; one deleted already (a retry) counts as done. */
    private void deleteDraft(String stripeInvoice) throws StripeException {
        try {
            client.orElseThrow().invoices().delete(stripeInvoice);
        } catch (InvalidRequestException e) {
            if (!"resource_missing".equals(e.getCode())) {
                throw e;
            }
        }
    }

    private void settle(Due d, String state, String note) {
        Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery("update stripe_pushes set state = $2, last_error = $3 "
                        + "where invoice_id = $1 and state = 'VOID_PENDING'").execute(Tuple.of(d.invoiceId(), state, note))
                .chain(() -> state.equals("VOIDED") ? invoices.stripeStatus(c, d.invoiceId(), "void")
                        : Uni.createFrom().voidItem())));
    }

    /** Marks the invoice create as sent if the push is still to be made; false if it was voided meanwhile. */
    private boolean createSending(UUID invoice) {
        return Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery("""
                        update stripe_pushes set invoice_create_sent_at = coalesce(invoice_create_sent_at, $2)
                         where invoice_id = $1 and state = 'PENDING'""")
                .execute(Tuple.of(invoice, SqlTimes.utc(clock.instant()))).map(rows -> rows.rowCount() == 1)));
    }

    /**
     * Stores the Stripe invoice's id under the push row's lock (the void step settles a push without an id under it
     * too) and returns the push's state: anything but PENDING means the invoice was voided meanwhile.
     */
    private String storeStripeId(UUID invoice, String stripeInvoice) {
        return Blocking.await(() -> tx.asPlatform(c -> lockInvoice(c, invoice).chain(() -> c.preparedQuery(
                        "select state from stripe_pushes where invoice_id = $1 for update").execute(Tuple.of(invoice)))
                .chain(rows -> {
                    String state = rows.iterator().next().getString(0);
                    return c.preparedQuery("update invoices set stripe_invoice_id = $2, updated_at = $3 where id = $1")
                            .execute(Tuple.of(invoice, stripeInvoice, SqlTimes.utc(clock.instant())))
                            .replaceWith(state);
                })));
    }

    /**
     * Locks the invoice's row first, in a transaction that then locks its push and writes the invoice: the order a
     * void takes them in (voidInvoice locks the invoice, then updates its push). In the other order the two
     * deadlocked, and the void failed (BillingTest's void under a running push worker, CI of 2026-12-06).
     */
    private static Uni<Void> lockInvoice(SqlConnection c, UUID invoice) {
        return c.preparedQuery("select id from invoices where id = $1 for update").execute(Tuple.of(invoice))
                .replaceWithVoid();
    }

    private String state(UUID invoice) {
        return Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery(
                        "select state from stripe_pushes where invoice_id = $1").execute(Tuple.of(invoice))
                .map(rows -> rows.iterator().next().getString(0))));
    }

    private void failed(Due d, Exception e) {
        int attempts = d.attempts() + 1;
        long backoff = backoffMillis(config, attempts);
        boolean voiding = d.state().equals("VOID_PENDING");
        String state = attempts < MAX_ATTEMPTS ? d.state() : voiding ? "VOID_FAILED" : "FAILED";
        LOG.warnf("Stripe %s of invoice %s failed (attempt %d, %s): %s", voiding ? "void" : "push", d.invoiceId(),
                attempts, state, e.getMessage());
        run("update stripe_pushes set attempts = $2, state = $3, next_attempt_at = $4, last_error = $5 "
                + "where invoice_id = $1 and state = $6", Tuple.of(d.invoiceId(), attempts, state,
                SqlTimes.utc(clock.instant().plusMillis(backoff)), String.valueOf(e.getMessage()), d.state()));
    }

    /** How long a Stripe change waits after its n-th failed attempt: base x 2^(n-1), at most an hour. */
    static long backoffMillis(BillingConfig config, int attempts) {
        return Math.min(config.stripe().retryBase().toMillis() << Math.min(attempts - 1, 20),
                Duration.ofHours(1).toMillis());
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
