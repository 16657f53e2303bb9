package city.myriad.jobs.service;

import city.myriad.jobs.repository.JobRepository;
import city.myriad.quota.service.Commitments;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;

/**
 * The jobs' share of a budget's commitments: every job still QUEUED, HELD or RUNNING at its projection (its price over its
 * whole maxRunSeconds), whatever month it was submitted in; once it ends the meter bills what it really used.
 */
@ApplicationScoped
class QueuedCommitments implements Commitments {

    private final JobRepository jobs;

    QueuedCommitments(JobRepository jobs) {
        this.jobs = jobs;
    }

    @Override
    public String kind() {
        return "JOBS";
    }

    @Override
    public Uni<Long> committedMinor(UUID tenant, UUID project, String currency, Instant from, Instant to,
            Instant now) {
        return jobs.projected(tenant, project, currency).map(p -> p[0]);
    }

    /** Every job still QUEUED, HELD or RUNNING at its cards × maxRunSeconds, as admission counts it for GPU-hours. */
    @Override
    public Uni<Long> committedCardMilliSeconds(UUID tenant, UUID project, Instant now) {
        return jobs.projected(tenant, project, null).map(p -> p[1]);
    }
}
