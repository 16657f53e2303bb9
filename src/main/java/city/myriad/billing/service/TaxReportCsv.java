package city.myriad.billing.service;

import city.myriad.billing.mapping.BillingApi.TaxMovement;
import city.myriad.billing.mapping.BillingApi.TaxRateSales;
import city.myriad.billing.mapping.BillingApi.TaxReportView;
import city.myriad.platform.csv.CsvRows;
import city.myriad.platform.money.MinorUnits;

/**
 * The tax report as the spreadsheet a return is prepared in: a RATE row per rate of the invoices issued (its sales
 * and tax), a MOVEMENT row per kind of document that moved tax, and one PAYABLE row with the tax owed for the
 * window (the MOVEMENT rows' sum). Amounts as decimals in the currency's units, exact; instants in ISO-8601.
 */
public final class TaxReportCsv {

    static final String[] HEADER = {"from", "to", "currency", "row", "kind", "tax_name", "rate_percent", "count",
        "taxable", "tax"};

    private TaxReportCsv() {
    }

    /** The report as CSV text: the header line, then its rows, each ended by LF. */
    public static String render(TaxReportView r) {
        StringBuilder b = new StringBuilder(400);
        CsvRows.append(b, HEADER);
        b.append('\n');
        String c = r.currency();
        for (TaxRateSales s : r.rates()) {
            row(b, r, "RATE", null, s.taxName(), s.ratePercent().toPlainString(), Integer.toString(s.invoices()),
                    MinorUnits.decimal(s.taxable().amountMinor(), c), MinorUnits.decimal(s.tax().amountMinor(), c));
        }
        for (TaxMovement m : r.movements()) {
            row(b, r, "MOVEMENT", m.kind(), null, null, Integer.toString(m.documents()), null,
                    MinorUnits.decimal(m.tax().amountMinor(), c));
        }
        row(b, r, "PAYABLE", null, null, null, null, null, MinorUnits.decimal(r.taxPayable().amountMinor(), c));
        return b.toString();
    }

    private static void row(StringBuilder b, TaxReportView r, String row, String kind, String taxName, String rate,
            String count, String taxable, String tax) {
        CsvRows.append(b, new String[] {r.from().toString(), r.to().toString(), r.currency(), row, kind, taxName,
            rate, count, taxable, tax});
        b.append('\n');
    }
}
