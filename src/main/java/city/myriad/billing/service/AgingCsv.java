package city.myriad.billing.service;

import city.myriad.billing.mapping.BillingApi.AgingBuckets;
import city.myriad.billing.mapping.BillingApi.ReceivablesAgingView;
import city.myriad.billing.mapping.BillingApi.TenantAging;
import city.myriad.platform.TextRules;
import city.myriad.platform.csv.CsvRows;
import city.myriad.platform.money.MinorUnits;

/**
 * The receivables aging as the spreadsheet finance opens: one row per tenant in the report's order, amounts as
 * decimals in the currency's units (1200.50, exact), instants in ISO-8601, the tenant's name made safe from formula
 * evaluation. No totals row: every row is a tenant, and the columns sum to the report's totals.
 */
public final class AgingCsv {

    static final String[] HEADER = {"as_of", "currency", "tenant_id", "tenant_slug", "tenant_name", "current",
        "days_1_to_30", "days_31_to_60", "days_61_to_90", "over_90", "total", "invoices", "oldest_past_due"};

    private AgingCsv() {
    }

    /** The report as CSV text: the header line, then a line per tenant, each ended by LF. */
    public static String render(ReceivablesAgingView report) {
        StringBuilder b = new StringBuilder(200 + report.tenants().size() * 160);
        CsvRows.append(b, HEADER);
        b.append('\n');
        String currency = report.currency();
        for (TenantAging t : report.tenants()) {
            AgingBuckets a = t.amounts();
            CsvRows.append(b, new String[] {report.asOf().toString(), currency, t.tenantId().toString(),
                t.tenantSlug(), TextRules.csvSafe(t.tenantName()), dec(a.current().amountMinor(), currency),
                dec(a.days1To30().amountMinor(), currency), dec(a.days31To60().amountMinor(), currency),
                dec(a.days61To90().amountMinor(), currency), dec(a.over90().amountMinor(), currency),
                dec(a.total().amountMinor(), currency), Integer.toString(t.invoices()),
                t.oldestPastDue() == null ? null : t.oldestPastDue().toString()});
            b.append('\n');
        }
        return b.toString();
    }

    private static String dec(long minor, String currency) {
        return MinorUnits.decimal(minor, currency);
    }
}
