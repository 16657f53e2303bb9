package city.myriad.market.service;

import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The port through which the market reads the runs of a reservation's jobs (the jobs domain implements it: the
 * market does not depend on jobs, jobs depends on the market). In the caller's transaction, scoped to the tenant.
 */
public interface ReservationRuns {

    /** A run of a job of the reservation: its milli-cards, from {@code start} to {@code end} (null: running now). */
    record Run(UUID jobId, long cardsMilli, Instant start, Instant end) {}

    /** The runs of the tenant's jobs in the reservation that overlap [{@code from}, {@code upto}). */
    Uni<List<Run>> of(UUID tenantId, UUID reservationId, Instant from, Instant upto);
}
