package city.myriad.billing.repository;

import city.myriad.billing.model.TaxShare;
import city.myriad.platform.db.SqlTimes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Credit notes (V44): written once with their invoice locked, read by invoice or id; Stripe's outbox on the row. */
@ApplicationScoped
public class CreditNoteRepository {

    /** A credit note as stored, with its invoice's number and period. */
    public record CreditNoteRow(UUID id, String number, UUID invoiceId, String invoiceNumber, UUID tenantId,
            String period, String currency, long amountMinor, String reason, String memo, String appliedTo,
            String idempotencyKey, Instant createdAt, String stripeState, String stripeCreditNoteId,
            String stripeLastError, Instant voidedAt, String voidedBy, String voidMemo, String stripeVoidState,
            String stripeVoidLastError, long invoiceSubtotalMinor, long invoiceTaxMinor, String sellerJson) {

        /** Of its amount, the tax it takes back ({@link TaxShare}: its invoice's tax in proportion). */
        public long taxMinor() {
            return TaxShare.of(amountMinor, invoiceSubtotalMinor, invoiceTaxMinor);
        }
    }

    private static final String SELECT = """
            select n.id, n.number, n.invoice_id, i.number, n.tenant_id, i.period, n.currency, n.amount_minor, n.reason,
                   n.memo, n.applied_to, n.idempotency_key, n.created_at, n.stripe_state, n.stripe_credit_note_id,
                   n.stripe_last_error, n.voided_at, n.voided_by, n.void_memo, n.stripe_void_state,
                   n.stripe_void_last_error, coalesce(i.subtotal_minor, 0), i.tax_minor, i.seller::text
              from credit_notes n join invoices i on i.id = n.invoice_id""";

    /** What a new credit note is. */
    public record NewCreditNote(String number, UUID invoiceId, UUID tenantId, String currency, long amountMinor,
            String reason, String memo, String appliedTo, String idempotencyKey, String by, Instant at,
            String stripeState, String stripeNote) {}

    public Uni<UUID> insert(SqlConnection c, NewCreditNote n) {
        return c.preparedQuery("""
                        insert into credit_notes (id, number, invoice_id, tenant_id, currency, amount_minor, reason, memo,
                                                  applied_to, idempotency_key, created_by, created_at, stripe_state,
                                                  stripe_next_attempt_at, stripe_last_error)
                        values (myriad_uuid_v7(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $11, $13)
                        returning id""")
                .execute(Tuple.from(new Object[] {n.number(), n.invoiceId(), n.tenantId(), n.currency(),
                        n.amountMinor(), n.reason(), n.memo(), n.appliedTo(), n.idempotencyKey(), n.by(),
                        SqlTimes.utc(n.at()), n.stripeState(), n.stripeNote()}))
                .map(rows -> rows.iterator().next().getUUID(0));
    }

    public Uni<Optional<CreditNoteRow>> find(SqlConnection c, UUID id) {
        return c.preparedQuery(SELECT + " where n.id = $1").execute(Tuple.of(id))
                .map(rows -> rows(rows).stream().findFirst());
    }

    /** The note, its row locked (its invoice locked first: the order every write to both takes). */
    public Uni<Optional<CreditNoteRow>> forUpdate(SqlConnection c, UUID id) {
        return c.preparedQuery(SELECT + " where n.id = $1 for update of n").execute(Tuple.of(id))
                .map(rows -> rows(rows).stream().findFirst());
    }

    /**
     * Marks the note voided. Stripe: a note made there (or whose create was sent, its answer unknown) is to be voided
     * there ({@code stripe_void_state} PENDING, done once it is PUSHED); one never sent is never made (SKIPPED); one
     * SKIPPED or FAILED has nothing to void in Stripe (a FAILED one is an admin's to look at there).
     */
    public Uni<Void> markVoided(SqlConnection c, UUID id, String by, Instant at, String memo) {
        return c.preparedQuery("""
                        update credit_notes
                           set voided_at = $2, voided_by = $3, void_memo = $4,
                               stripe_void_state = case when stripe_state = 'PUSHED' or stripe_state = 'PENDING'
                                                             and stripe_create_sent_at is not null then 'PENDING' end,
                               stripe_void_next_attempt_at = $2,
                               stripe_last_error = case when stripe_state = 'PENDING' and stripe_create_sent_at is null
                                                        then 'voided before it was sent to Stripe: never made there'
                                                        else stripe_last_error end,
                               stripe_state = case when stripe_state = 'PENDING' and stripe_create_sent_at is null
                                                   then 'SKIPPED' else stripe_state end
                         where id = $1""")
                .execute(Tuple.of(id, SqlTimes.utc(at), by, memo)).replaceWithVoid();
    }

    /** The invoice's credit note made under this Idempotency-Key, if any. */
    public Uni<Optional<CreditNoteRow>> byKey(SqlConnection c, UUID invoiceId, String key) {
        return c.preparedQuery(SELECT + " where n.invoice_id = $1 and n.idempotency_key = $2")
                .execute(Tuple.of(invoiceId, key)).map(rows -> rows(rows).stream().findFirst());
    }

    /** The invoice's credit notes, oldest first. */
    public Uni<List<CreditNoteRow>> ofInvoice(SqlConnection c, UUID invoiceId) {
        return c.preparedQuery(SELECT + " where n.invoice_id = $1 order by n.id").execute(Tuple.of(invoiceId))
                .map(CreditNoteRepository::rows);
    }

    /**
     * A page of credit notes in id order (the order they were made): one tenant's (or all, for null), optionally in
     * one Stripe state, voided or not ({@code voided}), and made in [from, to).
     */
    public Uni<List<CreditNoteRow>> page(SqlConnection c, UUID tenantId, String stripeState, Boolean voided,
            Instant from, Instant to, UUID after, int limit) {
        return c.preparedQuery(SELECT + " " + """
                         where ($1::uuid is null or n.tenant_id = $1::uuid)
                           and ($2::text is null or n.stripe_state = $2::text)
                           and ($3::timestamptz is null or n.created_at >= $3::timestamptz)
                           and ($4::timestamptz is null or n.created_at < $4::timestamptz)
                           and ($5::uuid is null or n.id > $5::uuid)
                           and ($7::boolean is null or (n.voided_at is not null) = $7::boolean)
                         order by n.id limit $6""")
                .execute(Tuple.from(new Object[] {tenantId, stripeState, from == null ? null : SqlTimes.utc(from),
                        to == null ? null : SqlTimes.utc(to), after, limit, voided}))
                .map(CreditNoteRepository::rows);
    }

    /** How many credit notes the invoice has (its next one is numbered after them; the invoice row is locked). */
    public Uni<Integer> count(SqlConnection c, UUID invoiceId) {
        return c.preparedQuery("select count(*)::int from credit_notes where invoice_id = $1").execute(Tuple.of(invoiceId))
                .map(rows -> rows.iterator().next().getInteger(0));
    }

    private static List<CreditNoteRow> rows(RowSet<Row> rows) {
        List<CreditNoteRow> out = new ArrayList<>();
        for (Row r : rows) {
            out.add(new CreditNoteRow(r.getUUID(0), r.getString(1), r.getUUID(2), r.getString(3), r.getUUID(4),
                    r.getString(5), r.getString(6), r.getLong(7), r.getString(8), r.getString(9), r.getString(10),
                    r.getString(11), SqlTimes.instant(r.getValue(12)), r.getString(13), r.getString(14),
                    r.getString(15), r.getValue(16) == null ? null : SqlTimes.instant(r.getValue(16)), r.getString(17),
                    r.getString(18), r.getString(19), r.getString(20), r.getLong(21), r.getLong(22),
                    r.getString(23)));
        }
        return out;
    }
}
