package city.myriad.jobs.model;

import java.time.Instant;
import java.util.UUID;

/**
 * One job as stored. {@code cardsMilli} counts thousandths of a card (500: half a card; 8000: eight cards);
 * {@code unitPriceMinor} is the price of a card-hour it was sold at (0 for RESERVED: the reservation is paid);
 * {@code startedAt} and {@code placement} (JSON, see {@link JobPlacement}) are those of the current or last run;
 * {@code chargedMinor} and {@code creditedMinor} sum its closed runs; {@code cpuMilli} (thousandths of a core) and
 * {@code memoryMib} are what the whole job asks besides its cards (0: nothing); {@code tags} the tenant's labels, a
 * JSON object of strings ({@link JobTags}), null for none; {@code name} the tenant's name for it, null for none;
 * {@code eligibleAt} when it last became eligible to start (its submission, or its last release from a hold), from
 * which the queue's order counts its wait; {@code priority} its place among its tenant's own waiting jobs, higher
 * first (-100 to 100, 0 normal); {@code arrayId} and {@code arrayIndex} its array and its index in it (0 first), null
 * for a job submitted alone; {@code requeuesLeft} how many more times a run the infrastructure ends (its node down, a
 * card of its out of service, its node's maintenance) requeues it instead of failing it (createJob's maxRequeues);
 * {@code tenantHoldUnderAdmin} whether its tenant's own hold lies under a platform admin's (HELD_BY_ADMIN): the
 * admin's release leaves it HELD_BY_TENANT (V69; read only, written by its own statements).
 */
public record JobRow(UUID id, UUID tenantId, UUID projectId, UUID clusterId, String model, int cardsMilli,
        JobClass jobClass, UUID reservationId, int maxRunSeconds, boolean sameBlock, UUID quoteId, String currency,
        long unitPriceMinor, Integer priceBookVersion, long projectedMinor, JobState state, String reason, int attempt,
        String placement, Instant startedAt, Instant endedAt, long chargedMinor, long creditedMinor, boolean borrowed,
        String submittedBy, Instant createdAt, Instant updatedAt, long cpuMilli, long memoryMib, String name,
        String tags, Instant eligibleAt, int priority, UUID arrayId, Integer arrayIndex, int requeuesLeft,
        boolean tenantHoldUnderAdmin) {

    /** The job moved to {@code next} (the lifecycle table must allow it) for {@code why}, at {@code at}. */
    public JobRow withState(JobState next, String why, Instant at) {
        return run(state.to(next), why, attempt, placement, startedAt, endedAt, chargedMinor, creditedMinor, borrowed,
                at);
    }

    /** The job with its state and run fields replaced; what it is (who, where, what, at what price) stays. */
    public JobRow run(JobState state, String reason, int attempt, String placement, Instant startedAt,
            Instant endedAt, long chargedMinor, long creditedMinor, boolean borrowed, Instant updatedAt) {
        return new JobRow(id, tenantId, projectId, clusterId, model, cardsMilli, jobClass, reservationId,
                maxRunSeconds, sameBlock, quoteId, currency, unitPriceMinor, priceBookVersion, projectedMinor, state,
                reason, attempt, placement, startedAt, endedAt, chargedMinor, creditedMinor, borrowed, submittedBy,
                createdAt, updatedAt, cpuMilli, memoryMib, name, tags, eligibleAt, priority, arrayId, arrayIndex,
                requeuesLeft, tenantHoldUnderAdmin);
    }

    /** The job with one requeue fewer left: a run the infrastructure ended put it back in the queue. */
    public JobRow oneRequeueUsed() {
        return new JobRow(id, tenantId, projectId, clusterId, model, cardsMilli, jobClass, reservationId,
                maxRunSeconds, sameBlock, quoteId, currency, unitPriceMinor, priceBookVersion, projectedMinor, state,
                reason, attempt, placement, startedAt, endedAt, chargedMinor, creditedMinor, borrowed, submittedBy,
                createdAt, updatedAt, cpuMilli, memoryMib, name, tags, eligibleAt, priority, arrayId, arrayIndex,
                requeuesLeft - 1, tenantHoldUnderAdmin);
    }

    /**
     * The held job released at {@code at}: QUEUED again, eligible from {@code at}, or from its {@code notBefore} if
     * that is still to come (a release does not start a job before the time it was submitted for).
     */
    public JobRow released(Instant at) {
        Instant eligible = eligibleAt.isAfter(at) ? eligibleAt : at;
        JobRow queued = withState(JobState.QUEUED, eligible.isAfter(at) ? Reasons.NOT_BEFORE : Reasons.CAPACITY, at);
        return new JobRow(id, tenantId, projectId, clusterId, model, cardsMilli, jobClass, reservationId,
                maxRunSeconds, sameBlock, quoteId, currency, unitPriceMinor, priceBookVersion, projectedMinor,
                queued.state, queued.reason, attempt, placement, startedAt, endedAt, chargedMinor, creditedMinor,
                borrowed, submittedBy, createdAt, at, cpuMilli, memoryMib, name, tags, eligible, priority, arrayId, arrayIndex,
                requeuesLeft, tenantHoldUnderAdmin);
    }

    /**
     * The job renamed, retagged ({@code tags} as stored, {@link JobTags#json}), eligible from {@code eligibleAt}, limited
     * to {@code maxRunSeconds} (projected at {@code projectedMinor}), waiting for {@code why}, at {@code priority}
     * among its tenant's jobs, with {@code requeuesLeft} requeues after infrastructure failures, at {@code at}: what it
     * runs, where and at what price per card-hour stay.
     */
    public JobRow updated(String name, String tags, Instant eligibleAt, int maxRunSeconds, long projectedMinor,
            String why, int priority, int requeuesLeft, Instant at) {
        return new JobRow(id, tenantId, projectId, clusterId, model, cardsMilli, jobClass, reservationId,
                maxRunSeconds, sameBlock, quoteId, currency, unitPriceMinor, priceBookVersion, projectedMinor, state,
                why, attempt, placement, startedAt, endedAt, chargedMinor, creditedMinor, borrowed, submittedBy,
                createdAt, at, cpuMilli, memoryMib, name, tags, eligibleAt, priority, arrayId, arrayIndex,
                requeuesLeft, tenantHoldUnderAdmin);
    }

    /** The same job waiting for another reason. */
    public JobRow waitingFor(String why) {
        return run(state, why, attempt, placement, startedAt, endedAt, chargedMinor, creditedMinor, borrowed,
                updatedAt);
    }
}
