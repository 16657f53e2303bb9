package city.myriad.jobs.service;

import city.myriad.jobs.model.JobClass;
import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.model.Reasons;
import city.myriad.jobs.repository.JobRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The jobs domain's port for metering: when a budget is used up and its policy is STOP, the tenant's (or
 * project's) running ON_DEMAND jobs are stopped: CANCELLED with reason BUDGET_EXHAUSTED, charged for the time they
 * ran, their agents told to stop. SPOT and RESERVED work goes on (spot is preemptible anyway, reserved is paid).
 * Runs in the caller's transaction.
 */
@ApplicationScoped
public class BudgetStops {

    private final JobRepository jobs;
    private final JobRuns runs;
    private final SchedulingLoops loops;

    BudgetStops(JobRepository jobs, JobRuns runs, SchedulingLoops loops) {
        this.jobs = jobs;
        this.runs = runs;
        this.loops = loops;
    }

    /** Stops them; completes with the ids stopped. */
    public Uni<List<UUID>> stopOnDemand(UUID tenantId, UUID projectId, Instant at) {
        return jobs.lockRunning(tenantId, projectId, JobClass.ON_DEMAND).chain(running -> {
            Uni<Set<UUID>> all = Uni.createFrom().item(new HashSet<>());
            for (JobRow j : running) {
                all = all.chain(done -> runs.endRun(j, new JobRuns.RunEnd(JobState.CANCELLED,
                        Reasons.BUDGET_EXHAUSTED, false, true, true), at).map(ended -> {
                            if (ended != null) {
                                done.add(j.id());
                                loops.wake(j.clusterId());
                            }
                            return done;
                        }));
            }
            return all.map(List::copyOf);
        });
    }
}
