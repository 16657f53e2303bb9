package city.myriad.billing.service;

import city.myriad.billing.mapping.BillingApi.CreditNoteRequest;
import city.myriad.billing.mapping.BillingApi.CreditNoteView;
import city.myriad.billing.model.Account;
import city.myriad.billing.repository.CloseRepository;
import city.myriad.billing.repository.CreditNoteRepository;
import city.myriad.billing.repository.CreditNoteRepository.CreditNoteRow;
import city.myriad.billing.repository.CreditNoteRepository.NewCreditNote;
import city.myriad.billing.repository.InvoiceRepository;
import city.myriad.billing.repository.InvoiceRepository.InvoiceRow;
import city.myriad.billing.repository.LedgerRepository;
import city.myriad.billing.repository.LedgerRepository.Entry;
import city.myriad.billing.repository.LedgerRepository.Posting;
import city.myriad.billing.stripe.StripePush;
import city.myriad.platform.TextRules;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.idempotency.Creations;
import city.myriad.platform.money.Money;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.validation.Fields;
import city.myriad.platform.security.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Credit notes: corrections of an issued invoice that leave it as issued (docs/billing.md, "Credit notes"). Only
 * platform admins make them; the marketplace bears them (marketplace revenue debited), as it bears refunds, so an
 * operator's settlement does not move. Rules:
 * <ul>
 * <li>An ISSUED invoice: the credit lowers what is owed (the receivable credited); crediting all that is owed settles
 * it (PAID, no payment posted: nothing is left to collect).
 * <li>A PAID invoice: the credit goes to the tenant's prepaid wallet, spent by the next close (a refund of money is
 * Stripe's, and arrives as {@code invoice.refunded}).
 * <li>A DRAFT (not billed yet), a VOID one or one written off (UNCOLLECTIBLE) takes none: 409.
 * <li>Never more than the invoice billed less its earlier credit notes and what was refunded: 409
 * {@code CREDIT_NOTE_EXCEEDS_INVOICE}.
 * </ul>
 * Each is made in one transaction with its invoice locked: the note, its ledger transaction, the invoice's
 * {@code credited} (and state), and the audit event. With an Idempotency-Key a repeat answers the note made (the same
 * amount and reason) or 409 {@code IDEMPOTENCY_KEY_REUSED}; it never credits twice.
 */
@ApplicationScoped
public class CreditNotes {

    public static final List<String> REASONS = List.of("SERVICE_LEVEL", "BILLING_ERROR", "DUPLICATE", "FRAUDULENT",
            "GOODWILL");

    /** A note and whether it was made by an earlier request under the same key. */
    public record Made(CreditNoteView view, boolean replayed) {}

    private final PlainTx tx;
    private final InvoiceRepository invoices;
    private final CreditNoteRepository notes;
    private final LedgerRepository ledger;
    private final Invoices reads;
    private final Payments payments;
    private final StripePush stripe;
    private final AuditTrail audit;
    private final Clock clock;

    CreditNotes(PlainTx tx, InvoiceRepository invoices, CreditNoteRepository notes, LedgerRepository ledger,
            Invoices reads, Payments payments, StripePush stripe, AuditTrail audit, Clock clock) {
        this.tx = tx;
        this.invoices = invoices;
        this.notes = notes;
        this.ledger = ledger;
        this.reads = reads;
        this.payments = payments;
        this.stripe = stripe;
        this.audit = audit;
        this.clock = clock;
    }

    public Uni<Made> create(Caller caller, UUID invoiceId, String key, CreditNoteRequest body) {
        PeriodClose.requireAdmin(caller);
        Creations.checkKey(key);
        Money amount = body.amount();
        if (amount.amountMinor() <= 0) {
            throw Invoices.invalid("amount.amountMinor", "above 0");
        }
        if (!REASONS.contains(body.reason())) {
            throw Invoices.invalid("reason", "one of " + String.join(", ", REASONS));
        }
        if (body.memo() != null && TextRules.problem(body.memo(), true) != null) {
            throw Invoices.invalid("memo", TextRules.problem(body.memo(), true));
        }
        Instant now = clock.instant();
        return tx.asPlatform(c -> invoices.forUpdate(c, invoiceId).chain(found -> {
            InvoiceRow i = found.orElseThrow(() -> new MyriadProblem.NotFound(ProblemCode.INVOICE_NOT_FOUND,
                    "No invoice " + invoiceId));
            Uni<java.util.Optional<CreditNoteRow>> earlier = key == null
                    ? Uni.createFrom().item(java.util.Optional.empty()) : notes.byKey(c, i.id(), key);
            return earlier.chain(made -> {
                if (made.isPresent()) {
                    return Uni.createFrom().item(new Made(view(replayed(made.get(), body)), true));
                }
                return credit(c, caller, i, key, body, now).map(v -> new Made(v, false));
            });
        }));
    }

    /** The note an earlier request made under the key, if this request is that one again. */
    private static CreditNoteRow replayed(CreditNoteRow made, CreditNoteRequest body) {
        if (made.amountMinor() != body.amount().amountMinor() || !made.currency().equals(body.amount().currency())
                || !made.reason().equals(body.reason())) {
            throw new MyriadProblem.Conflict(ProblemCode.IDEMPOTENCY_KEY_REUSED, "This Idempotency-Key made credit "
                    + "note " + made.number() + " of " + made.amountMinor() + " " + made.currency() + " ("
                    + made.reason() + "); a different credit note needs a new key");
        }
        return made;
    }

    private Uni<CreditNoteView> credit(SqlConnection c, Caller caller, InvoiceRow i, String key,
            CreditNoteRequest body, Instant now) {
        Money amount = body.amount();
        String appliedTo = switch (i.state()) {
            case "ISSUED" -> "AMOUNT_DUE";
            case "PAID" -> "PREPAID_WALLET";
            default -> throw new MyriadProblem.Conflict(ProblemCode.INVOICE_STATE_CONFLICT, "Invoice " + i.id()
                    + " is " + i.state() + ": " + switch (i.state()) {
                        case "DRAFT" -> "not billed yet; its period's close issues it (grant prepaid credit instead)";
                        case "VOID" -> "voided, it bills nothing to credit";
                        default -> "written off, nothing is collected to credit";
                    });
        };
        if (!amount.currency().equals(i.currency())) {
            throw Invoices.invalid("amount.currency", "the invoice's currency, " + i.currency());
        }
        long creditable = i.totalMinor() - i.creditedMinor() - i.refundedMinor();
        if (amount.amountMinor() > creditable) {
            throw new MyriadProblem.Conflict(ProblemCode.CREDIT_NOTE_EXCEEDS_INVOICE, "Invoice " + i.number()
                    + " can be credited at most " + Math.max(0, creditable) + " " + i.currency() + " more (billed "
                    + i.totalMinor() + ", credited " + i.creditedMinor() + ", refunded " + i.refundedMinor() + ")");
        }
        long credited = i.creditedMinor() + amount.amountMinor();
        boolean settles = appliedTo.equals("AMOUNT_DUE") && credited == i.totalMinor();
        Account to = appliedTo.equals("AMOUNT_DUE") ? Account.TENANT_RECEIVABLE : Account.TENANT_CREDIT;
        // The wallet is spent by the close under this lock: a credit to it waits for a close in progress.
        Uni<Void> walletLock = to == Account.TENANT_CREDIT ? c.preparedQuery("select pg_advisory_xact_lock($1)")
                .execute(Tuple.of(CloseRepository.WALLETS_LOCK)).replaceWithVoid() : Uni.createFrom().voidItem();
        return walletLock.chain(() -> notes.count(c, i.id())).chain(n -> {
            String number = i.number() + "-CN" + (n + 1);
            String stripeState = stripe.configured() ? "PENDING" : "SKIPPED";
            return notes.insert(c, new NewCreditNote(number, i.id(), i.tenantId(), i.currency(), amount.amountMinor(),
                            body.reason(), body.memo(), appliedTo, key, caller.username(), now, stripeState,
                            stripe.configured() ? null : "no Stripe key configured: the credit note stays in Myriad"))
                    .chain(id -> ledger.post(c, new Posting("CREDIT_NOTE", id.toString(), i.tenantId(), i.id(),
                                    i.period(), "Credit note " + number + " on invoice " + i.number(),
                                    caller.username(), now), List.of(
                                    new Entry(Account.MARKETPLACE_REVENUE, null, null, i.currency(),
                                            amount.amountMinor() - i.taxShareOf(amount.amountMinor())),
                                    new Entry(Account.TAX_PAYABLE, null, null, i.currency(),
                                            i.taxShareOf(amount.amountMinor())),
                                    new Entry(to, i.tenantId(), null, i.currency(), -amount.amountMinor())))
                            .chain(() -> c.preparedQuery("update invoices set credited_minor = $2, updated_at = $3"
                                    + (settles ? ", state = 'PAID', paid_at = $3" : "") + " where id = $1")
                                    .execute(Tuple.of(i.id(), credited, SqlTimes.utc(now))))
                            .chain(() -> settles ? payments.lift(c, i.tenantId(), now) : Uni.createFrom().voidItem())
                            .chain(() -> audit.record(c, caller, i.tenantId(), "createCreditNote",
                                    Target.of("CREDIT_NOTE", id), details(number, i, amount, body, appliedTo)))
                            .chain(() -> notes.find(c, id)).map(r -> view(r.orElseThrow())));
        });
    }

    private static Map<String, Object> details(String number, InvoiceRow i, Money amount, CreditNoteRequest body,
            String appliedTo) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("number", number);
        d.put("invoiceId", i.id());
        d.put("invoiceNumber", i.number());
        d.put("amount", amount);
        d.put("reason", body.reason());
        d.put("appliedTo", appliedTo);
        if (body.memo() != null) {
            d.put("memo", body.memo());
        }
        return d;
    }

    /** The invoice's credit notes, oldest first: its tenant (any tenant role) and platform admins; else 404. */
    public Uni<List<CreditNoteView>> ofInvoice(Caller caller, UUID invoiceId) {
        return reads.readable(caller, invoiceId, (c, invoice) -> notes.ofInvoice(c, invoice.id())
                .map(rows -> rows.stream().map(CreditNotes::view).toList()));
    }

    /** Stripe's states of a credit note ({@code stripeState}). */
    public static final List<String> STRIPE_STATES = List.of("PENDING", "PUSHED", "FAILED", "SKIPPED");

    /**
     * Credit notes across invoices, in the order they were made: what finance books for a month (from/to on when each
     * was made), what is stuck on its way to Stripe (stripeState FAILED), or what was voided (status VOID; ISSUED: the
     * others). A tenant's roles see their own, platform admins everyone's or one tenant's.
     */
    public Uni<Page<CreditNoteView>> find(Caller caller, UUID tenantId, String stripeState, String status,
            String from, String to, PageRequest page) {
        if (stripeState != null && !STRIPE_STATES.contains(stripeState)) {
            throw Invoices.invalid("stripeState", "one of " + String.join(", ", STRIPE_STATES));
        }
        if (status != null && !List.of("ISSUED", "VOID").contains(status)) {
            throw Invoices.invalid("status", "ISSUED or VOID");
        }
        Fields.Span span = Fields.span(from, to);
        Boolean voided = status == null ? null : status.equals("VOID");
        return reads.reader(caller, tenantId).chain(scope -> tx.asPlatform(c -> notes.page(c, scope, stripeState,
                        voided, span.from(), span.to(), page.afterUuid(), page.limit() + 1)))
                .map(rows -> page.page(rows.stream().map(CreditNotes::view).toList(), v -> v.id().toString()));
    }

    /** One credit note: its tenant (any tenant role) and platform admins; anyone else 404. */
    public Uni<CreditNoteView> get(Caller caller, UUID id) {
        return reads.reader(caller, null).chain(scope -> tx.asPlatform(c -> notes.find(c, id).map(found -> found
                .filter(r -> scope == null || r.tenantId().equals(scope)).map(CreditNotes::view)
                .orElseThrow(() -> new MyriadProblem.NotFound(ProblemCode.CREDIT_NOTE_NOT_FOUND,
                        "No credit note " + id)))));
    }

    static CreditNoteView view(CreditNoteRow r) {
        return new CreditNoteView(r.id(), r.number(), r.invoiceId(), r.invoiceNumber(), r.tenantId(), r.period(),
                Money.of(r.amountMinor(), r.currency()), Money.of(r.taxMinor(), r.currency()), r.reason(), r.memo(), r.appliedTo(), r.createdAt(),
                r.stripeState(), r.stripeCreditNoteId(), r.stripeLastError(), r.voidedAt() == null ? "ISSUED" : "VOID",
                r.voidedAt(), r.voidedBy(), r.voidMemo(), r.stripeVoidState(), r.stripeVoidLastError(),
                Invoices.seller(r.sellerJson()));
    }
}
