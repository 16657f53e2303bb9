package city.myriad.quota.service;

import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.util.UUID;

/**
 * The meter's reading of a tenant's (or one project's) usage this month, for a budget's forecast: what it has cost so
 * far (the ended runs billed, their credits taken off, and the runs going on, to now) and what the runs going on cost
 * per hour now. The metering domain implements it; it runs in the caller's transaction, which sees the tenant's rows.
 */
public interface Spending {

    /**
     * Used so far this month and the runs going on per hour, in minor units of one currency (meaningless when read
     * for every currency, {@code currency} null), and the card-seconds used so far (thousandths of a card; every
     * currency's).
     */
    record Reading(long usedMinor, long runRatePerHourMinor, long usedCardMilliSeconds) {}

    Uni<Reading> read(UUID tenant, UUID project, String currency, Instant now);
}
