package city.myriad.jobs.service;

import city.myriad.allocation.SchedulerOptions;
import city.myriad.allocation.StartEstimate;
import city.myriad.jobs.repository.JobQueueRepository;
import city.myriad.market.service.QueueOutlook;
import city.myriad.platform.db.Scoped;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The market's view of the queue, for quotes: a job submitted now waits behind the jobs QUEUED on its cluster and
 * model that the scheduling core would start before it (those waiting past the aging threshold, 6.25 hours or the
 * queue's drain time up to 18 hours, then those of a
 * smaller cards × maxRunSeconds, an area counting half for every area half-life waited; whatever their tenant:
 * only their sizes and limits are read), and the running ones free their cards at their declared ends, on the nodes
 * the job may use (not those other tenants' reservations hold or keep, unless it is SPOT). So a quote
 * gives the start the job's own view will show once it is submitted ({@link JobStartEstimates});
 * docs/design/quote-estimate-order.md says why.
 */
@ApplicationScoped
public class JobQueueOutlook implements QueueOutlook {

    /** Sorts after every job id: the quoted job goes after every queued job of its area created by now. */
    private static final UUID LAST = new UUID(-1L, -1L);

    private final Scoped scoped;
    private final JobQueueRepository queue;
    private final JobStartEstimates estimates;
    private final city.myriad.catalog.service.ClusterSupply clusters;

    JobQueueOutlook(Scoped scoped, JobQueueRepository queue, JobStartEstimates estimates,
            city.myriad.catalog.service.ClusterSupply clusters) {
        this.clusters = clusters;
        this.scoped = scoped;
        this.queue = queue;
        this.estimates = estimates;
    }

    @Override
    public Uni<Optional<Instant>> earliestStart(UUID clusterId, UUID tenantId, UUID projectId, String model,
            long cardsMilli, long cpuMilli, long memoryMib, long maxRunSeconds, boolean sameBlock, boolean preemptible,
            Instant eligibleAt, int priority, Instant now) {
        Uni<Boolean> carried = cpuMilli == 0 && memoryMib == 0 ? Uni.createFrom().item(true)
                : clusters.nodeShapes(clusterId, model).map(nodes -> NodeNeeds.canEverRun((int) Math.min(cardsMilli,
                        Integer.MAX_VALUE), cpuMilli, memoryMib, nodes));
        return carried.chain(ok -> !ok ? Uni.createFrom().item(Optional.<Instant>empty())
                : scoped.asPlatform(() -> estimates.agedBefore(clusterId, now)
                        .chain(agedBefore -> queue.queuedAhead(clusterId, model, eligibleAt, LAST,
                                cardsMilli * maxRunSeconds, new JobQueueRepository.Asking(tenantId, priority),
                                SchedulerOptions.myriad().areaRate(), agedBefore, SchedulerOptions.myriad().heads()))
                        .chain(ahead -> estimates.startAt(clusterId, model, projectId, ahead, new StartEstimate.Waiting(
                                new StartEstimate.Need(cardsMilli, cpuMilli, memoryMib), maxRunSeconds, sameBlock,
                                tenantId, preemptible, eligibleAt.isAfter(now) ? eligibleAt : null),
                                now))));
    }
}
