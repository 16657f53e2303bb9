package city.myriad.billing.service;

import city.myriad.billing.mapping.BillingApi.SettlementLine;
import city.myriad.billing.mapping.BillingApi.SettlementView;
import city.myriad.platform.TextRules;
import city.myriad.platform.csv.CsvRows;
import city.myriad.platform.money.MinorUnits;

/**
 * An operator's settlement statement as the spreadsheet a city's finance books it in: one row per cluster and
 * currency in the statement's order, amounts as exact decimals in the currency's units. No totals row: every row is
 * a cluster, and the columns sum to the statement's totals.
 */
public final class SettlementCsv {

    static final String[] HEADER = {"period", "operator_id", "cluster_id", "cluster_slug", "currency", "revenue",
        "reservation_shortfall_credits", "fee_percent", "marketplace_fee", "payable", "invoices", "reconciled"};

    private SettlementCsv() {
    }

    /** The statement as CSV text: the header line, then a line per cluster and currency, each ended by LF. */
    public static String render(SettlementView s) {
        StringBuilder b = new StringBuilder(200 + s.clusters().size() * 160);
        CsvRows.append(b, HEADER);
        b.append('\n');
        for (SettlementLine l : s.clusters()) {
            String currency = l.revenue().currency();
            CsvRows.append(b, new String[] {s.period(), s.operatorId().toString(), l.clusterId().toString(),
                TextRules.csvSafe(l.clusterSlug()), currency, MinorUnits.decimal(l.revenue().amountMinor(), currency),
                MinorUnits.decimal(l.reservationShortfallCredits().amountMinor(), currency),
                s.feePercent().toPlainString(), MinorUnits.decimal(l.marketplaceFee().amountMinor(), currency),
                MinorUnits.decimal(l.payable().amountMinor(), currency), Long.toString(l.invoiceCount()),
                Boolean.toString(s.reconciled())});
            b.append('\n');
        }
        return b.toString();
    }
}
