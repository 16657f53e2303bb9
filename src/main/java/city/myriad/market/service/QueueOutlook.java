package city.myriad.market.service;

import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The port through which a quote sees the work the cluster's loop is running and has queued (the jobs domain
 * implements it: the market does not depend on jobs, jobs depends on the market).
 */
public interface QueueOutlook {

    /**
     * When a job of {@code tenantId}'s of {@code cardsMilli} thousandths of a card of {@code model}, with
     * {@code cpuMilli} and {@code memoryMib} (0: none asked), running at most {@code maxRunSeconds}, inside one block
     * if {@code sameBlock}, SPOT if {@code preemptible}, submitted now and eligible to start from {@code eligibleAt}
     * (now, or its notBefore), of {@code priority} among the tenant's own jobs, in {@code projectId} (null: none
     * named, so only the tenant's card limits bind it), would start on the cluster behind the jobs running there and
     * the queued ones it would wait behind, on the nodes it may use (reservations hold some), once the card limits
     * binding it have room; empty if the model's nodes in service can never carry it.
     */
    Uni<Optional<Instant>> earliestStart(UUID clusterId, UUID tenantId, UUID projectId, String model, long cardsMilli,
            long cpuMilli, long memoryMib, long maxRunSeconds, boolean sameBlock, boolean preemptible,
            Instant eligibleAt, int priority, Instant now);
}
