package city.myriad.billing.stripe;

import city.myriad.billing.model.InvoiceState;
import city.myriad.billing.repository.InvoiceRepository;
import city.myriad.billing.service.BillingConfig;
import city.myriad.billing.service.Payments;
import city.myriad.billing.repository.InvoiceRepository.InvoiceRow;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.exception.SignatureVerificationException;
import com.stripe.net.Webhook;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Stripe's webhooks: verified with stripe-java against the endpoint's signing secret (HMAC-SHA256 over the
 * timestamp and the raw body, within a tolerance), then handled once per event id, in one transaction with what
 * they change. Handled: {@code invoice.paid} (and {@code invoice.payment_succeeded}), {@code invoice.payment_failed},
 * {@code charge.refunded}; {@code invoice.marked_uncollectible} and {@code invoice.voided} are noted (Stripe's status
 * of the invoice), not mirrored; others are recorded and ignored. An unsigned or forged webhook is 400 and changes
 * nothing; a repeated one answers its first outcome; one out of order changes nothing it should not (see
 * {@link Payments}).
 */
@ApplicationScoped
public class StripeWebhooks {

    /** What became of an event. */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "StripeWebhookOutcome", description = "What "
            + "became of a Stripe event: PAID, PAYMENT_FAILED, REFUNDED, ALREADY_PAID, ALREADY_REFUNDED, "
            + "NOTED_UNCOLLECTIBLE_IN_STRIPE or NOTED_VOID_IN_STRIPE (Stripe's status kept, Myriad's invoice left as "
            + "it is for an admin to decide), ALREADY_UNCOLLECTIBLE, ALREADY_VOID, IGNORED_<state>, UNKNOWN_INVOICE or "
            + "IGNORED (a type Myriad does not handle); duplicate: this event id was handled before")
    public record Outcome(String eventId, String type, String outcome, boolean duplicate) {}

    private final PlainTx tx;
    private final InvoiceRepository invoices;
    private final Payments payments;
    private final BillingConfig config;
    private final ObjectMapper json;
    private final Clock clock;

    StripeWebhooks(PlainTx tx, InvoiceRepository invoices, Payments payments, BillingConfig config, ObjectMapper json,
            Clock clock) {
        this.tx = tx;
        this.invoices = invoices;
        this.payments = payments;
        this.config = config;
        this.json = json;
        this.clock = clock;
    }

    public Uni<Outcome> receive(String payload, String signature) {
        String secret = config.stripe().webhookSecret().filter(s -> !s.isBlank()).orElseThrow(() -> refused(
                "No Stripe webhook secret is configured (myriad.billing.stripe.webhook-secret): every webhook is "
                        + "refused"));
        if (signature == null || signature.isBlank()) {
            throw refused("No Stripe-Signature header");
        }
        try {
            Webhook.Signature.verifyHeader(payload, signature, secret, config.stripe().webhookToleranceSeconds(),
                    clock);
        } catch (SignatureVerificationException e) {
            throw refused("The Stripe-Signature does not verify: " + e.getMessage());
        }
        JsonNode event;
        try {
            event = json.readTree(payload);
        } catch (IOException e) {
            throw refused("The signed body is not a JSON event");
        }
        String id = event.path("id").asText(null);
        String type = event.path("type").asText(null);
        if (id == null || type == null || !event.path("data").path("object").isObject()) {
            throw refused("The signed body is not a Stripe event (id, type, data.object)");
        }
        JsonNode object = event.path("data").path("object");
        Instant now = clock.instant();
        return tx.asPlatform(c -> c.preparedQuery("""
                        insert into stripe_events (event_id, type, outcome, received_at) values ($1, $2, 'RECEIVED', $3)
                        on conflict (event_id) do nothing returning event_id""")
                .execute(Tuple.of(id, type, SqlTimes.utc(now)))
                .chain(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return c.preparedQuery("select outcome from stripe_events where event_id = $1")
                                .execute(Tuple.of(id)).map(r -> new Outcome(id, type,
                                        r.iterator().next().getString(0), true));
                    }
                    return handle(c, type, object, now).chain(result -> c.preparedQuery(
                                    "update stripe_events set outcome = $2, invoice_id = $3 where event_id = $1")
                            .execute(Tuple.of(id, result.outcome, result.invoiceId))
                            .replaceWith(new Outcome(id, type, result.outcome, false)));
                }));
    }

    private record Result(String outcome, UUID invoiceId) {}

    private Uni<Result> handle(SqlConnection c, String type, JsonNode object, Instant now) {
        return switch (type) {
            case "invoice.paid", "invoice.payment_succeeded" -> onInvoice(c, object, object.path("id"), "paid",
                    i -> payments.paid(c, i, now, "stripe", object.path("amount_paid").canConvertToLong()
                            ? object.path("amount_paid").asLong() : null));
            case "invoice.payment_failed" -> onInvoice(c, object, object.path("id"), "open",
                    i -> payments.paymentFailed(c, i, now));
            case "invoice.marked_uncollectible" -> onInvoice(c, object, object.path("id"), "uncollectible",
                    i -> noted(i, InvoiceState.UNCOLLECTIBLE, "NOTED_UNCOLLECTIBLE_IN_STRIPE"));
            case "invoice.voided" -> onInvoice(c, object, object.path("id"), "void",
                    i -> noted(i, InvoiceState.VOID, "NOTED_VOID_IN_STRIPE"));
            case "charge.refunded" -> onInvoice(c, object, object.path("invoice"), null,
                    i -> payments.refunded(c, i, object.path("amount_refunded").asLong(0), now, "stripe"));
            default -> Uni.createFrom().item(new Result("IGNORED", null));
        };
    }

    /**
     * An event about one Myriad invoice: the step, then Stripe's status of the invoice as the event says it (null:
     * the event says nothing of it), kept only forward.
     */
    private Uni<Result> onInvoice(SqlConnection c, JsonNode object, JsonNode stripeInvoiceId, String stripeStatus,
            Function<InvoiceRow, Uni<String>> step) {
        return invoice(c, object.path("metadata"), stripeInvoiceId.asText(null)).chain(found -> {
            if (found.isEmpty()) {
                return unknown();
            }
            InvoiceRow i = found.get();
            Uni<Void> status = stripeStatus == null ? Uni.createFrom().voidItem()
                    : invoices.stripeStatus(c, i.id(), stripeStatus);
            return step.apply(i).call(() -> status).map(outcome -> new Result(outcome, i.id()));
        });
    }

    /**
     * Stripe wrote the invoice off (its retries ended, or someone did in its dashboard) or voided it: an accounting
     * decision Myriad does not take on a webhook's word. Myriad's invoice stays as it is (an ISSUED one stays owed,
     * its tenant overdue as before) and shows Stripe's status ({@code stripeStatus}) for a platform admin to decide:
     * write it off or void it here, or have it paid (Stripe takes payment of an uncollectible invoice).
     */
    private static Uni<String> noted(InvoiceRow i, InvoiceState inStripe, String noted) {
        InvoiceState state = InvoiceState.valueOf(i.state());
        if (state == inStripe) {
            return Uni.createFrom().item("ALREADY_" + state);
        }
        return Uni.createFrom().item(state == InvoiceState.ISSUED || state == InvoiceState.UNCOLLECTIBLE ? noted
                : "IGNORED_" + state);
    }

    private static Uni<Result> unknown() {
        return Uni.createFrom().item(new Result("UNKNOWN_INVOICE", null));
    }

    /** The Myriad invoice: by the metadata Myriad set on the Stripe invoice, else by the Stripe invoice's id. */
    private Uni<Optional<InvoiceRow>> invoice(SqlConnection c, JsonNode metadata, String stripeInvoiceId) {
        String own = metadata.path("myriad_invoice_id").asText(null);
        if (own != null) {
            try {
                return invoices.forUpdate(c, UUID.fromString(own));
            } catch (IllegalArgumentException e) {
                return Uni.createFrom().item(Optional.empty());
            }
        }
        return stripeInvoiceId == null ? Uni.createFrom().item(Optional.empty())
                : invoices.byStripeId(c, stripeInvoiceId);
    }

    private static MyriadProblem.Validation refused(String detail) {
        return new MyriadProblem.Validation(ProblemCode.INVALID_SIGNATURE, detail);
    }
}
