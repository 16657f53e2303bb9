package city.myriad.billing.service;

import city.myriad.billing.mapping.BillingApi.TaxMovement;
import city.myriad.billing.mapping.BillingApi.TaxRateSales;
import city.myriad.billing.mapping.BillingApi.TaxReportView;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.json.Decimals;
import city.myriad.platform.money.SignedMoney;
import city.myriad.platform.security.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/**
 * The tax report (docs/billing.md, "Tax"): what the marketplace owes the tax authority for the documents dated in a
 * window, as a VAT or GST return is filed. A document's date is its ledger transaction's: an invoice's is its issue
 * (the close, after its month), a credit note's when it was made, a refund's when Stripe reported it. Read from the
 * ledger's TAX_PAYABLE account, so the report of a window never changes once the window has passed, and the
 * movements of consecutive windows add up to the account's balance.
 */
@ApplicationScoped
public class TaxReport {

    private final PlainTx tx;

    TaxReport(PlainTx tx) {
        this.tx = tx;
    }

    /** Platform admins: the report of [from, to) in one currency; 400 on a window or currency that is not one. */
    public Uni<TaxReportView> report(Caller caller, String currency, String fromText, String toText) {
        PeriodClose.requireAdmin(caller);
        if (currency == null || !currency.matches("[A-Z]{3}")) {
            throw Invoices.invalid("currency", "an ISO 4217 code in capitals, like CNY");
        }
        Window w = Window.of(fromText, toText);
        Tuple args = Tuple.of(currency, SqlTimes.utc(w.from()), SqlTimes.utc(w.to()));
        return tx.asPlatform(c -> c.preparedQuery("""
                        select l.tax_name, coalesce(l.tax_rate_percent, 0), count(*)::int,
                               sum(i.subtotal_minor)::bigint, sum(i.tax_minor)::bigint
                          from ledger_transactions x join invoices i on i.id = x.invoice_id
                          left join invoice_lines l on l.invoice_id = i.id and l.kind = 'TAX'
                         where x.kind = 'INVOICE_ISSUED' and i.currency = $1
                           and x.created_at >= $2 and x.created_at < $3
                         group by l.tax_name, coalesce(l.tax_rate_percent, 0)
                         order by 2 desc, 1""").execute(args)
                .chain(rates -> c.preparedQuery("""
                        select x.kind, count(distinct x.id)::int, -sum(e.amount_minor)::bigint
                          from ledger_entries e join ledger_transactions x on x.id = e.transaction_id
                         where e.account = 'TAX_PAYABLE' and e.currency = $1
                           and x.created_at >= $2 and x.created_at < $3
                         group by x.kind order by x.kind""").execute(args)
                        .map(moves -> {
                            List<TaxRateSales> sales = new ArrayList<>();
                            for (Row r : rates) {
                                sales.add(new TaxRateSales(r.getString(0), Decimals.plain(r.getBigDecimal(1)),
                                        r.getInteger(2), SignedMoney.of(r.getLong(3), currency),
                                        SignedMoney.of(r.getLong(4), currency)));
                            }
                            List<TaxMovement> movements = new ArrayList<>();
                            long payable = 0;
                            for (Row r : moves) {
                                movements.add(new TaxMovement(r.getString(0), r.getInteger(1),
                                        SignedMoney.of(r.getLong(2), currency)));
                                payable += r.getLong(2);
                            }
                            return new TaxReportView(w.from(), w.to(), currency, sales, movements,
                                    SignedMoney.of(payable, currency));
                        })));
    }
}
