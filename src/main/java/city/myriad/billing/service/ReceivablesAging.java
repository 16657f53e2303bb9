package city.myriad.billing.service;

import city.myriad.billing.mapping.BillingApi.AgingBuckets;
import city.myriad.billing.mapping.BillingApi.ReceivablesAgingView;
import city.myriad.billing.mapping.BillingApi.TenantAging;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.money.SignedMoney;
import city.myriad.platform.security.Caller;
import city.myriad.platform.validation.Fields;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The receivables aging report: what every tenant owes at an instant, by how long past its due date, as a finance
 * team chases it and closes its month. Read from the ledger, not from the invoices' states: an invoice owes at
 * {@code asOf} what the receivable's entries of its transactions made up to then sum to (issued, less paid, voided
 * or written off by then), so the report at any past instant is what the books said then, and each tenant's total
 * now is its balance's receivable ({@code getBalance}) to the minor unit.
 *
 * <p>Buckets by the invoice's due date (fixed at its issue by the tenant's payment terms): current (not yet due),
 * then past due by up to 30, 60, 90 days and over; past due from the first instant after the due date.
 */
@ApplicationScoped
public class ReceivablesAging {

    private final PlainTx tx;
    private final Clock clock;

    ReceivablesAging(PlainTx tx, Clock clock) {
        this.tx = tx;
        this.clock = clock;
    }

    /** Platform admins: the report in one currency at {@code asOfText} (absent: now; never in the future). */
    public Uni<ReceivablesAgingView> aging(Caller caller, String currency, String asOfText) {
        PeriodClose.requireAdmin(caller);
        if (currency == null || !currency.matches("[A-Z]{3}")) {
            throw Invoices.invalid("currency", "an ISO 4217 code in capitals, like CNY");
        }
        Instant now = clock.instant();
        Instant asOf = asOfText == null ? now : Fields.instant("asOf", asOfText);
        if (asOf.isAfter(now)) {
            throw Invoices.invalid("asOf", "not in the future (what is owed later is not known yet)");
        }
        return tx.asPlatform(c -> c.preparedQuery("""
                        with owed as (
                            select x.invoice_id, sum(e.amount_minor) as owed
                              from ledger_entries e join ledger_transactions x on x.id = e.transaction_id
                             where e.account = 'TENANT_RECEIVABLE' and e.currency = $1 and x.created_at <= $2
                             group by x.invoice_id
                            having sum(e.amount_minor) <> 0),
                        aged as (
                            select i.tenant_id, o.owed, i.due_at,
                                   case when i.due_at >= $2 then 0
                                        when i.due_at >= $2 - interval '30 days' then 1
                                        when i.due_at >= $2 - interval '60 days' then 2
                                        when i.due_at >= $2 - interval '90 days' then 3
                                        else 4 end as bucket
                              from owed o join invoices i on i.id = o.invoice_id)
                        select a.tenant_id, t.slug, t.name,
                               coalesce(sum(a.owed) filter (where a.bucket = 0), 0)::bigint,
                               coalesce(sum(a.owed) filter (where a.bucket = 1), 0)::bigint,
                               coalesce(sum(a.owed) filter (where a.bucket = 2), 0)::bigint,
                               coalesce(sum(a.owed) filter (where a.bucket = 3), 0)::bigint,
                               coalesce(sum(a.owed) filter (where a.bucket = 4), 0)::bigint,
                               sum(a.owed)::bigint, count(*)::int, min(a.due_at) filter (where a.bucket > 0)
                          from aged a join tenants t on t.id = a.tenant_id
                         group by a.tenant_id, t.slug, t.name
                         order by sum(a.owed) desc, t.slug""")
                .execute(Tuple.of(currency, SqlTimes.utc(asOf))).map(rows -> {
                    List<TenantAging> tenants = new ArrayList<>();
                    long[] totals = new long[6];
                    for (Row r : rows) {
                        long[] sums = new long[6];
                        for (int k = 0; k < 6; k++) {
                            sums[k] = r.getLong(3 + k);
                            totals[k] += sums[k];
                        }
                        tenants.add(new TenantAging(r.getUUID(0), r.getString(1), r.getString(2),
                                buckets(sums, currency), r.getInteger(9), SqlTimes.instant(r.getValue(10))));
                    }
                    return new ReceivablesAgingView(asOf, currency, buckets(totals, currency), tenants);
                }));
    }

    private static AgingBuckets buckets(long[] sums, String currency) {
        return new AgingBuckets(SignedMoney.of(sums[0], currency), SignedMoney.of(sums[1], currency),
                SignedMoney.of(sums[2], currency), SignedMoney.of(sums[3], currency), SignedMoney.of(sums[4], currency),
                SignedMoney.of(sums[5], currency));
    }
}
