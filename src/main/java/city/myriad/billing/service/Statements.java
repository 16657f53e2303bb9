package city.myriad.billing.service;

import city.myriad.billing.mapping.BillingApi.StatementLine;
import city.myriad.billing.mapping.BillingApi.StatementView;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.money.SignedMoney;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A tenant's account statement: what it owed over a window, line by line, as its finance team reconciles it with its
 * own books. Read from the ledger's receivable of the tenant: each invoice issued raises it, each payment, void or
 * write-off lowers it (a refund moves Stripe clearing and the marketplace's revenue, not what the tenant owes). The opening balance is the sum of everything before the window, so
 * opening + lines = closing, to the minor unit (the ledger's own arithmetic, not a second one).
 */
@ApplicationScoped
public class Statements {

    /** The most lines one statement lists: a tenant's receivable moves a few times a month. */
    static final int MAX_LINES = 1000;

    private final PlainTx tx;
    private final TenantProjects tenants;

    Statements(PlainTx tx, TenantProjects tenants) {
        this.tx = tx;
        this.tenants = tenants;
    }

    /** The statement (any tenant role of its own, platform admins any); 400 on a window or currency that is not one. */
    public Uni<StatementView> statement(Caller caller, UUID tenantId, String currency, String fromText,
            String toText) {
        if (currency == null || !currency.matches("[A-Z]{3}")) {
            throw Invoices.invalid("currency", "an ISO 4217 code in capitals, like CNY");
        }
        Window window = Window.of(fromText, toText);
        Instant from = window.from();
        Instant to = window.to();
        return tenants.tenant(caller, tenantId, false).chain(t -> tx.asPlatform(c -> c.preparedQuery("""
                        select coalesce(sum(e.amount_minor), 0)::bigint
                          from ledger_entries e join ledger_transactions x on x.id = e.transaction_id
                         where e.account = 'TENANT_RECEIVABLE' and e.owner_id = $1 and e.currency = $2
                           and x.created_at < $3""").execute(Tuple.of(t, currency, SqlTimes.utc(from)))
                .map(rows -> rows.iterator().next().getLong(0))
                .chain(opening -> c.preparedQuery("""
                        select x.created_at, x.kind, x.memo, x.invoice_id, i.number, sum(e.amount_minor)::bigint
                          from ledger_entries e join ledger_transactions x on x.id = e.transaction_id
                          left join invoices i on i.id = x.invoice_id
                         where e.account = 'TENANT_RECEIVABLE' and e.owner_id = $1 and e.currency = $2
                           and x.created_at >= $3 and x.created_at < $4
                         group by x.id, x.created_at, x.kind, x.memo, x.invoice_id, i.number
                         order by x.created_at, x.id limit $5""")
                        .execute(Tuple.of(t, currency, SqlTimes.utc(from), SqlTimes.utc(to), MAX_LINES + 1))
                        .map(rows -> {
                            if (rows.size() > MAX_LINES) {
                                throw Invoices.invalid("from", "a window with at most " + MAX_LINES + " movements; "
                                        + "ask for a shorter one");
                            }
                            List<StatementLine> lines = new ArrayList<>();
                            long balance = opening;
                            for (Row r : rows) {
                                long amount = r.getLong(5);
                                balance += amount;
                                lines.add(new StatementLine(SqlTimes.instant(r.getValue(0)), r.getString(1),
                                        r.getString(2), r.getUUID(3), r.getString(4),
                                        SignedMoney.of(amount, currency), SignedMoney.of(balance, currency)));
                            }
                            return new StatementView(t, currency, from, to, SignedMoney.of(opening, currency), lines,
                                    SignedMoney.of(balance, currency));
                        }))));
    }
}
