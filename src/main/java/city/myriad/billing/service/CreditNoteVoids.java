package city.myriad.billing.service;

import city.myriad.billing.mapping.BillingApi.CreditNoteView;
import city.myriad.billing.mapping.BillingApi.CreditNoteVoidRequest;
import city.myriad.billing.model.Account;
import city.myriad.billing.repository.CreditNoteRepository;
import city.myriad.billing.repository.CreditNoteRepository.CreditNoteRow;
import city.myriad.billing.repository.InvoiceRepository;
import city.myriad.billing.repository.InvoiceRepository.InvoiceRow;
import city.myriad.billing.repository.LedgerRepository;
import city.myriad.billing.repository.LedgerRepository.Entry;
import city.myriad.billing.repository.LedgerRepository.Posting;
import city.myriad.platform.TextRules;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.money.Money;
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
 * Voiding a credit note made by mistake (the wrong invoice, amount or reason), as Stripe allows it: only while its
 * invoice is still owed (ISSUED), so only a note that lowered what the invoice asks ({@code AMOUNT_DUE}). A note on a
 * paid invoice went to the prepaid wallet, which the next close may have spent: it is never voided (409
 * {@code CREDIT_NOTE_NOT_VOIDABLE}); a line on a later invoice corrects it. Platform admins only.
 * <p>
 * In one transaction, the invoice locked first and then the note (the order {@link CreditNotes} writes in): the note
 * marked VOID, a ledger transaction reversing the note's ({@code CREDIT_NOTE_VOIDED}: the receivable owed again,
 * marketplace revenue credited back), the invoice's {@code credited} lowered (its webhook event
 * {@code invoice.credit_note_voided}), and the audit event. Voiding a void note answers it as it is: a retry voids
 * nothing twice. Stripe's copy is voided by the billing worker once it exists ({@code StripeCreditNotes}).
 */
@ApplicationScoped
public class CreditNoteVoids {

    private final PlainTx tx;
    private final InvoiceRepository invoices;
    private final CreditNoteRepository notes;
    private final LedgerRepository ledger;
    private final AuditTrail audit;
    private final Clock clock;

    CreditNoteVoids(PlainTx tx, InvoiceRepository invoices, CreditNoteRepository notes, LedgerRepository ledger,
            AuditTrail audit, Clock clock) {
        this.tx = tx;
        this.invoices = invoices;
        this.notes = notes;
        this.ledger = ledger;
        this.audit = audit;
        this.clock = clock;
    }

    public Uni<CreditNoteView> voidNote(Caller caller, UUID id, CreditNoteVoidRequest body) {
        PeriodClose.requireAdmin(caller);
        String memo = body == null ? null : body.memo();
        if (memo != null && memo.length() > 500) {
            throw Invoices.invalid("memo", "at most 500 characters");
        }
        if (memo != null && TextRules.problem(memo, true) != null) {
            throw Invoices.invalid("memo", TextRules.problem(memo, true));
        }
        Instant now = clock.instant();
        return tx.asPlatform(c -> notes.find(c, id).chain(found -> {
            CreditNoteRow seen = found.orElseThrow(() -> notFound(id));
            return invoices.forUpdate(c, seen.invoiceId()).chain(invoice -> notes.forUpdate(c, id).chain(locked -> {
                CreditNoteRow n = locked.orElseThrow(() -> notFound(id));
                if (n.voidedAt() != null) {
                    return Uni.createFrom().item(CreditNotes.view(n));
                }
                return voidNow(c, caller, invoice.orElseThrow(), n, memo, now);
            }));
        }));
    }

    private Uni<CreditNoteView> voidNow(SqlConnection c, Caller caller, InvoiceRow i, CreditNoteRow n, String memo,
            Instant now) {
        if (!n.appliedTo().equals("AMOUNT_DUE") || !i.state().equals("ISSUED")) {
            throw new MyriadProblem.Conflict(ProblemCode.CREDIT_NOTE_NOT_VOIDABLE, "Credit note " + n.number()
                    + (n.appliedTo().equals("AMOUNT_DUE") ? " lowered what invoice " + i.number() + " asked, which is "
                    + i.state() + " now: only a note on an invoice still owed (ISSUED) can be voided"
                    : " went to the prepaid wallet (invoice " + i.number() + " was paid): correct it on a later "
                    + "invoice instead"));
        }
        return ledger.post(c, new Posting("CREDIT_NOTE_VOIDED", n.id().toString(), i.tenantId(), i.id(), i.period(),
                        "Credit note " + n.number() + " voided", caller.username(), now), List.of(
                        new Entry(Account.TENANT_RECEIVABLE, i.tenantId(), null, i.currency(), n.amountMinor()),
                        new Entry(Account.MARKETPLACE_REVENUE, null, null, i.currency(),
                                -(n.amountMinor() - i.taxShareOf(n.amountMinor()))),
                        new Entry(Account.TAX_PAYABLE, null, null, i.currency(), -i.taxShareOf(n.amountMinor()))))
                .chain(() -> c.preparedQuery("update invoices set credited_minor = credited_minor - $2, updated_at = $3 "
                        + "where id = $1").execute(Tuple.of(i.id(), n.amountMinor(), SqlTimes.utc(now))))
                .chain(() -> notes.markVoided(c, n.id(), caller.username(), now, memo))
                .chain(() -> audit.record(c, caller, i.tenantId(), "voidCreditNote", Target.of("CREDIT_NOTE", n.id()),
                        details(n, memo)))
                .chain(() -> notes.find(c, n.id())).map(r -> CreditNotes.view(r.orElseThrow()));
    }

    private static Map<String, Object> details(CreditNoteRow n, String memo) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("number", n.number());
        d.put("invoiceId", n.invoiceId());
        d.put("invoiceNumber", n.invoiceNumber());
        d.put("amount", Money.of(n.amountMinor(), n.currency()));
        if (memo != null) {
            d.put("memo", memo);
        }
        return d;
    }

    private static MyriadProblem notFound(UUID id) {
        return new MyriadProblem.NotFound(ProblemCode.CREDIT_NOTE_NOT_FOUND, "No credit note " + id);
    }
}
