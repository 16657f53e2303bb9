package city.myriad.jobs.service;

import city.myriad.jobs.model.JobFilter;
import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.repository.JobRepository;
import city.myriad.platform.db.Scoped;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * A change made to every job of a tenant a selector keeps (cancelJobs, holdJobs, releaseJobs), as Slurm's commands
 * take {@code --name / --user / --state}: the ids read first, oldest first, at most {@link #MOST} a call; then each
 * job changed in its own transaction by {@code change}, which locks and reads it again and answers null to leave it
 * alone (it moved meanwhile). So a call commits job by job, a repeat changes only what is still to change, and none
 * needs an idempotency key.
 */
@ApplicationScoped
class JobSelections {

    /** The most jobs one call changes; {@code more} says when the selector keeps others. */
    static final int MOST = 500;

    /** The jobs changed, oldest first, and whether the selector keeps more than one call changes. */
    record Changed(List<UUID> jobIds, boolean more) {}

    private final Scoped scoped;
    private final JobRepository jobs;
    private final SchedulingLoops loops;

    JobSelections(Scoped scoped, JobRepository jobs, SchedulingLoops loops) {
        this.scoped = scoped;
        this.jobs = jobs;
        this.loops = loops;
    }

    /**
     * Applies {@code change} to the tenant's live jobs {@code filter} keeps (and among {@code only}, if not null), each
     * in its own tenant-scoped transaction; wakes the loops of the clusters whose jobs changed.
     */
    Uni<Changed> each(UUID tenant, JobFilter filter, List<UUID> only, Function<UUID, Uni<JobRow>> change) {
        return scoped.asTenant(tenant, () -> jobs.liveIds(tenant, filter, only, MOST + 1)).chain(ids -> {
            List<UUID> chosen = ids.subList(0, Math.min(ids.size(), MOST));
            List<UUID> changed = new ArrayList<>();
            Set<UUID> clusters = new HashSet<>();
            return Multi.createFrom().iterable(chosen)
                    .onItem().transformToUniAndConcatenate(id -> scoped.asTenant(tenant, () -> change.apply(id)))
                    .invoke(row -> {
                        if (row != null) {
                            changed.add(row.id());
                            clusters.add(row.clusterId());
                        }
                    })
                    .collect().last()
                    .invoke(() -> clusters.forEach(loops::wake))
                    .map(ignored -> new Changed(List.copyOf(changed), ids.size() > MOST));
        });
    }
}
