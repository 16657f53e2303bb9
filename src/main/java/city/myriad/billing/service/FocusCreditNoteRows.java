package city.myriad.billing.service;

import static city.myriad.billing.service.FocusRow.*;

import city.myriad.billing.model.TaxShare;
import city.myriad.billing.service.FocusExport.Out;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A credit note is a Credit of the billing period it was made in, correcting the invoice's (FOCUS ChargeClass
 * Correction): its charge period is the invoice's month, its InvoiceId the invoice it credits. Its void
 * ({@code voids}) is the same row with the opposite sign, in the billing period it was voided in
 * ({@code x_InvoiceLineKind} CREDIT_NOTE_VOID): an export of both months sums to nothing for the note. On a taxed
 * invoice the note's share of the tax ({@link TaxShare}) is a Tax row of its own (CREDIT_NOTE_TAX, or
 * CREDIT_NOTE_VOID_TAX), the Credit row the rest: the Tax rows of an export sum to the tax still owed.
 */
final class FocusCreditNoteRows {

    private FocusCreditNoteRows() {}

    /** The rows of the credit notes (or, {@code voids}, their voids) read by the export's chunk. */
    static List<Out> of(RowSet<Row> rows, boolean voids) {
        List<Out> out = new ArrayList<>(rows.size());
        for (Row x : rows) {
            UUID id = x.getUUID(0);
            String invoicePeriod = x.getString(5);
            String currency = x.getString(6);
            Instant at = x.getOffsetDateTime(11).toInstant();
            String billed = java.time.YearMonth.from(at.atOffset(ZoneOffset.UTC)).toString();
            String[] v = base(x.getUUID(3), x.getString(4), currency, billed, x.getUUID(2), null, null, null, null,
                    null, null);
            long amount = voids ? x.getLong(7) : -x.getLong(7);
            long tax = TaxShare.of(amount, x.getLong(12), x.getLong(13));
            String money = money(amount - tax, digits(currency));
            for (int col : COSTS) {
                set(v, col, money);
            }
            set(v, C_ChargeCategory, "Credit");
            set(v, C_ChargeClass, "Correction");
            set(v, C_ChargeFrequency, "One-Time");
            set(v, C_ChargePeriodStart, time(periodStart(invoicePeriod)));
            set(v, C_ChargePeriodEnd, time(periodStart(next(invoicePeriod))));
            String memo = x.getString(9);
            set(v, C_ChargeDescription, (voids ? "Void of credit note " + x.getString(1) + " (the amount due "
                    + "restored)" : "Credit note " + x.getString(1) + " (" + x.getString(8) + ", "
                    + (x.getString(10).equals("AMOUNT_DUE") ? "lowers the amount due" : "to the prepaid wallet")
                    + ")") + (memo == null ? "" : ": " + memo));
            set(v, C_x_InvoiceLineKind, voids ? "CREDIT_NOTE_VOID" : "CREDIT_NOTE");
            Out o = new Out();
            o.rows.add(v);
            if (tax != 0) {
                // The note's share of the invoice's tax, a Tax correction of its own beside the Credit of the rest.
                String[] t = v.clone();
                String taxMoney = money(tax, digits(currency));
                for (int col : COSTS) {
                    set(t, col, taxMoney);
                }
                set(t, C_ChargeCategory, "Tax");
                set(t, C_ChargeDescription, "Tax " + (voids ? "restored by the void of credit note "
                        : "taken back by credit note ") + x.getString(1));
                set(t, C_x_InvoiceLineKind, voids ? "CREDIT_NOTE_VOID_TAX" : "CREDIT_NOTE_TAX");
                o.rows.add(t);
            }
            o.creditNote = id;
            out.add(o);
        }
        return out;
    }
}
