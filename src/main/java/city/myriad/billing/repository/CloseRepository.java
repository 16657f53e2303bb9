package city.myriad.billing.repository;

import city.myriad.platform.db.SqlTimes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * A period's close, set-based, in the caller's one transaction (platform scope): the period stops taking usage,
 * every tenant's lines are rated at once (RatingSql), the invoices are issued with their lines, the ledger gets one
 * balanced transaction per invoice, and Stripe's outbox a row per invoice to push. Either all of it commits or
 * none: a crash anywhere leaves the period to be closed again, and a close of an invoiced period changes nothing.
 */
@ApplicationScoped
public class CloseRepository {

    /** The advisory lock of the prepaid wallets: the close and credit grants take it, so no grant crosses a close. */
    public static final long WALLETS_LOCK = 0x6d79726961645f77L; // "myriad_w"

    /** What a close found or did. */
    public record Closed(boolean invoicedNow, int invoices) {}

    /**
     * Freezes the period (waits for the meter's transactions writing into it: they hold its row FOR SHARE) and
     * answers whether it is invoiced already.
     */
    public Uni<Boolean> freeze(SqlConnection c, String period, Instant at, String by) {
        return c.preparedQuery("select pg_advisory_xact_lock($1)").execute(Tuple.of(WALLETS_LOCK))
                .chain(() -> c.preparedQuery("""
                        insert into billing_periods (period, state, closed_at, closed_by)
                        values ($1, 'CLOSED', $2, $3)
                        on conflict (period) do update set state = 'CLOSED', closed_at = excluded.closed_at,
                                                           closed_by = excluded.closed_by
                         where billing_periods.state = 'OPEN'""").execute(Tuple.of(period, SqlTimes.utc(at), by)))
                .chain(() -> c.preparedQuery("select invoiced_at from billing_periods where period = $1 for update")
                        .execute(Tuple.of(period)))
                .map(rows -> rows.iterator().next().getValue(0) != null);
    }

    /**
     * The periods before {@code period} that still have something to bill, oldest first: a draft invoice (usage,
     * a reservation bought or cancelled, a shortfall) or a commitment's minimum, in a period not closed. Periods
     * close in order, so that prepaid credit is spent and invoices are numbered in the order of the months billed.
     */
    public Uni<java.util.List<String>> earlierToBill(SqlConnection c, String period, String previous) {
        return c.preparedQuery("""
                        select i.period from invoices i
                         where i.state = 'DRAFT' and i.period < $1
                           and not exists (select 1 from billing_periods b where b.period = i.period
                                                                        and b.state = 'CLOSED')
                        union
                        select to_char(m, 'YYYY-MM') from commitments c,
                               generate_series(to_date(c.first_period || '-01', 'YYYY-MM-DD'),
                                               to_date(least(c.last_period, $2) || '-01', 'YYYY-MM-DD'),
                                               interval '1 month') m
                         where c.minimum_minor > 0 and c.first_period < $1
                           and not exists (select 1 from billing_periods b where b.period = to_char(m, 'YYYY-MM')
                                                                        and b.state = 'CLOSED')
                        order by 1""").execute(Tuple.of(period, previous))
                .map(rows -> {
                    java.util.List<String> periods = new java.util.ArrayList<>();
                    rows.forEach(r -> periods.add(r.getString(0)));
                    return periods;
                });
    }

    /** Whether the period is closed and invoiced already (a close of it answers it unchanged). */
    public Uni<Boolean> invoiced(SqlConnection c, String period) {
        return c.preparedQuery("select 1 from billing_periods where period = $1 and invoiced_at is not null")
                .execute(Tuple.of(period)).map(rows -> rows.iterator().hasNext());
    }

    /**
     * Rates the period and issues its invoices; {@code feePercent} is the marketplace's share of revenue, {@code
     * dueDays} the days from issue to due of a tenant without payment terms (its own terms' days otherwise, and its
     * collection method kept on the invoice).
     */
    public Uni<Closed> invoice(SqlConnection c, String period, Instant start, Instant end, Instant at, String by,
            BigDecimal feePercent, boolean stripeConfigured, int dueDays, InvoiceRepository.TaxRate platformTax,
            String sellerJson) {
        OffsetDateTime now = SqlTimes.utc(at);
        return c.preparedQuery("create temp table rated on commit drop as " + RatingSql.LINES)
                .execute(Tuple.tuple().addValue(period).addValue(SqlTimes.utc(start)).addValue(SqlTimes.utc(end))
                        .addValue(null).addValue(false).addValue(now).addValue(platformTax.ratePercent())
                        .addValue(platformTax.name()))
                .chain(() -> c.preparedQuery("""
                        insert into invoices (id, tenant_id, period, currency, state, created_at, updated_at)
                        select myriad_uuid_v7(), tenant_id, $1, currency, 'DRAFT', $2, $2
                          from (select distinct tenant_id, currency from rated order by 1, 2) d
                        on conflict (tenant_id, period, currency) do nothing""").execute(Tuple.of(period, now)))
                // A draft with nothing to bill is not issued: this period's (say, a reservation billed by an earlier
                // close), and any left in an invoiced period (a reservation bought while that period closed: it is
                // billed by this close).
                .chain(() -> c.preparedQuery("""
                        delete from invoices i
                         where i.state = 'DRAFT'
                           and ((i.period = $1 and not exists (select 1 from rated r where r.tenant_id = i.tenant_id
                                                                                    and r.currency = i.currency))
                                or exists (select 1 from billing_periods p where p.period = i.period
                                                                           and p.invoiced_at is not null))""")
                        .execute(Tuple.of(period)))
                .chain(() -> c.preparedQuery("""
                        insert into invoice_lines (invoice_id, line_no, tenant_id, kind, project_id, cluster_id, model,
                                                   price_class, hours_from, hours_to, card_milli_seconds,
                                                   amount_minor, reservation_id, commitment_id, tax_rate_percent,
                                                   tax_name)
                        select i.id, row_number() over (partition by i.id order by r.sort, r.cluster_id, r.project_id,
                                                        r.model, r.price_class, r.hours_from, r.reservation_id),
                               r.tenant_id, r.kind, r.project_id, r.cluster_id, r.model, r.price_class, r.hours_from,
                               r.hours_to, r.cms, r.amount, r.reservation_id, r.commitment_id, r.tax_rate_percent,
                               r.tax_name
                          from rated r join invoices i on i.tenant_id = r.tenant_id and i.period = $1
                                                       and i.currency = r.currency and i.state = 'DRAFT'""")
                        .execute(Tuple.of(period)))
                .chain(() -> c.preparedQuery("""
                        insert into billed_reservations (reservation_id, kind, invoice_id)
                        select l.reservation_id, case l.kind when 'RESERVATION' then 'PURCHASE' else 'CANCELLATION' end,
                               l.invoice_id
                          from invoice_lines l join invoices i on i.id = l.invoice_id
                         where i.period = $1 and i.state = 'DRAFT'
                           and l.kind in ('RESERVATION', 'RESERVATION_CANCELLATION')""").execute(Tuple.of(period)))
                // An extension's line names its reservation and the window it added (from the end before).
                .chain(() -> c.preparedQuery("""
                        update reservation_extensions e set invoice_id = l.invoice_id
                          from invoice_lines l join invoices i on i.id = l.invoice_id
                         where i.period = $1 and i.state = 'DRAFT' and l.kind = 'RESERVATION_EXTENSION'
                           and e.reservation_id = l.reservation_id and e.from_at = l.hours_from""")
                        .execute(Tuple.of(period)))
                .chain(() -> c.preparedQuery("""
                        create temp table issued on commit drop as
                        with sums as (
                            select l.invoice_id,
                                   sum(l.amount_minor) filter (where l.kind not in ('TAX', 'PREPAID_CREDIT',
                                                                                    'CREDIT_CARRIED')) as subtotal,
                                   coalesce(sum(l.amount_minor) filter (where l.kind = 'TAX'), 0) as tax,
                                   coalesce(-sum(l.amount_minor) filter (where l.kind = 'PREPAID_CREDIT'), 0) as applied,
                                   sum(l.amount_minor) as total
                              from invoice_lines l join invoices i on i.id = l.invoice_id
                             where i.period = $1 and i.state = 'DRAFT'
                             group by l.invoice_id),
                        numbered as (
                            select s.*, i.tenant_id, i.currency,
                                   row_number() over (order by i.tenant_id, i.currency)
                                   + coalesce((select count(*) from invoices x where x.period = $1
                                                                                and x.state <> 'DRAFT'), 0) as n
                              from sums s join invoices i on i.id = s.invoice_id),
                        upd as (
                            update invoices i
                               set state = 'ISSUED',
                                   number = 'MYR-' || replace($1, '-', '') || '-' || lpad(n.n::text, 6, '0'),
                                   subtotal_minor = coalesce(n.subtotal, 0), tax_minor = n.tax,
                                   credit_applied_minor = n.applied,
                                   total_minor = n.total, issued_at = $2::timestamptz,
                                   due_at = $2::timestamptz
                                            + make_interval(days => coalesce(t.days_until_due, $3::int)),
                                   collection_method = coalesce(t.collection_method, 'CHARGE_AUTOMATICALLY'),
                                   bill_to = myriad_bill_to(i.tenant_id), seller = $4::text::jsonb,
                                   updated_at = $2::timestamptz
                              from numbered n left join payment_terms t on t.tenant_id = n.tenant_id
                             where i.id = n.invoice_id
                            returning i.id, i.tenant_id, i.currency, i.total_minor, i.credit_applied_minor, i.number)
                        select * from upd""").execute(Tuple.of(period, now, dueDays, sellerJson)))
                .chain(() -> c.preparedQuery("""
                        insert into ledger_transactions (id, kind, reference, tenant_id, invoice_id, period, memo,
                                                         created_by, created_at)
                        select myriad_uuid_v7(), 'INVOICE_ISSUED', id::text, tenant_id, id, $1, 'Invoice ' || number,
                               $2, $3
                          from issued order by issued.id""").execute(Tuple.of(period, by, now)))
                .chain(() -> c.preparedQuery(ENTRIES).execute(Tuple.of(feePercent)))
                // Nothing to collect: an invoice of zero is paid as it is issued (as Stripe does on finalizing).
                .chain(() -> c.preparedQuery("""
                        update invoices i set state = 'PAID', paid_at = $1, updated_at = $1
                          from issued s where s.id = i.id and s.total_minor = 0""").execute(Tuple.of(now)))
                .chain(() -> c.preparedQuery("""
                        insert into stripe_pushes (invoice_id, state, next_attempt_at)
                        select id, $1, $2 from issued where total_minor > 0 order by id""")
                        .execute(Tuple.of(stripeConfigured ? "PENDING" : "SKIPPED", now)))
                .chain(() -> c.preparedQuery("""
                        update billing_periods
                           set invoiced_at = $2,
                               invoice_count = (select count(*) from invoices where period = $1 and state <> 'DRAFT')
                         where period = $1 returning invoice_count""").execute(Tuple.of(period, now)))
                .map(rows -> new Closed(true, rows.iterator().next().getInteger(0)));
    }

    /**
     * One balanced transaction per invoice issued, in one statement (the database checks each sums to zero):
     * <ul>
     * <li>debit the tenant's receivable with the total, and its prepaid wallet with the credit consumed (or credit
     * the wallet with a negative subtotal carried to it);</li>
     * <li>per cluster of the lines, credit its operator's payable with the revenue less the marketplace fee, and
     * marketplace revenue with the fee (half-even, once per invoice and cluster);</li>
     * <li>lines of no cluster (a commitment's shortfall) credit marketplace revenue;</li>
     * <li>the TAX line credits tax payable: the marketplace owes it to the tax authority, and neither its fee nor an
     * operator's share is taken from it.</li>
     * </ul>
     */
    static final String ENTRIES = """
            insert into ledger_entries (transaction_id, line, account, owner_id, cluster_id, currency, amount_minor)
            with tx as (
                select t.id as tx, s.id as invoice_id, s.tenant_id, s.currency, s.total_minor
                  from issued s join ledger_transactions t on t.kind = 'INVOICE_ISSUED' and t.reference = s.id::text),
            wallet as (
                select l.invoice_id, sum(l.amount_minor) as amount
                  from invoice_lines l join issued s on s.id = l.invoice_id
                 where l.kind in ('PREPAID_CREDIT', 'CREDIT_CARRIED') group by l.invoice_id),
            per_cluster as (
                select l.invoice_id, l.cluster_id, sum(l.amount_minor) as revenue
                  from invoice_lines l join issued s on s.id = l.invoice_id
                 where l.kind not in ('TAX', 'PREPAID_CREDIT', 'CREDIT_CARRIED')
                 group by l.invoice_id, l.cluster_id),
            tax as (
                select l.invoice_id, sum(l.amount_minor) as amount
                  from invoice_lines l join issued s on s.id = l.invoice_id
                 where l.kind = 'TAX' group by l.invoice_id),
            fees as (
                select p.invoice_id, p.cluster_id, p.revenue,
                       case when p.cluster_id is null then p.revenue
                            else myriad_round_half_even(p.revenue * $1 / 100) end as fee,
                       cl.operator_id
                  from per_cluster p left join clusters cl on cl.id = p.cluster_id),
            entries as (
                select tx.tx, 1 as k, 'TENANT_RECEIVABLE' as account, tx.tenant_id as owner_id, null::uuid as cluster_id,
                       tx.currency, tx.total_minor as amount
                  from tx where tx.total_minor <> 0
                union all
                select tx.tx, 2, 'TENANT_CREDIT', tx.tenant_id, null, tx.currency, -w.amount
                  from tx join wallet w on w.invoice_id = tx.invoice_id where w.amount <> 0
                union all
                select tx.tx, 3, 'OPERATOR_PAYABLE', f.operator_id, f.cluster_id, tx.currency, -(f.revenue - f.fee)
                  from tx join fees f on f.invoice_id = tx.invoice_id
                 where f.cluster_id is not null and f.revenue - f.fee <> 0
                union all
                select tx.tx, 4, 'MARKETPLACE_REVENUE', null, f.cluster_id, tx.currency, -f.fee
                  from tx join fees f on f.invoice_id = tx.invoice_id where f.fee <> 0
                union all
                select tx.tx, 5, 'TAX_PAYABLE', null, null, tx.currency, -x.amount
                  from tx join tax x on x.invoice_id = tx.invoice_id where x.amount <> 0)
            select tx, row_number() over (partition by tx order by k, cluster_id), account, owner_id, cluster_id,
                   currency, amount
              from entries""";
}
