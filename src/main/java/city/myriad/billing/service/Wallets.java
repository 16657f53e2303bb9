package city.myriad.billing.service;

import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.billing.mapping.BillingApi.BalanceView;
import city.myriad.billing.mapping.BillingApi.CommitmentRequest;
import city.myriad.billing.mapping.BillingApi.CommitmentView;
import city.myriad.billing.mapping.BillingApi.CreditGrantRequest;
import city.myriad.billing.mapping.BillingApi.CreditGrantView;
import city.myriad.billing.mapping.BillingApi.CurrencyBalance;
import city.myriad.billing.model.Account;
import city.myriad.billing.repository.CloseRepository;
import city.myriad.billing.repository.InvoiceRepository;
import city.myriad.billing.repository.LedgerRepository;
import city.myriad.billing.repository.LedgerRepository.Entry;
import city.myriad.billing.repository.LedgerRepository.Posting;
import city.myriad.platform.time.Period;
import city.myriad.platform.TextRules;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.money.Money;
import city.myriad.platform.money.SignedMoney;
import city.myriad.platform.security.Caller;
import city.myriad.platform.time.Ids;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A tenant's money outside its invoices: balances (queries over the ledger), prepaid credit granted by platform
 * admins (consumed by the next invoices before anything is charged), and committed-use discounts.
 */
@ApplicationScoped
public class Wallets {

    /** A grant as stored, and whether this request replayed an earlier one with the same key. */
    public record Granted(CreditGrantView view, boolean replayed) {}

    private final PlainTx tx;
    private final LedgerRepository ledger;
    private final InvoiceRepository invoices;
    private final Invoices invoiceViews;
    private final TenantProjects tenants;
    private final BillingConfig config;
    private final Clock clock;
    private final Ids ids;

    private final AuditTrail audit;

    Wallets(PlainTx tx, LedgerRepository ledger, InvoiceRepository invoices, Invoices invoiceViews,
            TenantProjects tenants, BillingConfig config, Clock clock, Ids ids, AuditTrail audit) {
        this.audit = audit;
        this.ids = ids;
        this.tx = tx;
        this.ledger = ledger;
        this.invoices = invoices;
        this.invoiceViews = invoiceViews;
        this.tenants = tenants;
        this.config = config;
        this.clock = clock;
    }

    /** The tenant's balances and standing: its own tenant for any tenant role, any for platform admins. */
    public Uni<BalanceView> balance(Caller caller, UUID tenantId) {
        Instant now = clock.instant();
        return tenants.tenant(caller, tenantId, false).chain(t -> tx.asPlatform(c -> balance(c, t, now)));
    }

    private Uni<BalanceView> balance(io.vertx.mutiny.sqlclient.SqlConnection c, UUID t, Instant now) {
        Map<String, long[]> by = new TreeMap<>();
        return ledger.balances(c, Account.TENANT_RECEIVABLE, t)
                .invoke(rs -> rs.forEach(b -> by.computeIfAbsent(b.currency(), k -> new long[4])[0] += b.amountMinor()))
                .chain(() -> ledger.balances(c, Account.TENANT_CREDIT, t))
                .invoke(ws -> ws.forEach(b -> by.computeIfAbsent(b.currency(), k -> new long[4])[1] -= b.amountMinor()))
                .chain(() -> c.preparedQuery("""
                                select currency, sum(total_minor - credited_minor)::bigint from invoices
                                 where tenant_id = $1 and state = 'ISSUED' and overdue_since <= $2 group by currency""")
                        .execute(Tuple.of(t, city.myriad.platform.db.SqlTimes.utc(now))))
                .invoke(os -> os.forEach(r -> by.computeIfAbsent(r.getString(0), k -> new long[4])[3] += r.getLong(1)))
                .chain(() -> invoices.page(c, t, null, "DRAFT", null, null, null, null, 100))
                .chain(drafts -> Multi.createFrom().iterable(drafts).onItem()
                        .transformToUniAndConcatenate(d -> invoiceViews.view(c, d, false)).collect().asList())
                .invoke(ds -> ds.forEach(d -> by.computeIfAbsent(d.currency(), k -> new long[4])[2] +=
                        d.total().amountMinor()))
                .chain(() -> standing(c, t, now)).map(standing -> {
                    List<CurrencyBalance> lines = new ArrayList<>();
                    by.forEach((cur, v) -> lines.add(new CurrencyBalance(cur, SignedMoney.of(v[0], cur),
                            SignedMoney.of(v[1], cur), SignedMoney.of(v[2], cur), SignedMoney.of(v[3], cur))));
                    return new BalanceView(t, standing[0], standing[1] == null ? null : Instant.parse(standing[1]),
                            lines);
                });
    }

    /**
     * GOOD, GRACE (an invoice overdue: a charged one's payment failed, a sent one's due date passed; until when) or
     * SUSPENDED (since when).
     */
    private Uni<String[]> standing(io.vertx.mutiny.sqlclient.SqlConnection c, UUID tenant, Instant now) {
        return c.preparedQuery("""
                        select (select since from billing_suspensions where tenant_id = $1),
                               (select min(overdue_since) from invoices
                                 where tenant_id = $1 and state = 'ISSUED' and overdue_since <= $2)""")
                .execute(Tuple.of(tenant, city.myriad.platform.db.SqlTimes.utc(now))).map(rows -> {
                    Row r = rows.iterator().next();
                    if (r.getValue(0) != null) {
                        return new String[] {"SUSPENDED", r.getOffsetDateTime(0).toInstant().toString()};
                    }
                    if (r.getValue(1) != null) {
                        return new String[] {"GRACE", r.getOffsetDateTime(1).toInstant().plus(config.paymentGrace())
                                .toString()};
                    }
                    return new String[] {"GOOD", null};
                });
    }

    /**
     * Grants prepaid credit (platform admins): credit the tenant's wallet, debit marketplace revenue (promotional
     * credit is the marketplace's cost). With an Idempotency-Key, the same grant is posted once: the ledger's
     * unique (kind, reference) holds it.
     */
    public Uni<Granted> grant(Caller caller, UUID tenantId, String key, CreditGrantRequest body) {
        PeriodClose.requireAdmin(caller);
        city.myriad.platform.idempotency.Creations.checkKey(key);
        if (body.amount().amountMinor() <= 0) {
            throw Invoices.invalid("amount.amountMinor", "above 0");
        }
        if (body.reason() != null && TextRules.problem(body.reason(), true) != null) {
            throw Invoices.invalid("reason", TextRules.problem(body.reason(), true));
        }
        Instant now = clock.instant();
        String reference = tenantId + ":" + (key == null ? UUID.randomUUID().toString() : key);
        Money amount = body.amount();
        return tenants.tenant(caller, tenantId, false).chain(t -> tx.asPlatform(c -> c
                .preparedQuery("select pg_advisory_xact_lock($1)").execute(Tuple.of(CloseRepository.WALLETS_LOCK))
                .chain(() -> ledger.post(c, new Posting("CREDIT_GRANTED", reference, t, null, Period.of(now).toString(),
                        body.reason() == null ? "Prepaid credit" : body.reason(), caller.username(), now), List.of(
                        new Entry(Account.MARKETPLACE_REVENUE, null, null, amount.currency(), amount.amountMinor()),
                        new Entry(Account.TENANT_CREDIT, t, null, amount.currency(), -amount.amountMinor()))))
                .chain(posted -> grants(c, t, "t.reference = $2", reference).chain(found -> {
                    CreditGrantView view = found.get(0);
                    if (posted.isEmpty() && !view.amount().equals(amount)) {
                        throw new MyriadProblem.Conflict(ProblemCode.IDEMPOTENCY_KEY_REUSED, "This Idempotency-Key "
                                + "granted " + view.amount().amountMinor() + " " + view.amount().currency()
                                + "; a different grant needs a new key");
                    }
                    // A grant replayed under its key was recorded when it was made.
                    Uni<Void> recorded = posted.isEmpty() ? Uni.createFrom().voidItem() : audit.record(c, caller, t,
                            "grantCredit", Target.of("CREDIT_GRANT", view.id()),
                            grantDetails(amount, view.reason()));
                    return recorded.replaceWith(new Granted(view, posted.isEmpty()));
                }))));
    }

    /** The tenant's credit grants, newest first (any tenant role: own; platform admins). */
    public Uni<List<CreditGrantView>> grants(Caller caller, UUID tenantId) {
        return tenants.tenant(caller, tenantId, false).chain(t -> tx.asPlatform(c -> grants(c, t, "true", null)));
    }

    /** One grant of the tenant; 404 if it has none of that id. */
    public Uni<CreditGrantView> grant(Caller caller, UUID tenantId, UUID grantId) {
        return tenants.tenant(caller, tenantId, false).chain(t -> tx.asPlatform(c -> grants(c, t, "t.id = $2",
                grantId).map(found -> found.stream().findFirst().orElseThrow(() -> new MyriadProblem.NotFound(
                        ProblemCode.CREDIT_GRANT_NOT_FOUND, "No credit grant " + grantId)))));
    }

    private Uni<List<CreditGrantView>> grants(io.vertx.mutiny.sqlclient.SqlConnection c, UUID tenant, String filter,
            Object value) {
        Tuple args = value == null ? Tuple.of(tenant) : Tuple.of(tenant, value);
        return c.preparedQuery("""
                        select t.id, t.memo, t.created_at, -e.amount_minor, e.currency,
                               (select -sum(amount_minor) from ledger_entries w
                                 where w.account = 'TENANT_CREDIT' and w.owner_id = $1
                                   and w.currency = e.currency)::bigint
                          from ledger_transactions t join ledger_entries e on e.transaction_id = t.id
                         where t.kind = 'CREDIT_GRANTED' and t.tenant_id = $1 and e.account = 'TENANT_CREDIT'
                        """ + " and " + filter + " order by t.id desc limit 500").execute(args).map(rows -> {
                    List<CreditGrantView> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new CreditGrantView(r.getUUID(0), tenant, Money.of(r.getLong(3), r.getString(4)),
                                r.getString(1), r.getOffsetDateTime(2).toInstant(),
                                Money.of(r.getLong(5), r.getString(4))));
                    }
                    return out;
                });
    }

    private static Map<String, Object> grantDetails(Money amount, String reason) {
        Map<String, Object> details = new java.util.LinkedHashMap<>();
        details.put("amount", amount);
        details.put("reason", reason);
        return details;
    }

    /**
     * A committed-use discount for a term of periods (platform admins); terms of one currency never overlap. With an
     * Idempotency-Key the commitment is made once: the same key again answers the one made (replayed), the same key
     * with other terms is 409 IDEMPOTENCY_KEY_REUSED.
     */
    public Uni<Committed> commit(Caller caller, UUID tenantId, String key, CommitmentRequest body) {
        PeriodClose.requireAdmin(caller);
        city.myriad.platform.idempotency.Creations.checkKey(key);
        Instant now = clock.instant();
        if (body.lastPeriod().compareTo(body.firstPeriod()) < 0) {
            throw Invoices.invalid("lastPeriod", "the same as or after firstPeriod");
        }
        UUID id = ids.next();
        Money min = body.minimumPerPeriod();
        // Keys are the caller's, as every Idempotency-Key is: two admins' keys never name each other's commitment.
        String scoped = key == null ? null : caller.subject() + "|" + key;
        return tenants.tenant(caller, tenantId, false).chain(t -> tx.asPlatform(c -> c
                .preparedQuery("select pg_advisory_xact_lock(hashtextextended($1, 0))")
                .execute(Tuple.of("commitments:" + t))
                .chain(() -> scoped == null ? Uni.createFrom().<List<CommitmentView>>item(List.of())
                        : commitments(c, t, "idempotency_key = $2", scoped))
                .chain(made -> {
                    if (!made.isEmpty()) {
                        return Uni.createFrom().item(replayed(made.get(0), body));
                    }
                    // Checked after the look-up: a replay of last month's request is answered, not refused as past.
                    if (body.firstPeriod().compareTo(Period.of(now).toString()) < 0) {
                        throw Invoices.invalid("firstPeriod", "this period or a later one");
                    }
                    return c.preparedQuery("""
                                    select count(*) from commitments where tenant_id = $1 and currency = $2
                                       and first_period <= $4 and last_period >= $3""")
                            .execute(Tuple.of(t, min.currency(), body.firstPeriod(), body.lastPeriod()))
                            .chain(rows -> {
                                if (rows.iterator().next().getLong(0) > 0) {
                                    throw new MyriadProblem.Conflict(ProblemCode.COMMITMENT_OVERLAPS, "The tenant has a "
                                            + min.currency() + " commitment for some of " + body.firstPeriod() + " to "
                                            + body.lastPeriod());
                                }
                                return c.preparedQuery("""
                                        insert into commitments (id, tenant_id, currency, discount_percent, minimum_minor,
                                                                 first_period, last_period, created_by, created_at,
                                                                 idempotency_key)
                                        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""").execute(Tuple.tuple()
                                        .addValue(id).addValue(t).addValue(min.currency())
                                        .addValue(body.discountPercent()).addValue(min.amountMinor())
                                        .addValue(body.firstPeriod()).addValue(body.lastPeriod())
                                        .addValue(caller.username()).addValue(SqlTimes.utc(now)).addValue(scoped));
                            })
                            .call(() -> audit.record(c, caller, t, "createCommitment", Target.of("COMMITMENT", id),
                                    Map.of("discountPercent", body.discountPercent(), "minimumPerPeriod", min,
                                            "firstPeriod", body.firstPeriod(), "lastPeriod", body.lastPeriod())))
                            .replaceWith(new Committed(new CommitmentView(id, t, body.discountPercent(), min,
                                    body.firstPeriod(), body.lastPeriod(), now), false));
                })));
    }

    /** A commitment made, and whether it was made before under the request's Idempotency-Key. */
    public record Committed(CommitmentView view, boolean replayed) {}

    /** The commitment a key made, if the request asks for it again; 409 if the key made another. */
    private static Committed replayed(CommitmentView made, CommitmentRequest asked) {
        boolean same = made.discountPercent().compareTo(asked.discountPercent()) == 0
                && made.minimumPerPeriod().equals(asked.minimumPerPeriod())
                && made.firstPeriod().equals(asked.firstPeriod()) && made.lastPeriod().equals(asked.lastPeriod());
        if (!same) {
            throw new MyriadProblem.Conflict(ProblemCode.IDEMPOTENCY_KEY_REUSED, "This Idempotency-Key made commitment "
                    + made.id() + " with other terms; a different commitment needs a new key");
        }
        return new Committed(made, true);
    }

    /** One commitment of the tenant; 404 if it has none of that id. */
    public Uni<CommitmentView> commitment(Caller caller, UUID tenantId, UUID id) {
        return commitments(caller, tenantId).map(all -> all.stream().filter(v -> v.id().equals(id)).findFirst()
                .orElseThrow(() -> new MyriadProblem.NotFound(ProblemCode.COMMITMENT_NOT_FOUND, "No commitment " + id)));
    }

    /** The tenant's commitments, latest term first. */
    public Uni<List<CommitmentView>> commitments(Caller caller, UUID tenantId) {
        return tenants.tenant(caller, tenantId, false).chain(t -> tx.asTenant(t, c -> commitments(c, t, "true", null)));
    }

    private static Uni<List<CommitmentView>> commitments(io.vertx.mutiny.sqlclient.SqlConnection c, UUID tenant,
            String filter, Object value) {
        Tuple args = value == null ? Tuple.of(tenant) : Tuple.of(tenant, value);
        return c.preparedQuery("""
                        select id, discount_percent, minimum_minor, currency, first_period, last_period, created_at
                          from commitments where tenant_id = $1 and """ + " " + filter
                        + " order by first_period desc, id").execute(args).map(rows -> {
                    List<CommitmentView> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new CommitmentView(r.getUUID(0), tenant, Invoices.plain(r.getBigDecimal(1)),
                                Money.of(r.getLong(2), r.getString(3)), r.getString(4), r.getString(5),
                                r.getOffsetDateTime(6).toInstant()));
                    }
                    return out;
                });
    }
}
