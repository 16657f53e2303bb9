package city.myriad.metering.service;

import city.myriad.platform.time.Period;
import city.myriad.metering.repository.RollupRepository;
import city.myriad.quota.service.Commitments;
import city.myriad.quota.service.Spending;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;

/**
 * The metering domain's port for admission and alerts: what a tenant (or one of its projects) has used in the
 * current period, from the meter. Runs in the caller's transaction (which must see the tenant's rows). As a budget's
 * {@link Commitments} it reports what it has billed.
 */
@ApplicationScoped
public class MeterReadings implements Commitments, Spending {

    /** Money in minor units of one currency, and card-seconds in thousandths of a card. */
    public record Used(long minor, long cardMilliSeconds) {

        public Used plus(Used o) {
            return new Used(minor + o.minor, cardMilliSeconds + o.cardMilliSeconds);
        }
    }

    private final RollupRepository rollups;

    MeterReadings(RollupRepository rollups) {
        this.rollups = rollups;
    }

    /**
     * Billed in the period of {@code now} so far: the ended runs (rolled up, or closed and waiting for the meter),
     * their credits taken off, late usage of closed periods included. {@code currency} null: money of every
     * currency adds up, so read only the card-seconds.
     */
    public Uni<Used> billed(UUID tenantId, UUID projectId, String currency, Instant now) {
        return rollups.billed(tenantId, projectId, currency, Period.of(now).toString())
                .map(r -> new Used(r[0], r[1]));
    }

    /** Billed so far plus the runs going on, to {@code now}: what alerts compare with budgets and GPU-hours. */
    public Uni<Used> used(UUID tenantId, UUID projectId, String currency, Instant now) {
        return billed(tenantId, projectId, currency, now).chain(b -> rollups.running(tenantId, projectId, currency,
                Period.of(now).start(), now).map(r -> b.plus(new Used(r[0], r[1]))));
    }

    /** As a budget's forecast reads it: {@link #used}, and the runs going on per hour now. */
    @Override
    public Uni<Spending.Reading> read(UUID tenant, UUID project, String currency, Instant now) {
        return billed(tenant, project, currency, now).chain(b -> rollups.running(tenant, project, currency,
                Period.of(now).start(), now).map(r -> new Spending.Reading(b.minor() + r[0], r[2],
                        b.cardMilliSeconds() + r[1])));
    }

    /**
     * What was spent in {@code currency} on each UTC day of {@code days} days from {@code first} (a day's start): the
     * ended runs billed in it, credits taken off, and the runs going on, their part of it to {@code now}. In day order,
     * minor units: the spend anomaly's reading ({@link city.myriad.quota.service.SpendAnomaly}).
     */
    public Uni<java.util.List<Long>> daily(UUID tenant, UUID project, String currency, Instant first, int days,
            Instant now) {
        return rollups.daily(tenant, project, currency, first, days, now);
    }

    @Override
    public String kind() {
        return "BILLED";
    }

    /** The meter's share of a budget's commitments: what it has billed in the period so far, credits taken off. */
    @Override
    public Uni<Long> committedMinor(UUID tenant, UUID project, String currency, Instant from, Instant to,
            Instant now) {
        return billed(tenant, project, currency, now).map(Used::minor);
    }

    /** The card-seconds billed in the period so far, as admission counts them for GPU-hours. */
    @Override
    public Uni<Long> committedCardMilliSeconds(UUID tenant, UUID project, Instant now) {
        return billed(tenant, project, null, now).map(Used::cardMilliSeconds);
    }
}
