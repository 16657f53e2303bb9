package city.myriad.billing.stripe;

import city.myriad.billing.service.BillingConfig;
import city.myriad.platform.db.Blocking;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.model.CreditNote;
import com.stripe.net.RequestOptions;
import com.stripe.param.CreditNoteCreateParams;
import com.stripe.param.CreditNoteListParams;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Makes Myriad's credit notes on their Stripe invoices, from the outbox on {@code credit_notes} (V44), on the billing
 * worker's thread. A note waits while its invoice's push is still to finish (the Stripe invoice must be finalized
 * first); an invoice that never went to Stripe (its push SKIPPED, voided) leaves the note SKIPPED. On an open Stripe
 * invoice the note lowers what Stripe collects; on one Stripe has been paid (the note was made on a paid invoice, or
 * Stripe collected the whole before the note reached it, the part above what was owed then going to the wallet: see
 * {@code Payments.paid}) it is recorded as credited outside Stripe ({@code out_of_band_amount}): Myriad's wallet
 * holds the credit, and Stripe's customer balance must not hold it a second time. A note Stripe refuses because its
 * invoice was paid meanwhile is tried again after the backoff, when the payment's webhook has said so.
 * <p>
 * One idempotency key per note and form ({@code myriad-credit-note-<id>}, {@code -out-of-band} once Stripe was paid:
 * Stripe refuses a key sent again with other parameters), and the create marked sent before it is sent: a
 * note marked so without a Stripe id is first looked for among its Stripe invoice's credit notes by its metadata, so
 * no retry makes a second one, even after Stripe's keys have expired (24 h). Failures back off as invoice pushes do,
 * and after 12 attempts the note is FAILED for an admin to look at.
 */
@ApplicationScoped
public class StripeCreditNotes {

    private static final Logger LOG = Logger.getLogger(StripeCreditNotes.class);
    /** How long a note waits for its invoice's push before it looks again. */
    static final Duration WAIT_FOR_INVOICE = Duration.ofSeconds(30);

    private final PlainTx tx;
    private final BillingConfig config;
    private final Clock clock;
    private final Optional<StripeClient> client;

    StripeCreditNotes(PlainTx tx, BillingConfig config, Clock clock, StripeApi api) {
        this.tx = tx;
        this.config = config;
        this.clock = clock;
        this.client = api.client();
    }

    /** A note to make in Stripe, as leased, with its invoice's push. */
    record Due(UUID id, String number, UUID invoiceId, String invoiceNumber, long amountMinor, String reason,
            String memo, String appliedTo, int attempts, String pushState, String stripeInvoiceId,
            String stripeStatus, boolean createSent) {}

    /** Makes the notes that are due; returns how many were made in Stripe. */
    public int pushDue() {
        if (client.isEmpty()) {
            return 0;
        }
        Instant now = clock.instant();
        List<Due> due = Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery("""
                        with due as (
                            select id from credit_notes
                             where stripe_state = 'PENDING' and stripe_next_attempt_at <= $1
                             order by stripe_next_attempt_at limit 20 for update skip locked),
                        leased as (
                            update credit_notes n set stripe_next_attempt_at = $2 from due where n.id = due.id
                         returning n.id, n.number, n.invoice_id, n.amount_minor, n.reason, n.memo, n.applied_to,
                                   n.stripe_attempts, n.stripe_create_sent_at is not null as create_sent)
                        select l.id, l.number, l.invoice_id, i.number, l.amount_minor, l.reason, l.memo, l.applied_to,
                               l.stripe_attempts, s.state, i.stripe_invoice_id, i.stripe_status, l.create_sent
                          from leased l join invoices i on i.id = l.invoice_id
                          left join stripe_pushes s on s.invoice_id = l.invoice_id""")
                .execute(Tuple.of(SqlTimes.utc(now), SqlTimes.utc(now.plus(StripePush.LEASE)))).map(rows -> {
                    List<Due> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new Due(r.getUUID(0), r.getString(1), r.getUUID(2), r.getString(3), r.getLong(4),
                                r.getString(5), r.getString(6), r.getString(7), r.getInteger(8), r.getString(9),
                                r.getString(10), r.getString(11), r.getBoolean(12)));
                    }
                    return out;
                })));
        int made = 0;
        for (Due d : due) {
            try {
                if (push(d)) {
                    made++;
                }
            } catch (StripeException | RuntimeException e) {
                failed(d, e);
            }
        }
        return made;
    }

    private boolean push(Due d) throws StripeException {
        String push = d.pushState() == null ? "NONE" : d.pushState();
        switch (push) {
            case "PENDING" -> {
                // The invoice is still on its way to Stripe: look again later, no attempt spent.
                run("update credit_notes set stripe_next_attempt_at = $2 where id = $1 and stripe_state = 'PENDING'",
                        Tuple.of(d.id(), SqlTimes.utc(clock.instant().plus(WAIT_FOR_INVOICE))));
                return false;
            }
            case "PUSHED" -> {
                // Marked sent before it is sent; a create sent before may have made the note with its answer lost:
                // that one is taken, never a second. A note voided since it was leased, never sent, is not made.
                if (!marked("update credit_notes set stripe_create_sent_at = coalesce(stripe_create_sent_at, $2) "
                        + "where id = $1 and stripe_state = 'PENDING' returning id",
                        Tuple.of(d.id(), SqlTimes.utc(clock.instant())))) {
                    return false;
                }
                String made = d.createSent() ? madeBefore(d) : null;
                if (made == null) {
                    made = client.orElseThrow().creditNotes().create(params(d),
                            RequestOptions.builder().setIdempotencyKey(key(d)).build()).getId();
                }
                run("update credit_notes set stripe_state = 'PUSHED', stripe_credit_note_id = $2, stripe_last_error = null "
                        + "where id = $1 and stripe_state = 'PENDING'", Tuple.of(d.id(), made));
                return true;
            }
            default -> {
                run("update credit_notes set stripe_state = 'SKIPPED', stripe_last_error = $2 "
                        + "where id = $1 and stripe_state = 'PENDING'", Tuple.of(d.id(), "its invoice's Stripe push is "
                        + push + ": there is no open Stripe invoice to credit; the credit note stays in Myriad"));
                return false;
            }
        }
    }

    /**
     * The Stripe credit note an earlier create made for this note, found among its Stripe invoice's by the
     * {@code myriad_credit_note_id} metadata; null if there is none. Stripe's list is consistent, unlike its search.
     */
    private String madeBefore(Due d) throws StripeException {
        for (CreditNote n : client.orElseThrow().creditNotes().list(CreditNoteListParams.builder()
                .setInvoice(d.stripeInvoiceId()).setLimit(100L).build()).autoPagingIterable()) {
            if (n.getMetadata() != null && d.id().toString().equals(n.getMetadata().get("myriad_credit_note_id"))) {
                return n.getId();
            }
        }
        return null;
    }

    /**
     * The create's idempotency key. Stripe refuses one key sent again with other parameters, and a note refused while
     * its Stripe invoice was being paid is sent again out of band: that request has a key of its own. A second note is
     * still never made: a create marked sent is looked up by metadata first ({@link #madeBefore}).
     */
    static String key(Due d) {
        return "myriad-credit-note-" + d.id() + (outOfBand(d) ? "-out-of-band" : "");
    }

    /** Whether Stripe has been paid for the invoice (the note was made on a paid one, or Stripe said it is paid). */
    static boolean outOfBand(Due d) {
        return d.appliedTo().equals("PREPAID_WALLET") || "paid".equals(d.stripeStatus());
    }

    /** The Stripe credit note: the amount, Stripe's nearest reason, and on a paid invoice credited out of band. */
    static CreditNoteCreateParams params(Due d) {
        CreditNoteCreateParams.Builder b = CreditNoteCreateParams.builder().setInvoice(d.stripeInvoiceId())
                .setAmount(d.amountMinor())
                .putMetadata("myriad_credit_note_id", d.id().toString())
                .putMetadata("myriad_credit_note_number", d.number())
                .putMetadata("myriad_invoice_id", d.invoiceId().toString());
        // Stripe takes a credit note on a paid invoice only as money returned somehow: out of band (Myriad's wallet
        // holds it), never Stripe's customer balance, which would credit the next Stripe invoice a second time. That
        // is so for a note made on a paid invoice, and for one Myriad made while Stripe was collecting the whole.
        if (outOfBand(d)) {
            b.setOutOfBandAmount(d.amountMinor());
        }
        if (d.memo() != null) {
            b.setMemo(d.memo());
        }
        switch (d.reason()) {
            case "DUPLICATE" -> b.setReason(CreditNoteCreateParams.Reason.DUPLICATE);
            case "FRAUDULENT" -> b.setReason(CreditNoteCreateParams.Reason.FRAUDULENT);
            case "BILLING_ERROR" -> b.setReason(CreditNoteCreateParams.Reason.ORDER_CHANGE);
            case "SERVICE_LEVEL" -> b.setReason(CreditNoteCreateParams.Reason.PRODUCT_UNSATISFACTORY);
            default -> { } // GOODWILL: Stripe has no reason for it
        }
        return b.build();
    }

    private void failed(Due d, Exception e) {
        int attempts = d.attempts() + 1;
        String state = attempts < StripePush.MAX_ATTEMPTS ? "PENDING" : "FAILED";
        LOG.warnf("Stripe credit note %s failed (attempt %d, %s): %s", d.number(), attempts, state, e.getMessage());
        run("update credit_notes set stripe_attempts = $2, stripe_state = $3, stripe_next_attempt_at = $4, "
                + "stripe_last_error = $5 where id = $1 and stripe_state = 'PENDING'", Tuple.of(d.id(), attempts, state,
                SqlTimes.utc(clock.instant().plusMillis(StripePush.backoffMillis(config, attempts))),
                String.valueOf(e.getMessage())));
    }

    /** A note voided in Myriad, made in Stripe: to void there (its create outbox done). */
    record VoidDue(UUID id, String number, String stripeCreditNoteId, int attempts) {}

    /**
     * Voids in Stripe the notes voided in Myriad that Stripe has (PUSHED); returns how many. One idempotency key per
     * note ({@code myriad-credit-note-void-<id>}); failures back off as creates do, FAILED after 12 attempts. Stripe
     * voids a note only while its invoice is open: one Stripe was paid for meanwhile is refused, and ends FAILED with
     * Stripe's reason for an admin (Myriad voided it only while its invoice was owed, so this is a payment racing the
     * void).
     */
    public int voidDue() {
        if (client.isEmpty()) {
            return 0;
        }
        Instant now = clock.instant();
        List<VoidDue> due = Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery("""
                        with due as (
                            select id from credit_notes
                             where stripe_void_state = 'PENDING' and stripe_state = 'PUSHED'
                               and stripe_void_next_attempt_at <= $1
                             order by stripe_void_next_attempt_at limit 20 for update skip locked)
                        update credit_notes n set stripe_void_next_attempt_at = $2 from due where n.id = due.id
                     returning n.id, n.number, n.stripe_credit_note_id, n.stripe_void_attempts""")
                .execute(Tuple.of(SqlTimes.utc(now), SqlTimes.utc(now.plus(StripePush.LEASE)))).map(rows -> {
                    List<VoidDue> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new VoidDue(r.getUUID(0), r.getString(1), r.getString(2), r.getInteger(3)));
                    }
                    return out;
                })));
        int voided = 0;
        for (VoidDue d : due) {
            try {
                client.orElseThrow().creditNotes().voidCreditNote(d.stripeCreditNoteId(),
                        RequestOptions.builder().setIdempotencyKey("myriad-credit-note-void-" + d.id()).build());
                run("update credit_notes set stripe_void_state = 'VOIDED', stripe_void_last_error = null "
                        + "where id = $1 and stripe_void_state = 'PENDING'", Tuple.of(d.id()));
                voided++;
            } catch (StripeException | RuntimeException e) {
                int attempts = d.attempts() + 1;
                String state = attempts < StripePush.MAX_ATTEMPTS ? "PENDING" : "FAILED";
                LOG.warnf("Stripe void of credit note %s failed (attempt %d, %s): %s", d.number(), attempts, state,
                        e.getMessage());
                run("update credit_notes set stripe_void_attempts = $2, stripe_void_state = $3, "
                        + "stripe_void_next_attempt_at = $4, stripe_void_last_error = $5 "
                        + "where id = $1 and stripe_void_state = 'PENDING'", Tuple.of(d.id(), attempts, state,
                        SqlTimes.utc(clock.instant().plusMillis(StripePush.backoffMillis(config, attempts))),
                        String.valueOf(e.getMessage())));
            }
        }
        return voided;
    }

    private boolean marked(String sql, Tuple args) {
        return Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery(sql).execute(args).map(rows -> rows.size() > 0)));
    }

    private void run(String sql, Tuple args) {
        Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery(sql).execute(args).replaceWithVoid()));
    }
}
