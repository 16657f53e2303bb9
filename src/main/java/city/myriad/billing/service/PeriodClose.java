package city.myriad.billing.service;

import city.myriad.billing.mapping.BillingApi.PeriodView;
import city.myriad.billing.repository.CloseRepository;
import city.myriad.billing.repository.InvoiceRepository;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.MyriadProblem.Violation;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.security.Caller;
import city.myriad.platform.time.Period;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Closing a billing period (platform admins), in one transaction: the period stops taking usage (late usage goes to
 * the next open period), its usage, reservations, commitments and prepaid credit are rated, its invoices issued,
 * the ledger written, and Stripe's outbox filled. Idempotent: a closed and invoiced period answers unchanged. A
 * crash at any point leaves nothing half done; the close is simply asked again.
 */
@ApplicationScoped
public class PeriodClose {

    private static final Logger LOG = Logger.getLogger(PeriodClose.class);

    private final PlainTx tx;
    private final CloseRepository close;
    private final BillingConfig config;
    private final Clock clock;
    private final AuditTrail audit;

    PeriodClose(PlainTx tx, CloseRepository close, BillingConfig config, Clock clock, AuditTrail audit) {
        this.tx = tx;
        this.close = close;
        this.config = config;
        this.clock = clock;
        this.audit = audit;
    }

    public Uni<PeriodView> get(Caller caller, String text) {
        Period p = period(text);
        requireAdmin(caller);
        return tx.asPlatform(c -> read(c, p.toString()));
    }

    public Uni<PeriodView> close(Caller caller, String text) {
        Period p = period(text);
        requireAdmin(caller);
        Instant now = clock.instant();
        if (now.isBefore(p.end())) {
            throw new MyriadProblem.Conflict(ProblemCode.PERIOD_NOT_ENDED, "Period " + p + " ends at " + p.end()
                    + "; it can be closed after that");
        }
        long started = System.nanoTime();
        // Periods close in order: not while an earlier one still has something to bill (its invoices would be
        // numbered after this one's, and this one's close would spend prepaid credit that month was owed). A
        // period closed and invoiced answers unchanged whatever came after.
        return tx.asPlatform(c -> close.invoiced(c, p.toString()).chain(done -> done
                        ? Uni.createFrom().voidItem()
                        : close.earlierToBill(c, p.toString(), p.month().minusMonths(1).toString()).invoke(open -> {
                            if (!open.isEmpty()) {
                                throw new MyriadProblem.EarlierPeriodsOpen("Period " + p + " cannot be closed "
                                        + "before " + String.join(", ", open) + ": "
                                        + (open.size() == 1 ? "it has" : "they have") + " something to bill; close "
                                        + (open.size() == 1 ? "it" : "them, oldest first,") + " first", open);
                            }
                        }).replaceWithVoid())
                .chain(() -> close.freeze(c, p.toString(), now, caller.username())).chain(invoiced -> invoiced
                        ? Uni.createFrom().item(new CloseRepository.Closed(false, 0))
                        : close.invoice(c, p.toString(), p.start(), p.end(), now, caller.username(),
                                config.marketplaceFeePercent(), config.stripe().apiKey().isPresent(),
                                config.paymentTermsDays(),
                                new InvoiceRepository.TaxRate(config.tax().ratePercent(), config.tax().name()),
                                Invoices.sellerJson(config.seller())))
                        .chain(done -> {
                            if (!done.invoicedNow()) {
                                return read(c, p.toString());
                            }
                            LOG.infof("Period %s closed by %s: %d invoices issued in %d ms", p, caller.username(),
                                    done.invoices(), (System.nanoTime() - started) / 1_000_000);
                            return audit.recordForPlatform(c, caller, "closePeriod", AuditTrail.Target.of(
                                            "BILLING_PERIOD", p), Map.of("invoices", done.invoices()))
                                    .chain(() -> read(c, p.toString()));
                        }));
    }

    private static Uni<PeriodView> read(io.vertx.mutiny.sqlclient.SqlConnection c, String period) {
        return c.preparedQuery("select state, closed_at, closed_by, invoiced_at, invoice_count from billing_periods "
                        + "where period = $1").execute(Tuple.of(period))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return new PeriodView(period, "OPEN", null, null, null, null);
                    }
                    var r = rows.iterator().next();
                    return new PeriodView(period, r.getString(0), time(r, 1), r.getString(2), time(r, 3),
                            r.getInteger(4));
                });
    }

    private static Instant time(io.vertx.mutiny.sqlclient.Row r, int i) {
        return r.getValue(i) == null ? null : r.getOffsetDateTime(i).toInstant();
    }

    static Period period(String text) {
        return Period.parse(text).orElseThrow(() -> new MyriadProblem.Validation(ProblemCode.INVALID_PERIOD,
                "A period is a month written yyyy-MM, like 2026-11", List.of(Violation.field("period",
                        "a month written yyyy-MM"))));
    }

    static void requireAdmin(Caller caller) {
        if (!caller.isPlatformAdmin()) {
            throw new MyriadProblem.Forbidden(ProblemCode.PLATFORM_ADMIN_REQUIRED, "Only a platform admin may do this");
        }
    }
}
