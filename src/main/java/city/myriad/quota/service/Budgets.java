package city.myriad.quota.service;

import city.myriad.platform.db.SessionSql;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.money.Money;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The money budgets' gate, for everything that commits a tenant's money ahead of the meter: a job (its projection
 * at its maxRunSeconds) and a reservation (its total). Rule: what is committed this month (every {@link
 * Commitments}: billed, the projections of jobs still queued or running, the reservations bought) plus the new
 * amount may not pass the tenant's budget, nor the project's, in the budget's currency. Checks of one tenant
 * serialise on an advisory lock held until the caller's transaction commits, so two requests cannot both fit
 * under the same headroom.
 */
@ApplicationScoped
public class Budgets {

    private final List<Commitments> commitments;
    private final Spending spending;

    Budgets(Instance<Commitments> commitments, Spending spending) {
        this.commitments = commitments.stream().toList();
        this.spending = spending;
    }

    /**
     * Where a budget's month is heading: used so far (the meter: ended runs billed, credits taken off, and the runs
     * going on, to now), the runs going on per hour, the reservations bought this month, and the forecast
     * ({@link SpendForecast}: reservations + used + the rest of the month at the usage's pace so far), in minor units
     * of {@code currency}. Read in the caller's transaction, which must see the tenant's rows.
     */
    public record Outlook(long usedMinor, long runRatePerHourMinor, long reservationsMinor, long forecastMinor) {}

    public Uni<Outlook> outlook(UUID tenant, UUID project, String currency, Instant now) {
        // Deferred: read where it is subscribed, in the caller's transaction (not where it is made).
        return Uni.createFrom().deferred(() -> spending.read(tenant, project, currency, now))
                .chain(reading -> reservations(tenant, project, currency, now).map(fixed -> new Outlook(
                        reading.usedMinor(), reading.runRatePerHourMinor(), fixed,
                        SpendForecast.of(fixed, reading.usedMinor(), now))));
    }

    /**
     * Where a GPU-hour limit's month is heading, in card-seconds (thousandths of a card): used so far (ended runs and
     * the runs going on, to now) and the forecast at that pace ({@link SpendForecast}; reservations are not GPU-hours).
     */
    public record CardOutlook(long usedCardMilliSeconds, long forecastCardMilliSeconds) {}

    public Uni<CardOutlook> cardOutlook(UUID tenant, UUID project, Instant now) {
        return Uni.createFrom().deferred(() -> spending.read(tenant, project, null, now)).map(reading -> new CardOutlook(
                reading.usedCardMilliSeconds(), SpendForecast.of(0, reading.usedCardMilliSeconds(), now)));
    }

    /** The month's reservations commitments (kind RESERVATIONS): what the month costs whatever is used. */
    private Uni<Long> reservations(UUID tenant, UUID project, String currency, Instant now) {
        YearMonth month = YearMonth.from(now.atOffset(ZoneOffset.UTC));
        Instant from = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant to = month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Uni<Long> sum = Uni.createFrom().item(0L);
        for (Commitments c : commitments) {
            if (c.kind().equals(RESERVATIONS)) {
                sum = sum.chain(total -> c.committedMinor(tenant, project, currency, from, to, now)
                        .map(more -> Math.addExact(total, more)));
            }
        }
        return sum;
    }

    /** The kind of the marketplace's commitments: reservations bought, fixed for the month. */
    static final String RESERVATIONS = "RESERVATIONS";

    /** Serialises, until the caller's transaction ends, the checks of one tenant's budgets and GPU-hours. */
    public Uni<Void> lock(UUID tenant) {
        return SessionSql.lockUntilCommit("budget/" + tenant);
    }

    /**
     * 422 BUDGET_EXCEEDED (nothing written) if {@code cost} more would take the month's commitments past the
     * tenant's or the project's budget in its currency. {@code what} opens the refusal's detail ("The job may cost
     * up to", "The reservation costs"). Takes the tenant's lock first when a budget applies.
     */
    public Uni<Void> refuseBeyond(QuotaLimits.Effective limits, Money cost, Instant now, String what) {
        var tenantBudget = limits.tenant().budgetIn().filter(b -> b.currency().equals(cost.currency()));
        var projectBudget = limits.project().budgetIn().filter(b -> b.currency().equals(cost.currency()));
        if (tenantBudget.isEmpty() && projectBudget.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        YearMonth month = YearMonth.from(now.atOffset(ZoneOffset.UTC));
        Instant from = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant to = month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Uni<Void> check = lock(limits.tenantId());
        if (tenantBudget.isPresent()) {
            long budget = tenantBudget.get().amountMinor();
            check = check.chain(() -> committed(limits.tenantId(), null, cost.currency(), from, to, now))
                    .invoke(spent -> refuseOver(spent, cost, budget, "tenant", what)).replaceWithVoid();
        }
        if (projectBudget.isPresent()) {
            long budget = projectBudget.get().amountMinor();
            check = check.chain(() -> committed(limits.tenantId(), limits.projectId(), cost.currency(), from, to, now))
                    .invoke(spent -> refuseOver(spent, cost, budget, "project", what)).replaceWithVoid();
        }
        return check;
    }

    /**
     * Each domain's commitments in the month of {@code now} ({@link Commitments#kind} → minor units), read in the
     * caller's transaction, which must see the tenant's rows: what {@link #refuseBeyond} adds up, shown apart.
     */
    public Uni<Map<String, Long>> breakdown(UUID tenant, UUID project, String currency, Instant now) {
        YearMonth month = YearMonth.from(now.atOffset(ZoneOffset.UTC));
        Instant from = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant to = month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Map<String, Long> byKind = new java.util.TreeMap<>();
        Uni<Void> all = Uni.createFrom().voidItem();
        for (Commitments c : commitments) {
            all = all.chain(() -> c.committedMinor(tenant, project, currency, from, to, now)
                    .invoke(minor -> byKind.merge(c.kind(), minor, Math::addExact)).replaceWithVoid());
        }
        return all.map(v -> byKind);
    }

    /** Each domain's card-seconds committed against GPU-hours this month ({@link Commitments#kind} → card-ms). */
    public Uni<Map<String, Long>> cardBreakdown(UUID tenant, UUID project, Instant now) {
        Map<String, Long> byKind = new java.util.TreeMap<>();
        Uni<Void> all = Uni.createFrom().voidItem();
        for (Commitments c : commitments) {
            all = all.chain(() -> c.committedCardMilliSeconds(tenant, project, now)
                    .invoke(milli -> byKind.merge(c.kind(), milli, Math::addExact)).replaceWithVoid());
        }
        return all.map(v -> byKind);
    }

    /** The sum of every domain's commitments, read one after the other (one reactive session reads in sequence). */
    private Uni<Long> committed(UUID tenant, UUID project, String currency, Instant from, Instant to, Instant now) {
        Uni<Long> sum = Uni.createFrom().item(0L);
        for (Commitments c : commitments) {
            sum = sum.chain(total -> c.committedMinor(tenant, project, currency, from, to, now)
                    .map(more -> Math.addExact(total, more)));
        }
        return sum;
    }

    private static void refuseOver(long spent, Money cost, long budget, String whose, String what) {
        if (spent + cost.amountMinor() > budget) {
            throw new MyriadProblem.QuotaExceeded(ProblemCode.BUDGET_EXCEEDED, what + " " + cost.amountMinor() + " "
                    + cost.currency() + " (minor units); with " + spent + " already committed this month it would "
                    + "pass the " + whose + "'s budget of " + budget);
        }
    }
}
