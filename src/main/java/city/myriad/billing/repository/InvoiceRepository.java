package city.myriad.billing.repository;

import city.myriad.billing.model.TaxShare;
import city.myriad.platform.db.SqlTimes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Invoices and their lines: stored ones, and the live lines of a draft (RatingSql read for one tenant). */
@ApplicationScoped
public class InvoiceRepository {

    /** An invoice row; amounts null while DRAFT. */
    public record InvoiceRow(UUID id, String number, UUID tenantId, String period, String currency, String state,
            Long subtotalMinor, Long creditAppliedMinor, Long totalMinor, long refundedMinor, Instant issuedAt,
            Instant dueAt, Instant paidAt, Instant paymentFailedAt, String stripeInvoiceId, String stripeState,
            String stripeNote, String billToJson, String collectionMethod, String hostedInvoiceUrl,
            String invoicePdfUrl, String stripeStatus, Instant overdueSince, long creditedMinor, long taxMinor,
            String sellerJson) {

        /** The tax in {@code amountMinor} taken off this invoice ({@link TaxShare}). */
        public long taxShareOf(long amountMinor) {
            return TaxShare.of(amountMinor, subtotalMinor == null ? 0 : subtotalMinor, taxMinor);
        }

        /**
         * What the tenant still owes on it: an issued or written-off invoice's total less its credit notes; nothing on
         * a paid or void one; null for a draft (not owed yet).
         */
        public Long amountDueMinor() {
            return switch (state) {
                case "DRAFT" -> null;
                case "ISSUED", "UNCOLLECTIBLE" -> totalMinor - creditedMinor;
                default -> 0L;
            };
        }
    }

    /** A tax rate in percent and its name (VAT, GST): the platform's, for tenants whose terms name none. */
    public record TaxRate(BigDecimal ratePercent, String name) {}

    /** A line, stored or live, with the slugs its description names (and, on a TAX line, its rate and name). */
    public record LineRow(int lineNo, String kind, UUID projectId, UUID clusterId, String model, String priceClass,
            Instant hoursFrom, Instant hoursTo, Long cardMilliSeconds, long amountMinor, UUID reservationId,
            UUID commitmentId, String clusterSlug, String projectSlug, BigDecimal taxRatePercent, String taxName) {}

    private static final String INVOICE = """
            select i.id, i.number, i.tenant_id, i.period, i.currency, i.state, i.subtotal_minor,
                   i.credit_applied_minor, i.total_minor, i.refunded_minor, i.issued_at, i.due_at, i.paid_at,
                   i.payment_failed_at, i.stripe_invoice_id, s.state, s.last_error,
                   coalesce(i.bill_to, case when i.state = 'DRAFT' then myriad_bill_to(i.tenant_id) end)::text,
                   case when i.state = 'DRAFT'
                        then coalesce((select t.collection_method from payment_terms t where t.tenant_id = i.tenant_id),
                                      'CHARGE_AUTOMATICALLY')
                        else i.collection_method end,
                   i.hosted_invoice_url, i.invoice_pdf_url, i.stripe_status, i.overdue_since, i.credited_minor,
                   i.tax_minor, i.seller::text
              from invoices i left join stripe_pushes s on s.invoice_id = i.id""";

    /**
     * A page of invoices in id order: one tenant's (or all, for null), optionally of one period, state and status
     * in Stripe, and overdue at {@code at} or not (null: either; overdue: ISSUED and its {@code overdue_since} passed).
     * Drafts of a period already invoiced (left by a purchase that crossed the close) are not invoices: never listed.
     */
    public Uni<List<InvoiceRow>> page(SqlConnection c, UUID tenantId, String period, String state,
            String stripeStatus, Boolean overdue, Instant at, UUID after, int limit) {
        return c.preparedQuery(INVOICE + " " + """
                 where ($1::uuid is null or i.tenant_id = $1::uuid) and ($2::text is null or i.period = $2::text)
                   and ($3::text is null or i.state = $3::text) and ($4::uuid is null or i.id > $4::uuid)
                   and not (i.state = 'DRAFT' and exists (select 1 from billing_periods p where p.period = i.period
                                                                                        and p.invoiced_at is not null))
                   and ($6::text is null or i.stripe_status = $6::text)
                   and ($7::boolean is null or (i.state = 'ISSUED' and coalesce(i.overdue_since <= $8, false)) = $7)
                 order by i.id limit $5""").execute(Tuple.from(new Object[] {tenantId, period, state, after, limit,
                        stripeStatus, overdue, at == null ? null : SqlTimes.utc(at)}))
                .map(InvoiceRepository::invoices);
    }

    /**
     * Records Stripe's status of the invoice, only forward (V41's rank: open, uncollectible, then paid or void): a
     * webhook that arrives late never takes it back.
     */
    public Uni<Void> stripeStatus(SqlConnection c, UUID id, String status) {
        return c.preparedQuery("""
                        update invoices set stripe_status = $2
                         where id = $1 and myriad_stripe_status_rank(stripe_status) < myriad_stripe_status_rank($2)""")
                .execute(Tuple.of(id, status)).replaceWithVoid();
    }

    public Uni<Optional<InvoiceRow>> find(SqlConnection c, UUID id) {
        return c.preparedQuery(INVOICE + " where i.id = $1").execute(Tuple.of(id))
                .map(rows -> invoices(rows).stream().findFirst());
    }

    public Uni<Optional<InvoiceRow>> forUpdate(SqlConnection c, UUID id) {
        return c.preparedQuery(INVOICE + " where i.id = $1 for update of i").execute(Tuple.of(id))
                .map(rows -> invoices(rows).stream().findFirst());
    }

    public Uni<Optional<InvoiceRow>> byStripeId(SqlConnection c, String stripeInvoiceId) {
        return c.preparedQuery(INVOICE + " where i.stripe_invoice_id = $1 for update of i")
                .execute(Tuple.of(stripeInvoiceId)).map(rows -> invoices(rows).stream().findFirst());
    }

    public Uni<List<LineRow>> stored(SqlConnection c, UUID invoiceId) {
        return c.preparedQuery("""
                select l.line_no, l.kind, l.project_id, l.cluster_id, l.model, l.price_class, l.hours_from,
                       l.hours_to, l.card_milli_seconds, l.amount_minor, l.reservation_id, l.commitment_id, cl.slug,
                       p.slug, l.tax_rate_percent, l.tax_name
                  from invoice_lines l left join clusters cl on cl.id = l.cluster_id
                  left join projects p on p.id = l.project_id
                 where l.invoice_id = $1 order by l.line_no""").execute(Tuple.of(invoiceId))
                .map(InvoiceRepository::lines);
    }

    /** A draft's lines now: rating read live for its tenant and period, in the order the close would number them. */
    public Uni<List<LineRow>> live(SqlConnection c, UUID tenantId, String period, String currency, Instant start,
            Instant end, Instant now, TaxRate platformTax) {
        return c.preparedQuery("select row_number() over (order by l.sort, l.cluster_id, l.project_id, l.model, "
                        + "l.price_class, l.hours_from, l.reservation_id)::int, l.kind, l.project_id, l.cluster_id, "
                        + "l.model, l.price_class, l.hours_from, l.hours_to, l.cms, l.amount, l.reservation_id, "
                        + "l.commitment_id, cl.slug, p.slug, l.tax_rate_percent, l.tax_name from (" + RatingSql.LINES
                        + ") l left join clusters cl on cl.id = l.cluster_id left join projects p on p.id = l.project_id "
                        + "where l.currency = $9 order by 1")
                .execute(Tuple.tuple().addValue(period).addValue(SqlTimes.utc(start)).addValue(SqlTimes.utc(end))
                        .addValue(tenantId).addValue(true).addValue(SqlTimes.utc(now))
                        .addValue(platformTax.ratePercent()).addValue(platformTax.name()).addValue(currency))
                .map(InvoiceRepository::lines);
    }

    private static List<InvoiceRow> invoices(RowSet<Row> rows) {
        List<InvoiceRow> out = new ArrayList<>();
        for (Row r : rows) {
            out.add(new InvoiceRow(r.getUUID(0), r.getString(1), r.getUUID(2), r.getString(3), r.getString(4),
                    r.getString(5), r.getLong(6), r.getLong(7), r.getLong(8), r.getLong(9), instant(r, 10),
                    instant(r, 11), instant(r, 12), instant(r, 13), r.getString(14), r.getString(15),
                    r.getString(16), r.getString(17), r.getString(18), r.getString(19),
                    r.getString(20), r.getString(21), instant(r, 22), r.getLong(23), r.getLong(24),
                    r.getString(25)));
        }
        return out;
    }

    private static List<LineRow> lines(RowSet<Row> rows) {
        List<LineRow> out = new ArrayList<>();
        for (Row r : rows) {
            out.add(new LineRow(r.getInteger(0), r.getString(1), r.getUUID(2), r.getUUID(3), r.getString(4),
                    r.getString(5), instant(r, 6), instant(r, 7), r.getLong(8), r.getLong(9), r.getUUID(10),
                    r.getUUID(11), r.getString(12), r.getString(13), r.getBigDecimal(14), r.getString(15)));
        }
        return out;
    }

    static Instant instant(Row r, int i) {
        return r.getValue(i) == null ? null : r.getOffsetDateTime(i).toInstant();
    }
}
