package city.myriad.billing.repository;

import city.myriad.billing.model.Account;
import city.myriad.platform.db.SqlTimes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The ledger: balanced transactions appended, never changed (the database refuses updates, deletes and unbalanced
 * writes); balances are sums over entries. A transaction is unique per (kind, reference), so posting the same
 * business event twice posts it once.
 */
@ApplicationScoped
public class LedgerRepository {

    /** One entry to post: debit positive, credit negative. */
    public record Entry(Account account, UUID ownerId, UUID clusterId, String currency, long amountMinor) {}

    /** What a transaction is about. */
    public record Posting(String kind, String reference, UUID tenantId, UUID invoiceId, String period, String memo,
            String by, Instant at) {}

    /**
     * Posts a transaction and its entries; empty if one of that kind and reference exists (nothing is posted).
     */
    public Uni<Optional<UUID>> post(SqlConnection c, Posting p, List<Entry> entries) {
        return c.preparedQuery("""
                        insert into ledger_transactions (id, kind, reference, tenant_id, invoice_id, period, memo,
                                                         created_by, created_at)
                        values (myriad_uuid_v7(), $1, $2, $3, $4, $5, $6, $7, $8)
                        on conflict (kind, reference) do nothing returning id""")
                .execute(Tuple.tuple().addValue(p.kind()).addValue(p.reference()).addValue(p.tenantId())
                        .addValue(p.invoiceId()).addValue(p.period()).addValue(p.memo()).addValue(p.by())
                        .addValue(SqlTimes.utc(p.at())))
                .chain(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return Uni.createFrom().item(Optional.<UUID>empty());
                    }
                    UUID tx = rows.iterator().next().getUUID(0);
                    List<Entry> nonZero = entries.stream().filter(e -> e.amountMinor() != 0).toList();
                    if (nonZero.isEmpty()) {
                        return Uni.createFrom().item(Optional.of(tx));
                    }
                    // One statement for all entries: the balance trigger sees the whole transaction.
                    StringBuilder sql = new StringBuilder("insert into ledger_entries (transaction_id, line, account, "
                            + "owner_id, cluster_id, currency, amount_minor) values ");
                    Tuple args = Tuple.tuple().addValue(tx);
                    for (int i = 0; i < nonZero.size(); i++) {
                        Entry e = nonZero.get(i);
                        int b = 2 + i * 5;
                        sql.append(i == 0 ? "" : ", ").append("($1, ").append(i + 1).append(", $").append(b)
                                .append(", $").append(b + 1).append(", $").append(b + 2).append(", $").append(b + 3)
                                .append(", $").append(b + 4).append(")");
                        args.addValue(e.account().name()).addValue(e.ownerId()).addValue(e.clusterId())
                                .addValue(e.currency()).addValue(e.amountMinor());
                    }
                    return c.preparedQuery(sql.toString()).execute(args).replaceWith(Optional.of(tx));
                });
    }

    /** Posts the exact opposite of transaction {@code original}: a correction, never an edit. */
    public Uni<Optional<UUID>> reverse(SqlConnection c, UUID original, Posting p) {
        return c.preparedQuery("""
                        insert into ledger_transactions (id, kind, reference, tenant_id, invoice_id, period, reverses,
                                                         memo, created_by, created_at)
                        values (myriad_uuid_v7(), $1, $2, $3, $4, $5, $6, $7, $8, $9)
                        on conflict (kind, reference) do nothing returning id""")
                .execute(Tuple.tuple().addValue(p.kind()).addValue(p.reference()).addValue(p.tenantId())
                        .addValue(p.invoiceId()).addValue(p.period()).addValue(original).addValue(p.memo())
                        .addValue(p.by()).addValue(SqlTimes.utc(p.at())))
                .chain(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return Uni.createFrom().item(Optional.<UUID>empty());
                    }
                    UUID tx = rows.iterator().next().getUUID(0);
                    return c.preparedQuery("""
                                    insert into ledger_entries (transaction_id, line, account, owner_id, cluster_id,
                                                                currency, amount_minor)
                                    select $1, line, account, owner_id, cluster_id, currency, -amount_minor
                                      from ledger_entries where transaction_id = $2""")
                            .execute(Tuple.of(tx, original)).replaceWith(Optional.of(tx));
                });
    }

    /** The transaction of that kind and reference, if posted. */
    public Uni<Optional<UUID>> find(SqlConnection c, String kind, String reference) {
        return c.preparedQuery("select id from ledger_transactions where kind = $1 and reference = $2")
                .execute(Tuple.of(kind, reference))
                .map(rows -> rows.iterator().hasNext() ? Optional.of(rows.iterator().next().getUUID(0))
                        : Optional.empty());
    }

    /** The balance of one owner's account per currency (sum of entries; debit positive). */
    public record Balance(String currency, long amountMinor) {}

    public Uni<List<Balance>> balances(SqlConnection c, Account account, UUID ownerId) {
        return c.preparedQuery("""
                        select currency, sum(amount_minor)::bigint from ledger_entries
                         where account = $1 and owner_id = $2 group by currency order by currency""")
                .execute(Tuple.of(account.name(), ownerId)).map(rows -> {
                    List<Balance> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new Balance(r.getString(0), r.getLong(1)));
                    }
                    return out;
                });
    }

    /** An operator's period in the ledger, per cluster and currency: payable and fee (credits, as positive). */
    public record SettlementRow(UUID clusterId, String clusterSlug, String currency, long payableMinor, long feeMinor,
            long invoiceCount) {}

    public Uni<List<SettlementRow>> settlement(SqlConnection c, UUID operatorId, String period) {
        return c.preparedQuery("""
                        select e.cluster_id, cl.slug, e.currency,
                               coalesce(-sum(e.amount_minor) filter (where e.account = 'OPERATOR_PAYABLE'), 0)::bigint,
                               coalesce(-sum(e.amount_minor) filter (where e.account = 'MARKETPLACE_REVENUE'), 0)::bigint,
                               count(distinct t.invoice_id) filter (where t.kind = 'INVOICE_ISSUED')
                          from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
                          join clusters cl on cl.id = e.cluster_id
                         where t.period = $2 and cl.operator_id = $1
                           and e.account in ('OPERATOR_PAYABLE', 'MARKETPLACE_REVENUE')
                         group by e.cluster_id, cl.slug, e.currency order by cl.slug, e.currency""")
                .execute(Tuple.of(operatorId, period)).map(rows -> {
                    List<SettlementRow> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new SettlementRow(r.getUUID(0), r.getString(1), r.getString(2), r.getLong(3),
                                r.getLong(4), r.getLong(5)));
                    }
                    return out;
                });
    }

    /** The movement of the operator's payable account in the period, per currency (as a positive credit). */
    public Uni<List<Balance>> payableMovement(SqlConnection c, UUID operatorId, String period) {
        return c.preparedQuery("""
                        select e.currency, -sum(e.amount_minor)::bigint
                          from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
                         where e.account = 'OPERATOR_PAYABLE' and e.owner_id = $1 and t.period = $2
                         group by e.currency order by e.currency""").execute(Tuple.of(operatorId, period))
                .map(rows -> {
                    List<Balance> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new Balance(r.getString(0), r.getLong(1)));
                    }
                    return out;
                });
    }

    /** A cluster's revenue from the invoice lines, its fee, and the part of it that is shortfall credits (<= 0). */
    public record LineRevenue(UUID clusterId, String currency, long revenueMinor, long feeMinor,
            long shortfallCreditsMinor) {}

    /**
     * The same figures recomputed from the lines of the period's issued invoices that are not void: per cluster
     * and currency, revenue (lines other than prepaid settlement) and the fee by the rule.
     */
    public Uni<List<LineRevenue>> revenueFromLines(SqlConnection c, UUID operatorId, String period,
            BigDecimal feePercent) {
        return c.preparedQuery("""
                        select p.cluster_id, p.currency, sum(p.revenue)::bigint,
                               sum(myriad_round_half_even(p.revenue * $3 / 100))::bigint, sum(p.short)::bigint
                          from (select l.cluster_id, i.currency, l.invoice_id, sum(l.amount_minor) as revenue,
                                       coalesce(sum(l.amount_minor)
                                                filter (where l.kind = 'RESERVATION_SHORTFALL_CREDIT'), 0) as short
                                  from invoice_lines l join invoices i on i.id = l.invoice_id
                                  join clusters cl on cl.id = l.cluster_id
                                 where i.period = $2 and i.state in ('ISSUED', 'PAID', 'UNCOLLECTIBLE')
                                   and cl.operator_id = $1
                                   and l.kind not in ('PREPAID_CREDIT', 'CREDIT_CARRIED')
                                 group by l.cluster_id, i.currency, l.invoice_id) p
                         group by p.cluster_id, p.currency""").execute(Tuple.of(operatorId, period, feePercent))
                .map(rows -> {
                    List<LineRevenue> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new LineRevenue(r.getUUID(0), r.getString(1), r.getLong(2), r.getLong(3),
                                r.getLong(4)));
                    }
                    return out;
                });
    }
}
