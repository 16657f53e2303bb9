package city.myriad.jobs.model;

import java.time.Instant;
import java.util.UUID;

/**
 * One job as stored. {@code cardsMilli} counts thousandths of a card (500: half a card; 8000: eight cards);
 * {@code unitPriceMinor} is the price of a card-hour it was sold at (0 for RESERVED: the reservation is paid);
 * {@code startedAt} and {@code placement} (JSON, see {@link JobPlacement}) are those of the current or last run;
 * {@code chargedMinor} and {@code creditedMinor} sum its closed runs.
 */
public record JobRow(UUID id, UUID tenantId, UUID projectId, UUID clusterId, String model, int cardsMilli,
        JobClass jobClass, UUID reservationId, int maxRunSeconds, boolean sameBlock, UUID quoteId, String currency,
        long unitPriceMinor, Integer priceBookVersion, long projectedMinor, JobState state, String reason, int attempt,
        String placement, Instant startedAt, Instant endedAt, long chargedMinor, long creditedMinor, boolean borrowed,
        String submittedBy, Instant createdAt, Instant updatedAt) {

    public JobRow withState(JobState next, String why, Instant at) {
        return new JobRow(id, tenantId, projectId, clusterId, model, cardsMilli, jobClass, reservationId,
                maxRunSeconds, sameBlock, quoteId, currency, unitPriceMinor, priceBookVersion, projectedMinor,
                state.to(next), why, attempt, placement, startedAt, endedAt, chargedMinor, creditedMinor, borrowed,
                submittedBy, createdAt, at);
    }
}
