package city.myriad.jobs.service;

import city.myriad.jobs.mapping.JobsApi.CancelJobs;
import city.myriad.jobs.mapping.JobsApi.CancelledJobs;
import city.myriad.jobs.mapping.JobsApi.SelectJobs;
import city.myriad.jobs.model.JobFilter;
import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.model.JobTags;
import city.myriad.jobs.model.Reasons;
import city.myriad.jobs.repository.JobRepository;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.tenancy.service.TenantProjects;
import city.myriad.platform.security.Caller;
import city.myriad.platform.validation.Fields;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Cancelling a tenant's jobs: one ({@code cancelJob}) or every live one a selector keeps ({@code cancelJobs}, as
 * Slurm's {@code scancel --name / --user / --state}). Each job is ended in its own transaction, locked and read again
 * first: a job that ended meanwhile is left alone, and one that left the state the selector named (a QUEUED job that
 * started) too. So a bulk cancellation commits job by job, a repeat ends only what is still live, and it needs no
 * idempotency key.
 */
@ApplicationScoped
public class JobCancellations {

    /** The most jobs one {@code cancelJobs} call ends; {@code more} says when the selector keeps others. */
    public static final int MOST = JobSelections.MOST;

    private final TenantProjects projects;
    private final JobRepository jobs;
    private final JobRuns runs;
    private final AuditTrail audit;
    private final JobSelections selections;
    private final Clock clock;

    JobCancellations(TenantProjects projects, JobRepository jobs, JobRuns runs, AuditTrail audit,
            JobSelections selections, Clock clock) {
        this.projects = projects;
        this.jobs = jobs;
        this.runs = runs;
        this.audit = audit;
        this.selections = selections;
        this.clock = clock;
    }

    /** Ends a locked QUEUED, HELD or RUNNING job for its tenant (CANCELLED_BY_TENANT): out of the queue, or stopped. */
    Uni<JobRow> end(JobRow j, Instant now) {
        return end(j, Reasons.CANCELLED_BY_TENANT, now);
    }

    /** {@link #end(JobRow, Instant)} for {@code reason}: the tenant's cancel, or a platform admin's. */
    Uni<JobRow> end(JobRow j, String reason, Instant now) {
        if (j.state() == JobState.QUEUED || j.state() == JobState.HELD) {
            return runs.endQueued(j, JobState.CANCELLED, reason, now, true);
        }
        if (j.state() == JobState.RUNNING) {
            return runs.endRun(j, new JobRuns.RunEnd(JobState.CANCELLED, reason, false, true, true), now);
        }
        throw new IllegalStateException("job " + j.id() + " is " + j.state() + ", not live");
    }

    /** The live jobs {@code command} selects, up to {@link #MOST}, cancelled one transaction each. */
    public Uni<CancelledJobs> cancel(Caller caller, CancelJobs command) {
        JobFilter filter = selector(command);
        Instant now = clock.instant();
        return projects.runningTenant(caller).chain(tenant -> selections.each(tenant, filter, chosen(command),
                        id -> cancelOne(caller, tenant, id, filter.state(), now)))
                .map(c -> new CancelledJobs(c.jobIds().size(), c.jobIds(), c.more()));
    }

    /** The job ended, or null if it is no longer live (or no longer in {@code state}) by the time it is locked. */
    private Uni<JobRow> cancelOne(Caller caller, UUID tenant, UUID id, JobState state, Instant now) {
        return jobs.lock(id).chain(locked -> {
            JobRow j = locked.orElse(null);
            boolean live = j != null && j.state().live();
            if (!live || (state != null && j.state() != state)) {
                return Uni.createFrom().nullItem();
            }
            return end(j, now).call(() -> audit.record(caller, tenant, "cancelJobs", Target.of("JOB", id),
                    Map.of("previousState", j.state().name()))).replaceWith(j);
        });
    }

    /** The jobs the selector names one by one (empty: none, so nothing is cancelled), or null for no such field. */
    private static List<UUID> chosen(CancelJobs c) {
        return c == null ? null : c.jobIds();
    }

    /** The selector as a list filter, by the list's rules: 400 naming what is wrong, or {@code selector} for none. */
    static JobFilter selector(CancelJobs c) {
        if (c == null || (c.projectId() == null && c.clusterId() == null && c.state() == null
                && (c.tags() == null || c.tags().isEmpty()) && c.name() == null && c.submittedBy() == null
                && c.from() == null && c.to() == null && chosen(c) == null && c.arrayId() == null)) {
            throw Fields.invalid("selector", "at least one of projectId, clusterId, state, tags, name, submittedBy, "
                    + "from, to, jobIds, arrayId (to cancel every live job, name state QUEUED, then HELD, then "
                    + "RUNNING)");
        }
        return JobFilter.of(c.projectId(), c.state() == null ? null : JobState.valueOf(c.state()), c.clusterId(),
                JobTags.json(c.tags()), c.submittedBy(), c.name(), c.from(), c.to(), false).inArray(c.arrayId());
    }

    /**
     * A hold's or release's selector as a list filter of the jobs in {@code state}: 400 naming what is wrong, or
     * {@code selector} for none.
     */
    static JobFilter selector(SelectJobs c, JobState state) {
        if (c == null || (c.projectId() == null && c.clusterId() == null
                && (c.tags() == null || c.tags().isEmpty()) && c.name() == null && c.submittedBy() == null
                && c.from() == null && c.to() == null && c.jobIds() == null && c.arrayId() == null)) {
            throw Fields.invalid("selector", "at least one of projectId, clusterId, tags, name, submittedBy, from, to, "
                    + "jobIds, arrayId");
        }
        return JobFilter.of(c.projectId(), state, c.clusterId(), JobTags.json(c.tags()), c.submittedBy(), c.name(),
                c.from(), c.to(), false).inArray(c.arrayId());
    }
}
