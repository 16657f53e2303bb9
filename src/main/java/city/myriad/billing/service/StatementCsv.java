package city.myriad.billing.service;

import city.myriad.billing.mapping.BillingApi.StatementLine;
import city.myriad.billing.mapping.BillingApi.StatementView;
import city.myriad.platform.TextRules;
import city.myriad.platform.csv.CsvRows;
import city.myriad.platform.money.MinorUnits;

/**
 * The account statement as the spreadsheet a tenant's finance reconciles its books with: like a bank's, an opening
 * balance row, one row per movement in the statement's order with the balance after it, and a closing balance row.
 * Amounts are exact decimals in the currency's units (1200.50), instants ISO-8601, text kept from formula evaluation.
 */
public final class StatementCsv {

    static final String[] HEADER = {"at", "kind", "description", "invoice_id", "invoice_number", "amount", "balance",
        "currency"};

    private StatementCsv() {
    }

    /** The statement as CSV text: the header line, the opening row, a line per movement, the closing row. */
    public static String render(StatementView s) {
        String currency = s.currency();
        StringBuilder b = new StringBuilder(300 + s.lines().size() * 160);
        CsvRows.append(b, HEADER);
        b.append('\n');
        CsvRows.append(b, new String[] {s.from().toString(), "OPENING_BALANCE", "Owed at the start of the window",
            null, null, null, MinorUnits.decimal(s.openingBalance().amountMinor(), currency), currency});
        b.append('\n');
        for (StatementLine l : s.lines()) {
            CsvRows.append(b, new String[] {l.at().toString(), l.kind(), TextRules.csvSafe(l.description()),
                l.invoiceId() == null ? null : l.invoiceId().toString(), l.invoiceNumber(),
                MinorUnits.decimal(l.amount().amountMinor(), currency),
                MinorUnits.decimal(l.balance().amountMinor(), currency), currency});
            b.append('\n');
        }
        CsvRows.append(b, new String[] {s.to().toString(), "CLOSING_BALANCE", "Owed at the end of the window", null,
            null, null, MinorUnits.decimal(s.closingBalance().amountMinor(), currency), currency});
        b.append('\n');
        return b.toString();
    }
}
