package city.myriad.jobs.service;

import city.myriad.jobs.mapping.JobsApi.ChangedJobs;
import city.myriad.jobs.mapping.JobsApi.JobView;
import city.myriad.jobs.mapping.JobsApi.SelectJobs;
import city.myriad.jobs.model.JobFilter;
import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.model.Reasons;
import city.myriad.jobs.repository.JobRepository;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Holding a tenant's queued job and releasing it, as Slurm's {@code scontrol hold / release} and Kueue's inactive
 * workloads: a held job (HELD) is in no scheduler's queue, so it never starts, and keeps everything it was submitted
 * with (its price, its projected cost against the budget, its tags and name); released, it is QUEUED again and its
 * wait counts from the release ({@code eligibleAt}), so holding a job is no way to age it ahead of others.
 *
 * <p>Rules: only a QUEUED job can be held (409 {@code JOB_NOT_HOLDABLE} for one that runs or has ended: stop it with
 * a cancel); only a HELD job can be released (409 {@code JOB_NOT_HELD}). Holding a HELD job and releasing a QUEUED one
 * change nothing and answer the job as it is, so a retry is safe. A held job can be cancelled. Each change is one
 * transaction with its history row, the scheduling loop's inbox entry and its audit event; the job row is locked
 * first, so a hold and the loop's start of the same job never both win (the loop's start requires QUEUED).
 */
@ApplicationScoped
public class JobHolds {

    private final TenantProjects projects;
    private final Scoped scoped;
    private final JobRepository jobs;
    private final JobRuns runs;
    private final AuditTrail audit;
    private final SchedulingLoops loops;
    private final JobService views;
    private final JobSelections selections;
    private final Clock clock;

    JobHolds(TenantProjects projects, Scoped scoped, JobRepository jobs, JobRuns runs, AuditTrail audit,
            SchedulingLoops loops, JobService views, JobSelections selections, Clock clock) {
        this.selections = selections;
        this.projects = projects;
        this.scoped = scoped;
        this.jobs = jobs;
        this.runs = runs;
        this.audit = audit;
        this.loops = loops;
        this.views = views;
        this.clock = clock;
    }

    /**
     * QUEUED → HELD: the job leaves its cluster's queue until released. A job HELD for its dependencies is held by its
     * tenant as well (reason HELD_BY_TENANT): its dependencies met, it stays HELD until released. A job a platform
     * admin holds, held by its tenant too, stays HELD_BY_ADMIN with the tenant's hold under it: the admin's release
     * leaves it HELD_BY_TENANT.
     */
    public Uni<JobView> hold(Caller caller, UUID id) {
        Instant now = clock.instant();
        boolean admin = JobService.support(caller);
        return change(caller, id, "holdJob", j -> {
            if (j.state() == JobState.QUEUED) {
                return runs.hold(j, admin ? Reasons.HELD_BY_ADMIN : Reasons.HELD_BY_TENANT, now);
            }
            if (j.state() == JobState.HELD && admin) {
                // An admin's hold takes over the tenant's or the dependencies': only an admin lifts it, and the
                // tenant's own hold lies under it until then.
                if (Reasons.HELD_BY_ADMIN.equals(j.reason())) {
                    return null;
                }
                Uni<JobRow> held = runs.holdWaiting(j, Reasons.HELD_BY_ADMIN, now);
                return Reasons.HELD_BY_TENANT.equals(j.reason()) ? held.call(() -> jobs.holdUnderAdmin(id)) : held;
            }
            if (j.state() == JobState.HELD && Reasons.HELD_BY_ADMIN.equals(j.reason())) {
                // The tenant holds a job an admin holds: its hold lies under the admin's (null: it did already).
                return jobs.holdUnderAdmin(id).map(changed -> changed ? j : null);
            }
            if (j.state() == JobState.HELD) {
                return Reasons.DEPENDENCY.equals(j.reason()) ? runs.holdWaiting(j, now) : null;  // null: held already
            }
            throw new MyriadProblem.Conflict(ProblemCode.JOB_NOT_HOLDABLE, "Job " + id + " is " + j.state()
                    + "; only a QUEUED job can be held" + (j.state() == JobState.RUNNING ? " (cancel it to stop it)" : ""));
        });
    }

    /**
     * HELD → QUEUED: the job joins its cluster's queue again, its wait counted from now; or, while jobs it depends on
     * have not ended, it stays HELD for them (reason DEPENDENCY). A job HELD only for its dependencies has no hold of
     * its tenant to release: answered as it is. A job a platform admin holds: its tenant withdraws its own hold from
     * under the admin's (the job stays HELD_BY_ADMIN), or gets 409 JOB_HELD_BY_ADMIN when it has none there.
     */
    public Uni<JobView> release(Caller caller, UUID id) {
        Instant now = clock.instant();
        boolean admin = JobService.support(caller);
        return change(caller, id, "releaseJob", j -> {
            if (j.state() == JobState.HELD && Reasons.HELD_BY_ADMIN.equals(j.reason()) && !admin) {
                // The tenant withdraws its own hold from under the admin's (the admin's release will queue the job);
                // the admin's hold is not the tenant's to lift.
                return jobs.liftAdminHold(id).map(withdrawn -> {
                    if (!withdrawn) {
                        throw new MyriadProblem.Conflict(ProblemCode.JOB_HELD_BY_ADMIN, "Job " + id + " is held by a "
                                + "platform admin; only a platform admin releases it (you may cancel it)");
                    }
                    return j;
                });
            }
            if (j.state() == JobState.HELD && Reasons.HELD_BY_ADMIN.equals(j.reason())) {
                // The admin's hold lifted: a tenant's hold under it still holds the job; else as any release.
                return jobs.liftAdminHold(id).chain(tenantHolds -> tenantHolds
                        ? runs.holdWaiting(j, Reasons.HELD_BY_TENANT, now) : runs.release(j, now));
            }
            if (j.state() == JobState.HELD) {
                return Reasons.DEPENDENCY.equals(j.reason()) ? null : runs.release(j, now);
            }
            if (j.state() == JobState.QUEUED) {
                return null;  // queued already (released before, or never held): nothing to do
            }
            throw new MyriadProblem.Conflict(ProblemCode.JOB_NOT_HELD, "Job " + id + " is " + j.state()
                    + "; only a HELD job can be released");
        });
    }

    /**
     * The tenant's QUEUED jobs {@code command} selects, up to 500, held one transaction each ({@code holdJobs}); once
     * none of those is left, its jobs HELD for their dependencies, up to 500, held by it as well (as {@link #hold}
     * holds one): a tenant holding a project's work holds the steps of its pipelines that wait too, which would else
     * start as soon as what they wait for ends.
     */
    public Uni<ChangedJobs> holdAll(Caller caller, SelectJobs command) {
        return changeAll(caller, command, JobState.QUEUED, "holdJobs").chain(queued -> queued.more()
                ? Uni.createFrom().item(queued)
                : holdWaiting(caller, command).map(waiting -> new ChangedJobs(queued.changed() + waiting.changed(),
                        java.util.stream.Stream.concat(queued.jobIds().stream(), waiting.jobIds().stream()).toList(),
                        waiting.more())));
    }

    /** The tenant's jobs HELD only for their dependencies that {@code command} selects, held by the tenant too. */
    private Uni<ChangedJobs> holdWaiting(Caller caller, SelectJobs command) {
        JobFilter filter = JobCancellations.selector(command, JobState.HELD).about(null, Reasons.DEPENDENCY);
        Instant now = clock.instant();
        return projects.runningTenant(caller).chain(tenant -> selections.each(tenant, filter, command.jobIds(),
                        id -> jobs.lock(id).chain(locked -> {
                            JobRow j = locked.orElse(null);
                            if (j == null || j.state() != JobState.HELD || !Reasons.DEPENDENCY.equals(j.reason())) {
                                return Uni.createFrom().<JobRow>nullItem();  // moved meanwhile
                            }
                            return runs.holdWaiting(j, now).call(after -> after == null ? Uni.createFrom().voidItem()
                                    : audit.record(caller, tenant, "holdJobs", Target.of("JOB", id),
                                            Map.of("previousState", JobState.HELD.name())));
                        })))
                .map(c -> new ChangedJobs(c.jobIds().size(), c.jobIds(), c.more()));
    }

    /**
     * The tenant's HELD jobs {@code command} selects, up to 500, released one transaction each ({@code releaseJobs});
     * those HELD only for their dependencies are not the tenant's to release and are left out.
     */
    public Uni<ChangedJobs> releaseAll(Caller caller, SelectJobs command) {
        return changeAll(caller, command, JobState.HELD, "releaseJobs");
    }

    private Uni<ChangedJobs> changeAll(Caller caller, SelectJobs command, JobState from, String action) {
        // A release selects only the tenant's own holds: jobs HELD for their dependencies or by a platform admin are
        // not its to release, and left out of the selection itself, so that `more` never keeps pointing at them.
        JobFilter filter = from == JobState.HELD
                ? JobCancellations.selector(command, from).about(null, Reasons.HELD_BY_TENANT)
                : JobCancellations.selector(command, from);
        Instant now = clock.instant();
        return projects.runningTenant(caller).chain(tenant -> selections.each(tenant, filter, command.jobIds(),
                        id -> jobs.lock(id).chain(locked -> {
                            JobRow j = locked.orElse(null);
                            if (j == null || j.state() != from || Reasons.DEPENDENCY.equals(j.reason())
                                    || Reasons.HELD_BY_ADMIN.equals(j.reason())) {
                                // moved meanwhile, or not the tenant's hold to release
                                return Uni.createFrom().<JobRow>nullItem();
                            }
                            return (from == JobState.QUEUED ? runs.hold(j, Reasons.HELD_BY_TENANT, now)
                                    : runs.release(j, now))
                                    .call(after -> after == null ? Uni.createFrom().voidItem()
                                            : audit.record(caller, tenant, action, Target.of("JOB", id),
                                                    Map.of("previousState", from.name())));
                        })))
                .map(c -> new ChangedJobs(c.jobIds().size(), c.jobIds(), c.more()));
    }

    /**
     * Applies {@code step} to the locked job: it answers the job as written, or null for a job already where the change
     * leads (nothing written, nothing recorded), or throws the conflict.
     */
    private Uni<JobView> change(Caller caller, UUID id, String action, Function<JobRow, Uni<JobRow>> step) {
        Uni<UUID> changed = JobService.support(caller)
                ? scoped.asPlatform(() -> jobs.lock(id).chain(locked -> apply(caller, id, action, step, locked)))
                : projects.runningTenant(caller).chain(tenant -> scoped.asTenant(tenant, () -> jobs.find(tenant, id)
                        .chain(found -> jobs.lock(found.orElseThrow(() -> notFound(id)).id()))
                        .chain(locked -> apply(caller, id, action, step, locked))));
        return changed.invoke(cluster -> {
            if (cluster != null) {
                loops.wake(cluster);
            }
        }).chain(() -> views.get(caller, id));
    }

    /** The step on the locked job and its audit event (in the job's tenant's trail); the job's cluster, or null. */
    private Uni<UUID> apply(Caller caller, UUID id, String action, Function<JobRow, Uni<JobRow>> step,
            java.util.Optional<JobRow> locked) {
        JobRow j = locked.orElseThrow(() -> notFound(id));
        Uni<JobRow> written = step.apply(j);
        if (written == null) {
            return Uni.createFrom().nullItem();
        }
        return written.chain(after -> {
            if (after == null) {  // nothing written (the row is locked: no other writer moved it)
                return Uni.createFrom().nullItem();
            }
            return audit.record(caller, j.tenantId(), action, Target.of("JOB", id),
                    Map.of("previousState", j.state().name())).replaceWith(j.clusterId());
        });
    }

    private static MyriadProblem notFound(UUID id) {
        return JobService.notFound(id);
    }
}
