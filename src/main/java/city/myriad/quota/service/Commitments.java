package city.myriad.quota.service;

import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.util.UUID;

/**
 * What one domain has committed of a tenant's money in a budget's period: the meter what it has billed, the jobs
 * the projections of those still queued or running, the marketplace the reservations bought. {@link Budgets} adds
 * every implementation up; each runs in the caller's transaction, which sees the tenant's rows.
 */
public interface Commitments {

    /** What these commitments are, as a tenant's budget status names them: BILLED, JOBS or RESERVATIONS. */
    String kind();

    /**
     * Minor units of {@code currency} committed in the month [{@code from}, {@code to}) as of {@code now}, by the
     * tenant ({@code project} null) or one of its projects.
     */
    Uni<Long> committedMinor(UUID tenant, UUID project, String currency, Instant from, Instant to, Instant now);

    /**
     * Card-seconds (in thousandths of a card) committed against a GPU-hour limit in the period of {@code now}: the
     * meter what it has billed, the jobs their projections; none for the others (reservations are not GPU-hours).
     */
    default Uni<Long> committedCardMilliSeconds(UUID tenant, UUID project, Instant now) {
        return Uni.createFrom().item(0L);
    }
}
