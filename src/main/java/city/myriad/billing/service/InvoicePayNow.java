package city.myriad.billing.service;

import city.myriad.billing.mapping.BillingApi.InvoiceView;
import city.myriad.billing.repository.InvoiceRepository;
import city.myriad.billing.repository.InvoiceRepository.InvoiceRow;
import city.myriad.billing.stripe.StripeInvoicePayments;
import city.myriad.billing.stripe.StripeInvoicePayments.Attempt;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.platform.db.Blocking;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.idempotency.Creations;
import city.myriad.platform.money.Money;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Pay now: a tenant whose charge failed (or whose invoice is sent, not yet due) asks Stripe to charge the payment
 * method on file at once, typically right after changing it in the customer portal, instead of waiting days for
 * Stripe's next retry while the grace period runs.
 *
 * <p>Rules: the tenant's admins and platform admins; an ISSUED (or written-off) invoice that is in Stripe; a PAID one
 * is answered as it is, without asking Stripe. Stripe's answer decides: paid, the invoice is marked PAID at once by
 * the same step as Stripe's {@code invoice.paid} webhook (which, arriving after, changes nothing); declined, 402
 * PAYMENT_DECLINED with Stripe's words and nothing changed or audited (Stripe's own {@code invoice.payment_failed}
 * records the failure). Each call is one attempt under its own idempotency key (the caller's {@code Idempotency-Key}, else a new
 * one): a repeated request is that attempt again, never a second charge. A payment is audited (`payInvoice`).
 */
@ApplicationScoped
public class InvoicePayNow {

    private final PlainTx tx;
    private final InvoiceRepository invoices;
    private final Invoices views;
    private final Payments payments;
    private final TenantProjects tenants;
    private final StripeInvoicePayments stripe;
    private final AuditTrail audit;
    private final Clock clock;

    InvoicePayNow(PlainTx tx, InvoiceRepository invoices, Invoices views, Payments payments, TenantProjects tenants,
            StripeInvoicePayments stripe, AuditTrail audit, Clock clock) {
        this.tx = tx;
        this.invoices = invoices;
        this.views = views;
        this.payments = payments;
        this.tenants = tenants;
        this.stripe = stripe;
        this.audit = audit;
        this.clock = clock;
    }

    public Uni<InvoiceView> pay(Caller caller, UUID invoiceId, String key) {
        Creations.checkKey(key);
        Uni<UUID> scope = caller.isPlatformAdmin() ? Uni.createFrom().nullItem() : tenants.administeredTenant(caller);
        return scope.chain(tenant -> tx.asPlatform(c -> invoices.find(c, invoiceId)).map(found -> found
                        .filter(r -> tenant == null || r.tenantId().equals(tenant))
                        .orElseThrow(() -> new MyriadProblem.NotFound(ProblemCode.INVOICE_NOT_FOUND, "No invoice "
                                + invoiceId))))
                .chain(i -> {
                    if ("PAID".equals(i.state())) {
                        return tx.asPlatform(c -> views.view(c, i, true));  // nothing to pay
                    }
                    if (!"ISSUED".equals(i.state()) && !"UNCOLLECTIBLE".equals(i.state())) {
                        throw new MyriadProblem.Conflict(ProblemCode.INVOICE_STATE_CONFLICT, "Invoice " + invoiceId
                                + " is " + i.state() + ": there is nothing to pay");
                    }
                    if (!stripe.configured() || i.stripeInvoiceId() == null || !"PUSHED".equals(i.stripeState())) {
                        throw new MyriadProblem.Conflict(ProblemCode.INVOICE_NOT_IN_STRIPE, "Invoice " + invoiceId
                                + (stripe.configured() ? " is not in Stripe yet (push " + i.stripeState() + ")"
                                        : ": this deployment is not connected to Stripe") + "; nothing was charged");
                    }
                    if ("void".equals(i.stripeStatus())) {
                        throw new MyriadProblem.Conflict(ProblemCode.INVOICE_STATE_CONFLICT, "Invoice " + invoiceId
                                + " was voided in Stripe: Stripe takes no payment of it. A platform admin voids or "
                                + "writes it off here (voidInvoice, markInvoiceUncollectible); nothing was charged");
                    }
                    String attemptKey = "myriad-invoice-" + i.id() + "-pay-" + (key == null
                            ? UUID.randomUUID().toString() : caller.subject() + "-" + key);
                    return Blocking.offload(() -> stripe.pay(i.stripeInvoiceId(), attemptKey))
                            .chain(attempt -> settle(caller, i, attempt));
                });
    }

    /** Records the attempt's outcome: paid at once, or refused with Stripe's reason. */
    private Uni<InvoiceView> settle(Caller caller, InvoiceRow i, Attempt attempt) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("number", i.number());
        details.put("total", Money.of(i.totalMinor(), i.currency()));
        if (attempt instanceof Attempt.Paid p) {
            details.put("outcome", "PAID");
            return tx.asPlatform(c -> invoices.forUpdate(c, i.id()).chain(locked -> payments
                    .paid(c, locked.orElseThrow(), clock.instant(), caller.username(), p.collectedMinor())
                    .chain(() -> audit.record(c, caller, i.tenantId(), "payInvoice", Target.of("INVOICE", i.id()),
                            details))
                    .chain(() -> invoices.find(c, i.id())).chain(r -> views.view(c, r.orElseThrow(), true))));
        }
        if (attempt instanceof Attempt.Declined d) {  // refused: nothing changed here, nothing audited
            throw new MyriadProblem.PaymentDeclined(ProblemCode.PAYMENT_DECLINED, "Stripe did not charge invoice "
                    + i.number() + ": " + d.message() + (d.code() == null ? "" : " (" + d.code() + ")")
                    + ". Change the payment method in the customer portal (createBillingPortalSession) and try again, "
                    + "or pay on the invoice's Stripe page (hostedInvoiceUrl)");
        }
        Attempt.Failed f = (Attempt.Failed) attempt;
        throw new MyriadProblem.Upstream(ProblemCode.PAYMENT_PROVIDER_FAILED, "Stripe failed the payment of invoice "
                + i.number() + " (" + f.message() + "); nothing was changed here, retry later");
    }
}
