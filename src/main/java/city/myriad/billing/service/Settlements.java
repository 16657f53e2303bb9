package city.myriad.billing.service;

import city.myriad.billing.mapping.BillingApi.SettlementLine;
import city.myriad.billing.mapping.BillingApi.SettlementTotal;
import city.myriad.billing.mapping.BillingApi.SettlementView;
import city.myriad.billing.repository.LedgerRepository;
import city.myriad.billing.repository.LedgerRepository.LineRevenue;
import city.myriad.catalog.service.OperatorLookup;
import city.myriad.platform.time.Period;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.money.SignedMoney;
import city.myriad.platform.security.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

/**
 * An operator's settlement statement for a period: per cluster, the revenue its usage and reservations brought in
 * the period's issued invoices, the marketplace fee, and what the operator is payable. The figures come from the
 * ledger and are reconciled against the same figures recomputed from the invoice lines.
 */
@ApplicationScoped
public class Settlements {

    private final PlainTx tx;
    private final LedgerRepository ledger;
    private final OperatorLookup operators;
    private final BillingConfig config;

    Settlements(PlainTx tx, LedgerRepository ledger, OperatorLookup operators, BillingConfig config) {
        this.tx = tx;
        this.ledger = ledger;
        this.operators = operators;
        this.config = config;
    }

    public Uni<SettlementView> settlement(Caller caller, UUID operatorId, String periodText) {
        if (periodText == null) {
            throw new MyriadProblem.Validation(ProblemCode.INVALID_PERIOD, "`period` is required: a month written "
                    + "yyyy-MM, like 2026-11");
        }
        Period period = PeriodClose.period(periodText);
        String p = period.toString();
        return readable(caller, operatorId).chain(op -> tx.asPlatform(c -> ledger.settlement(c, op, p)
                .chain(rows -> ledger.payableMovement(c, op, p)
                        .chain(moves -> ledger.revenueFromLines(c, op, p, config.marketplaceFeePercent())
                                .map(fromLines -> {
                                    List<SettlementLine> lines = new ArrayList<>();
                                    Map<String, long[]> totals = new TreeMap<>();
                                    boolean reconciled = true;
                                    for (var r : rows) {
                                        long revenue = r.payableMinor() + r.feeMinor();
                                        LineRevenue check = fromLines.stream().filter(l -> l.clusterId()
                                                .equals(r.clusterId()) && l.currency().equals(r.currency()))
                                                .findFirst()
                                                .orElse(new LineRevenue(r.clusterId(), r.currency(), 0, 0, 0));
                                        lines.add(new SettlementLine(r.clusterId(), r.clusterSlug(),
                                                SignedMoney.of(revenue, r.currency()),
                                                SignedMoney.of(r.feeMinor(), r.currency()),
                                                SignedMoney.of(r.payableMinor(), r.currency()), r.invoiceCount(),
                                                SignedMoney.of(check.shortfallCreditsMinor(), r.currency())));
                                        long[] t = totals.computeIfAbsent(r.currency(), k -> new long[4]);
                                        t[0] += revenue;
                                        t[1] += r.feeMinor();
                                        t[2] += r.payableMinor();
                                        reconciled &= check.revenueMinor() == revenue
                                                && check.feeMinor() == r.feeMinor();
                                    }
                                    reconciled &= fromLines.stream().allMatch(l -> l.revenueMinor() == 0
                                            || rows.stream().anyMatch(r -> r.clusterId().equals(l.clusterId())
                                                    && r.currency().equals(l.currency())));
                                    moves.forEach(m -> totals.computeIfAbsent(m.currency(), k -> new long[4])[3] =
                                            m.amountMinor());
                                    List<SettlementTotal> sums = new ArrayList<>();
                                    for (var e : totals.entrySet()) {
                                        long[] t = e.getValue();
                                        reconciled &= t[2] == t[3];
                                        String cur = e.getKey();
                                        sums.add(new SettlementTotal(cur, SignedMoney.of(t[0], cur),
                                                SignedMoney.of(t[1], cur), SignedMoney.of(t[2], cur),
                                                SignedMoney.of(t[3], cur)));
                                    }
                                    return new SettlementView(op, p, config.marketplaceFeePercent(), lines, sums,
                                            reconciled);
                                })))));
    }

    /**
     * The operator, if the caller may read its money: its own staff, or platform admins (any operator that exists).
     * 404 otherwise, so that an operator learns nothing of another's.
     */
    Uni<UUID> readable(Caller caller, UUID operatorId) {
        if (caller.isPlatformAdmin()) {
            return tx.asPlatform(c -> c.preparedQuery("select id from operators where id = $1")
                    .execute(Tuple.of(operatorId)).map(rows -> {
                        if (!rows.iterator().hasNext()) {
                            throw notFound(operatorId);
                        }
                        return operatorId;
                    }));
        }
        return operators.of(caller).map(op -> {
            if (!op.id().equals(operatorId)) {
                throw notFound(operatorId);
            }
            return operatorId;
        });
    }

    private static MyriadProblem.NotFound notFound(UUID id) {
        return new MyriadProblem.NotFound(ProblemCode.OPERATOR_NOT_FOUND, "No operator " + Objects.toString(id));
    }
}
