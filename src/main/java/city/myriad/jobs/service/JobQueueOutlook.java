package city.myriad.jobs.service;

import city.myriad.jobs.repository.JobRepository;
import city.myriad.market.service.QueueOutlook;
import city.myriad.platform.db.Scoped;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The market's view of the queue, for quotes: a job submitted now waits behind every job QUEUED on its cluster and
 * model (whatever their tenant: only their sizes and limits are read), and the running ones free their cards at
 * their declared ends. The same estimate a queued job's view shows ({@code JobService}).
 */
@ApplicationScoped
public class JobQueueOutlook implements QueueOutlook {

    /** Sorts after every job id: with "now", it takes in the whole queue. */
    private static final UUID LAST = new UUID(-1L, -1L);

    private final Scoped scoped;
    private final JobRepository jobs;
    private final JobService service;

    JobQueueOutlook(Scoped scoped, JobRepository jobs, JobService service) {
        this.scoped = scoped;
        this.jobs = jobs;
        this.service = service;
    }

    @Override
    public Uni<Optional<Instant>> earliestStart(UUID clusterId, String model, long cardsMilli, Instant now) {
        return scoped.asPlatform(() -> jobs.queuedBefore(clusterId, model, now, LAST)
                .chain(ahead -> service.startAt(clusterId, model, ahead, cardsMilli, now)));
    }
}
