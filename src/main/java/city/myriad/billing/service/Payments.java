package city.myriad.billing.service;

import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.platform.money.Money;
import city.myriad.billing.mapping.BillingApi.InvoiceView;
import city.myriad.billing.model.Account;
import city.myriad.billing.model.InvoiceState;
import city.myriad.billing.repository.InvoiceRepository;
import city.myriad.billing.repository.InvoiceRepository.InvoiceRow;
import city.myriad.billing.repository.LedgerRepository;
import city.myriad.billing.repository.LedgerRepository.Entry;
import city.myriad.billing.repository.LedgerRepository.Posting;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.security.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What happens to an issued invoice: paid, its payment failed, refunded, voided or written off. Each is one
 * transaction that moves the invoice along {@code invoice_transitions} and posts to the ledger; each is safe to
 * repeat (the ledger's unique (kind, reference) and the state checks make a repeat change nothing) and to arrive
 * out of order (a failure reported after the payment changes nothing).
 * <p>
 * Ledger: a payment debits Stripe clearing and credits the receivable; a refund credits Stripe clearing and debits
 * marketplace revenue (the marketplace bears refunds; operators keep their share); a void reverses the issue
 * transaction whole (prepaid credit consumed goes back to the wallet); a write-off (UNCOLLECTIBLE) debits
 * marketplace revenue and credits the receivable, and is reversed if the invoice is paid after all.
 */
@ApplicationScoped
public class Payments {

    private final PlainTx tx;
    private final InvoiceRepository invoices;
    private final LedgerRepository ledger;
    private final Invoices views;
    private final BillingConfig config;
    private final Clock clock;

    private final AuditTrail audit;

    Payments(PlainTx tx, InvoiceRepository invoices, LedgerRepository ledger, Invoices views, BillingConfig config,
            Clock clock, AuditTrail audit) {
        this.audit = audit;
        this.tx = tx;
        this.invoices = invoices;
        this.ledger = ledger;
        this.views = views;
        this.config = config;
        this.clock = clock;
    }

    /** Marks the invoice paid (once) for what it owed; answers what happened. */
    public Uni<String> paid(SqlConnection c, InvoiceRow i, Instant at, String by) {
        return paid(c, i, at, by, null);
    }

    /**
     * Marks the invoice paid (once); answers what happened. {@code collectedMinor} is what Stripe says it collected
     * (its invoice's {@code amount_paid}; null: not said). A credit note made in Myriad reaches Stripe a worker round
     * later, so Stripe may collect the whole total of an invoice Myriad had already credited: what it collected above
     * what was owed goes to the tenant's prepaid wallet, so the credit is kept and the money is accounted for.
     */
    public Uni<String> paid(SqlConnection c, InvoiceRow i, Instant at, String by, Long collectedMinor) {
        InvoiceState state = InvoiceState.valueOf(i.state());
        if (!state.canGo(InvoiceState.PAID)) {
            return Uni.createFrom().item(state == InvoiceState.PAID ? "ALREADY_PAID" : "IGNORED_" + state);
        }
        Uni<?> unwriteOff = state != InvoiceState.UNCOLLECTIBLE ? Uni.createFrom().voidItem()
                : ledger.find(c, "INVOICE_UNCOLLECTIBLE", i.id().toString()).chain(w -> w.isEmpty()
                        ? Uni.createFrom().voidItem()
                        : ledger.reverse(c, w.get(), new Posting("INVOICE_UNCOLLECTIBLE", i.id() + ":reversed",
                                i.tenantId(), i.id(), i.period(), "Write-off reversed: paid after all", by, at)));
        // What was owed: the total less its credit notes (which credited the receivable already).
        long owed = i.totalMinor() - i.creditedMinor();
        long above = collectedMinor == null ? 0 : Math.max(0, collectedMinor - owed);
        return unwriteOff.chain(() -> ledger.post(c, new Posting("PAYMENT", i.id().toString(), i.tenantId(), i.id(),
                        i.period(), "Invoice " + i.number() + " paid" + (above == 0 ? "" : "; " + above
                                + " collected above what its credit notes left owed, to the prepaid wallet"), by, at),
                        List.of(new Entry(Account.STRIPE_CLEARING, null, null, i.currency(), owed + above),
                                new Entry(Account.TENANT_RECEIVABLE, i.tenantId(), null, i.currency(), -owed),
                                new Entry(Account.TENANT_CREDIT, i.tenantId(), null, i.currency(), -above))))
                .chain(() -> move(c, i, InvoiceState.PAID, at, "paid_at = $3"))
                .chain(() -> lift(c, i.tenantId(), at)).replaceWith("PAID");
    }

    /** Records a failed payment (the first one starts the grace period); nothing if the invoice is settled. */
    public Uni<String> paymentFailed(SqlConnection c, InvoiceRow i, Instant at) {
        if (!"ISSUED".equals(i.state())) {
            return Uni.createFrom().item("IGNORED_" + i.state());
        }
        return c.preparedQuery("update invoices set payment_failed_at = coalesce(payment_failed_at, $2), "
                        + "updated_at = $2 where id = $1").execute(Tuple.of(i.id(), SqlTimes.utc(at)))
                .replaceWith("PAYMENT_FAILED");
    }

    /** Records refunds up to {@code refundedTotal} (Stripe's cumulative figure): only the part not yet recorded. */
    public Uni<String> refunded(SqlConnection c, InvoiceRow i, long refundedTotal, Instant at, String by) {
        long delta = refundedTotal - i.refundedMinor();
        if (delta <= 0) {
            return Uni.createFrom().item("ALREADY_REFUNDED");
        }
        return ledger.post(c, new Posting("REFUND", i.id() + ":" + refundedTotal, i.tenantId(), i.id(), i.period(),
                        "Refund on invoice " + i.number(), by, at), List.of(
                        new Entry(Account.MARKETPLACE_REVENUE, null, null, i.currency(), delta - i.taxShareOf(delta)),
                        new Entry(Account.TAX_PAYABLE, null, null, i.currency(), i.taxShareOf(delta)),
                        new Entry(Account.STRIPE_CLEARING, null, null, i.currency(), -delta)))
                .chain(() -> c.preparedQuery("update invoices set refunded_minor = $2, updated_at = $3 where id = $1")
                        .execute(Tuple.of(i.id(), refundedTotal, SqlTimes.utc(at))))
                .replaceWith("REFUNDED");
    }

    /** Platform admins: voids an issued (or uncollectible) invoice, reversing its ledger transaction. */
    public Uni<InvoiceView> voidInvoice(Caller caller, UUID id) {
        PeriodClose.requireAdmin(caller);
        Instant now = clock.instant();
        return transition(id, InvoiceState.VOID, (c, i) -> refuseCredited(i).chain(() ->
                        ledger.find(c, "INVOICE_ISSUED", i.id().toString()))
                .chain(issue -> issue.isEmpty() ? Uni.createFrom().voidItem()
                        : ledger.reverse(c, issue.get(), new Posting("INVOICE_VOIDED", i.id().toString(), i.tenantId(),
                                i.id(), i.period(), "Invoice " + i.number() + " voided", caller.username(), now))
                        .replaceWithVoid())
                .chain(() -> "UNCOLLECTIBLE".equals(i.state())
                        ? ledger.find(c, "INVOICE_UNCOLLECTIBLE", i.id().toString()).chain(w -> w.isEmpty()
                                ? Uni.createFrom().voidItem()
                                : ledger.reverse(c, w.get(), new Posting("INVOICE_UNCOLLECTIBLE", i.id() + ":reversed",
                                        i.tenantId(), i.id(), i.period(), "Write-off reversed: voided",
                                        caller.username(), now)).replaceWithVoid())
                        : Uni.createFrom().voidItem())
                .chain(() -> move(c, i, InvoiceState.VOID, now, "closed_at = $3"))
                .chain(() -> voidInStripe(c, i.id(), now))
                .chain(() -> lift(c, i.tenantId(), now))
                .chain(() -> recordCorrection(c, caller, "voidInvoice", i)));
    }

    /**
     * An invoice with credit notes is not voided: a void reverses the issue whole, and the credit notes (already in
     * the ledger, the wallet, Stripe) would then credit an invoice that no longer bills anything. What it still owes
     * is credited instead (a credit note of its {@code amountDue}), which settles it.
     */
    private static Uni<Void> refuseCredited(InvoiceRow i) {
        if (i.creditedMinor() > 0) {
            throw new MyriadProblem.Conflict(ProblemCode.INVOICE_STATE_CONFLICT, "Invoice " + i.number() + " has "
                    + "credit notes (" + i.creditedMinor() + " " + i.currency() + " credited): it is "
                    + "not voided; credit what it still owes instead (createCreditNote of its amountDue)");
        }
        return Uni.createFrom().voidItem();
    }

    /**
     * The void goes to Stripe through the push outbox, in the void's transaction. A push that has not sent Stripe
     * its invoice create stops (SKIPPED: nothing in Stripe to undo; a push still running finds it and hands any
     * draft it then makes to the void step). One with a Stripe invoice, open or still a draft, or whose create was
     * sent without its id stored (a lost answer, a crash), goes to the billing worker (VOID_PENDING): it voids an
     * open one and deletes a draft, found by its metadata when Myriad never heard its id. The test is written in both
     * assignments rather than computed once in a subquery: when the push worker changes the row meanwhile, PostgreSQL
     * evaluates an UPDATE's assignments on the row as that worker left it, where a subquery would judge the push as
     * this statement first read it (and could skip one whose create was just sent).
     */
    private static Uni<Void> voidInStripe(SqlConnection c, UUID invoice, Instant at) {
        return c.preparedQuery("""
                        update stripe_pushes s
                           set state = case when s.state = 'PUSHED' or i.stripe_invoice_id is not null
                                                 or s.invoice_create_sent_at is not null
                                            then 'VOID_PENDING' else 'SKIPPED' end,
                               attempts = 0, next_attempt_at = $2,
                               last_error = case when s.state = 'PUSHED' or i.stripe_invoice_id is not null
                                                      or s.invoice_create_sent_at is not null
                                                 then null else 'voided before it was pushed' end
                          from invoices i
                         where s.invoice_id = $1 and i.id = s.invoice_id
                           and s.state in ('PENDING', 'FAILED', 'PUSHED')""")
                .execute(Tuple.of(invoice, SqlTimes.utc(at))).replaceWithVoid();
    }

    /** Platform admins: writes an issued invoice off as uncollectible; the marketplace bears it. */
    public Uni<InvoiceView> markUncollectible(Caller caller, UUID id) {
        PeriodClose.requireAdmin(caller);
        Instant now = clock.instant();
        return transition(id, InvoiceState.UNCOLLECTIBLE, (c, i) -> ledger.post(c, new Posting(
                        "INVOICE_UNCOLLECTIBLE", i.id().toString(), i.tenantId(), i.id(), i.period(),
                        "Invoice " + i.number() + " written off", caller.username(), now), List.of(
                        new Entry(Account.MARKETPLACE_REVENUE, null, null, i.currency(),
                                i.amountDueMinor() - i.taxShareOf(i.amountDueMinor())),
                        new Entry(Account.TAX_PAYABLE, null, null, i.currency(), i.taxShareOf(i.amountDueMinor())),
                        new Entry(Account.TENANT_RECEIVABLE, i.tenantId(), null, i.currency(), -i.amountDueMinor())))
                .chain(() -> move(c, i, InvoiceState.UNCOLLECTIBLE, now, "closed_at = $3"))
                .chain(() -> lift(c, i.tenantId(), now))
                .chain(() -> recordCorrection(c, caller, "markInvoiceUncollectible", i)));
    }

    /** An invoice voided or written off, in its tenant's audit trail. */
    private Uni<Void> recordCorrection(SqlConnection c, Caller caller, String action, InvoiceRow i) {
        return audit.record(c, caller, i.tenantId(), action, Target.of("INVOICE", i.id()), Map.of("number", i.number(),
                "period", i.period(), "previousState", i.state(), "total", Money.of(i.totalMinor(), i.currency())));
    }

    interface Step {
        Uni<Void> apply(SqlConnection c, InvoiceRow i);
    }

    private Uni<InvoiceView> transition(UUID id, InvoiceState next, Step step) {
        return tx.asPlatform(c -> invoices.forUpdate(c, id).chain(found -> {
            InvoiceRow i = found.orElseThrow(() -> new MyriadProblem.NotFound(ProblemCode.INVOICE_NOT_FOUND,
                    "No invoice " + id));
            InvoiceState state = InvoiceState.valueOf(i.state());
            if (state == next) {
                return views.view(c, i, true); // asked again: nothing more to do
            }
            if (!state.canGo(next)) {
                throw new MyriadProblem.Conflict(ProblemCode.INVOICE_STATE_CONFLICT, "Invoice " + id + " is "
                        + state + "; it cannot become " + next + " (allowed from " + state + ": "
                        + InvoiceState.ALLOWED.get(state) + ")");
            }
            return step.apply(c, i).chain(() -> invoices.find(c, id)).chain(r -> views.view(c, r.orElseThrow(), true));
        }));
    }

    private static Uni<Void> move(SqlConnection c, InvoiceRow i, InvoiceState next, Instant at, String also) {
        return c.preparedQuery("update invoices set state = $2, updated_at = $3, " + also + " where id = $1")
                .execute(Tuple.of(i.id(), next.name(), SqlTimes.utc(at))).replaceWithVoid();
    }

    /**
     * Lifts the tenant's billing suspension once no invoice of it is overdue past the grace period (overdue: from a
     * charged invoice's first failed payment, from a sent one's due date; V36's {@code overdue_since}).
     */
    Uni<Void> lift(SqlConnection c, UUID tenant, Instant at) {
        return c.preparedQuery("""
                        with lifted as (
                            delete from billing_suspensions s where s.tenant_id = $1
                               and not exists (select 1 from invoices i where i.tenant_id = $1 and i.state = 'ISSUED'
                                                                          and i.overdue_since <= $2)
                            returning s.tenant_id)
                        update tenants set status = 'ACTIVE' where id in (select tenant_id from lifted)""")
                .execute(Tuple.of(tenant, SqlTimes.utc(at.minus(config.paymentGrace())))).replaceWithVoid();
    }

    /**
     * Marks the issued invoices that have become overdue (a sent one's due date passed, a charged one's payment
     * failed) and were not yet marked: the invoice trigger tells each tenant's webhook {@code invoice.overdue}, once
     * (V37). Returns how many.
     */
    public Uni<Integer> tellOverdue(Instant at) {
        return tx.asPlatform(c -> c.preparedQuery("""
                        update invoices set overdue_told_at = $1
                         where state = 'ISSUED' and overdue_since <= $1 and overdue_told_at is null""")
                .execute(Tuple.of(SqlTimes.utc(at))).map(rows -> rows.rowCount()));
    }

    /**
     * Suspends from new work every tenant with an invoice unpaid past the grace period after it became overdue (a
     * charged invoice at its first failed payment, a sent one at its due date). The
     * overdue invoices are locked (FOR UPDATE) before the suspensions are written: a payment, void or write-off
     * updates its invoice, so it either commits first (the locked row is read again, no longer ISSUED: no suspension)
     * or waits for this statement and then lifts the suspension it wrote. Without the lock a payment that committed
     * while this statement ran had its lift undone: the suspension was written after it, from the older snapshot.
     */
    public Uni<Integer> suspendOverdue(Instant at) {
        return tx.asPlatform(c -> c.preparedQuery("""
                        with unpaid as (
                            select tenant_id, id, overdue_since from invoices
                             where state = 'ISSUED' and overdue_since <= $1
                               for update),
                        overdue as (
                            select distinct on (tenant_id) tenant_id, id from unpaid
                             order by tenant_id, overdue_since),
                        suspended as (
                            insert into billing_suspensions (tenant_id, invoice_id, since)
                            select tenant_id, id, $2 from overdue
                            on conflict (tenant_id) do nothing returning tenant_id)
                        update tenants set status = 'SUSPENDED'
                         where id in (select tenant_id from suspended) returning id""")
                .execute(Tuple.of(SqlTimes.utc(at.minus(config.paymentGrace())), SqlTimes.utc(at)))
                .map(rows -> rows.rowCount()));
    }
}
