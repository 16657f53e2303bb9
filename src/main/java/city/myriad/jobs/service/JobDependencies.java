package city.myriad.jobs.service;

import city.myriad.jobs.mapping.JobsApi.CreateJob;
import city.myriad.jobs.mapping.JobsApi.JobDependency;
import city.myriad.jobs.mapping.JobsApi.JobDependencyView;
import city.myriad.jobs.model.DependencyCondition;
import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.repository.JobDependencyRepository;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The jobs a submitted job waits for (createJob's {@code dependsOn}, Slurm's {@code --dependency}): checked and
 * written with the job, and read for its view. What happens when a job it waits for ends is {@link JobRuns}' (the
 * one writer of transitions): the last one met queues it, one never to be met cancels it.
 *
 * <p>Rules: each dependency names a job of the same tenant (any project, any cluster), at most once, at most
 * {@code MAX_DEPENDENCIES} in all; a job that does not exist for the tenant is 400 naming {@code dependsOn[i].jobId}
 * (another tenant's job looks the same as none); one that has already ended otherwise than asked is 409
 * {@code JOB_DEPENDENCY_NEVER_SATISFIED}. A dependency can only name a job that exists before, so dependencies never
 * form a cycle.
 */
@ApplicationScoped
public class JobDependencies {

    /** A dependency as asked, checked. */
    record Asked(UUID jobId, DependencyCondition condition) {}

    private final JobDependencyRepository dependencies;

    JobDependencies(JobDependencyRepository dependencies) {
        this.dependencies = dependencies;
    }

    /** The dependencies asked, or 400 naming one named twice; none when the submission names none. */
    static List<Asked> asked(CreateJob c) {
        return asked(c.dependsOn());
    }

    /** {@code given} (null: none) checked as {@link #asked(CreateJob)}. */
    static List<Asked> asked(List<JobDependency> given) {
        given = given == null ? List.of() : given;
        Set<UUID> seen = new HashSet<>();
        List<Asked> asked = new ArrayList<>(given.size());
        for (int i = 0; i < given.size(); i++) {
            JobDependency d = given.get(i);
            if (!seen.add(d.jobId())) {
                throw JobService.invalid("dependsOn[" + i + "].jobId", "named twice (" + d.jobId() + ")");
            }
            asked.add(new Asked(d.jobId(), d.condition() == null ? DependencyCondition.SUCCEEDED
                    : DependencyCondition.valueOf(d.condition())));
        }
        return asked;
    }

    /** Dependencies checked: whether one is still to end (the job waits HELD), and each as the job's view shows it. */
    record Checked(boolean pending, List<JobDependencyView> views) {

        static final Checked NONE = new Checked(false, List.of());
    }

    /**
     * Checks the dependencies in the submission's transaction, each job share-locked until it commits (so a job that
     * ends meanwhile finds the dependency written, or has ended and is read so here).
     */
    Uni<Checked> check(UUID tenantId, List<Asked> asked) {
        if (asked.isEmpty()) {
            return Uni.createFrom().item(Checked.NONE);
        }
        return dependencies.lockStates(tenantId, asked.stream().map(Asked::jobId).toList()).map(states -> {
            boolean pending = false;
            List<JobDependencyView> views = new ArrayList<>(asked.size());
            for (int i = 0; i < asked.size(); i++) {
                Asked a = asked.get(i);
                JobState state = states.get(a.jobId());
                if (state == null) {
                    throw JobService.invalid("dependsOn[" + i + "].jobId", "no job " + a.jobId() + " of this tenant");
                }
                DependencyCondition.Status status = a.condition().status(state);
                if (status == DependencyCondition.Status.NEVER_SATISFIED) {
                    throw new MyriadProblem.Conflict(ProblemCode.JOB_DEPENDENCY_NEVER_SATISFIED, "dependsOn[" + i
                            + "]: job " + a.jobId() + " has ended " + state + "; a dependency on it ending "
                            + a.condition() + " can never be met");
                }
                pending |= status == DependencyCondition.Status.PENDING;
                views.add(new JobDependencyView(a.jobId(), a.condition().name(), status.name()));
            }
            return new Checked(pending, List.copyOf(views));
        });
    }

    /** Writes the job's dependencies, in the transaction that inserts it. */
    Uni<Void> record(JobRow job, List<Asked> asked) {
        return dependencies.insert(job.id(), job.tenantId(), asked.stream().map(Asked::jobId).toList(),
                asked.stream().map(Asked::condition).toList());
    }

    /**
     * Replaces the dependencies of a job that has not started (updateJob), in its transaction, the job's row locked:
     * 400 naming {@code dependsOn[i].jobId} for the job itself or a job that already waits for it (directly or not:
     * a cycle, in which nothing would ever start), else checked and written as at submission. Changes of dependencies
     * are serialised per tenant (an advisory lock), so two patches cannot each close half of a cycle; a submission
     * can only name older jobs and never closes one.
     */
    Uni<Checked> replace(JobRow job, List<Asked> asked) {
        for (int i = 0; i < asked.size(); i++) {
            if (asked.get(i).jobId().equals(job.id())) {
                throw JobService.invalid("dependsOn[" + i + "].jobId", "a job cannot wait for itself");
            }
        }
        List<UUID> named = asked.stream().map(Asked::jobId).toList();
        Uni<Void> acyclic = named.isEmpty() ? Uni.createFrom().voidItem()
                : dependencies.lockChanges(job.tenantId()).chain(() -> dependencies.reaches(named, job.id()))
                        .invoke(cycle -> {
                            if (cycle) {
                                throw JobService.invalid("dependsOn", "one of these jobs already waits for job "
                                        + job.id() + " (directly or through others): the jobs would wait for each "
                                        + "other for ever");
                            }
                        }).replaceWithVoid();
        return acyclic.chain(() -> check(job.tenantId(), asked))
                .call(() -> dependencies.deleteOf(job.id()))
                .call(() -> asked.isEmpty() ? Uni.createFrom().voidItem() : record(job, asked));
    }

    /** The job's dependencies as they stand now, for its view ([] for none). */
    Uni<List<JobDependencyView>> of(UUID jobId) {
        return dependencies.of(jobId).map(all -> all.stream().map(d -> new JobDependencyView(d.jobId(),
                d.condition().name(), d.status().name())).toList());
    }
}
