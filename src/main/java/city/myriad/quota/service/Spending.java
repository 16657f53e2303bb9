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

    /** Minor units of one currency: used so far this month, and the runs going on per hour. */
    record Reading(long usedMinor, long runRatePerHourMinor) {}

    Uni<Reading> read(UUID tenant, UUID project, String currency, Instant now);
}
