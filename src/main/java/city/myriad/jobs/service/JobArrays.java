package city.myriad.jobs.service;

import city.myriad.jobs.mapping.JobsApi;
import city.myriad.jobs.mapping.JobsApi.CreateJob;
import city.myriad.jobs.mapping.JobsApi.CreateJobArray;
import city.myriad.jobs.mapping.JobsApi.JobArrayView;
import city.myriad.jobs.mapping.JobsApi.UpdateJobArray;
import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.model.Reasons;
import city.myriad.jobs.repository.JobArrayRepository;
import city.myriad.jobs.repository.JobArrayRepository.ArrayRow;
import city.myriad.jobs.repository.JobRepository;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.MyriadProblem.Violation;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.idempotency.Idempotency;
import city.myriad.platform.money.Charges;
import city.myriad.platform.money.Money;
import city.myriad.platform.security.Caller;
import city.myriad.platform.time.Ids;
import city.myriad.quota.service.Budgets;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Job arrays, as Slurm's {@code sbatch --array} or a Kubernetes indexed Job: {@code size} jobs alike submitted at
 * once ({@code createJobArray}), each its own job afterwards (queued, placed, run, metered and billed as any job),
 * knowing its index.
 *
 * <p>Rules: the array is bought whole or not at all. Each job is checked as createJob checks one (its shape, cluster,
 * price, card quotas, dependencies); the month's budget and GPU-hour limits are checked once for the {@code size}
 * jobs together (their projections summed), under the tenant's budget lock; then the array's row and its jobs are
 * written in one transaction. So a budget that has room for half of an array refuses all of it, and nothing waits
 * half-bought. A quote prices one job, so an array takes none (400 naming {@code job.quoteId}). One
 * {@code Idempotency-Key} covers the whole array: a retry answers the array made, and makes no job again. Its jobs'
 * ids grow with their index, so the list (oldest first, by id) shows them in index order.
 */
@ApplicationScoped
public class JobArrays {

    private final JobService jobs;
    private final JobRepository rows;
    private final JobArrayRepository arrays;
    private final TenantProjects projects;
    private final Scoped scoped;
    private final Idempotency idempotency;
    private final Budgets budgets;
    private final JobDependencies dependencies;
    private final JobRuns runs;
    private final SchedulingLoops loops;
    private final Ids ids;
    private final Clock clock;
    private final AuditTrail audit;

    JobArrays(JobService jobs, JobRepository rows, JobArrayRepository arrays, TenantProjects projects, Scoped scoped,
            Idempotency idempotency, Budgets budgets, JobDependencies dependencies, JobRuns runs,
            SchedulingLoops loops, Ids ids, Clock clock, AuditTrail audit) {
        this.audit = audit;
        this.jobs = jobs;
        this.rows = rows;
        this.arrays = arrays;
        this.projects = projects;
        this.scoped = scoped;
        this.idempotency = idempotency;
        this.budgets = budgets;
        this.dependencies = dependencies;
        this.runs = runs;
        this.loops = loops;
        this.ids = ids;
        this.clock = clock;
    }

    public Uni<JobArrayView> create(Caller caller, CreateJobArray command) {
        Instant now = clock.instant();
        CreateJob job = command.job();
        int size = command.size();
        if (command.maxRunning() != null && command.maxRunning() > size) {
            throw JobService.invalid("maxRunning", "at most the array's size (" + size + ")");
        }
        JobService.Shape shape = inJob(() -> {
            if (job.quoteId() != null) {
                throw JobService.invalid("quoteId", "a quote prices one job: an array is priced at the book");
            }
            JobService.notTooFar(job, now);
            JobDependencies.asked(job);  // 400 now for a job named twice
            return JobService.shape(job);
        });
        return projects.runningTenant(caller)
                .chain(tenant -> scoped.asTenant(tenant, () -> idempotency.once(tenant, JobArrayView.class,
                        () -> jobs.checked(tenant, job, shape, now).chain(s -> bought(caller, s, size,
                                command.maxRunning())))))
                .onFailure(MyriadProblem.Validation.class)
                .transform(e -> inJob((MyriadProblem.Validation) e))
                .invoke(view -> loops.wake(view.clusterId()));
    }

    /**
     * In the caller's transaction: the project, the jobs each will wait for (share-locked), the budget and GPU-hour
     * limits for all of them, then the array's row and its jobs, each with its dependencies and held if it is to
     * wait.
     */
    private Uni<JobArrayView> bought(Caller caller, JobService.Submission s, int size, Integer maxRunning) {
        CreateJob c = s.command();
        List<JobDependencies.Asked> asked = JobDependencies.asked(c);
        UUID tenant = s.limits().tenantId();
        Money total = Money.of(Math.multiplyExact(s.priced().projectedMinor(), (long) size), s.priced().currency());
        return projects.runnableIn(tenant, c.projectId()).chain(project -> dependencies.check(tenant, asked)
                .chain(checked -> budgets.refuseBeyond(s.limits(), total, s.now(),
                                "The array's " + size + " jobs may cost up to")
                        .chain(() -> jobs.withinGpuHours(s.limits(), s.shape(), c, s.now(), size))
                        .chain(() -> written(caller, project, s, size, maxRunning, asked,
                                JobService.heldFor(c, checked)))));
    }

    private Uni<JobArrayView> written(Caller caller, TenantProjects.ProjectRef project, JobService.Submission s,
            int size, Integer maxRunning, List<JobDependencies.Asked> asked, String heldFor) {
        CreateJob c = s.command();
        ArrayRow array = new ArrayRow(ids.next(), project.tenantId(), project.projectId(), c.clusterId(), c.model(),
                size, maxRunning, caller.username(), s.now());
        List<UUID> jobIds = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            jobIds.add(ids.next());
        }
        jobIds.sort(null);  // ids grow with the index: the list's order (by id) is the array's
        return arrays.insert(array)
                .chain(() -> Multi.createFrom().range(0, size).onItem().transformToUniAndConcatenate(i -> {
                    JobRow row = JobService.row(caller, project, s, jobIds.get(i), array.id(), i);
                    return rows.insertQueued(row, Reasons.SUBMITTED)
                            .chain(() -> asked.isEmpty() ? Uni.createFrom().voidItem() : dependencies.record(row, asked))
                            .chain(() -> heldFor == null ? Uni.createFrom().voidItem()
                                    : runs.hold(row, heldFor, s.now()).replaceWithVoid());
                }).collect().last())
                .map(ignored -> view(array, jobIds, Map.of(heldFor == null ? JobState.QUEUED.name()
                        : JobState.HELD.name(), size), new JobArrayRepository.Money(s.priced().currency(), 0, 0,
                        Math.multiplyExact(s.priced().projectedMinor(), (long) size), List.of()), s.now()));
    }

    /**
     * Applies a merge patch of the array ({@code given}: the fields sent): its {@code maxRunning}, at most its size. The
     * loop reads an array's limit again within {@link LoopAdmission#ARRAY_LIMIT_TTL}. Audited ({@code updateJobArray})
     * when it changes something.
     */
    public Uni<JobArrayView> update(Caller caller, UUID id, UpdateJobArray patch, java.util.Set<String> given) {
        if (given.contains("maxRunning") && patch.maxRunning() != null
                && (patch.maxRunning() < 1 || patch.maxRunning() > JobsApi.MAX_ARRAY_SIZE)) {
            throw JobService.invalid("maxRunning", "1 to the array's size; null for no limit of its own");
        }
        return projects.runningTenant(caller).chain(tenant -> scoped.asTenant(tenant, () -> arrays.lock(tenant, id)
                        .chain(found -> {
                            ArrayRow array = found.orElseThrow(() -> notFound(id));
                            Integer most = given.contains("maxRunning") ? patch.maxRunning() : array.maxRunning();
                            if (most != null && (most < 1 || most > array.size())) {
                                throw JobService.invalid("maxRunning", "1 to the array's size (" + array.size()
                                        + "); null for no limit of its own");
                            }
                            if (java.util.Objects.equals(most, array.maxRunning())) {
                                return Uni.createFrom().item(array);
                            }
                            java.util.Map<String, Object> change = new java.util.LinkedHashMap<>();
                            change.put("from", array.maxRunning());
                            change.put("to", most);
                            return arrays.setMaxRunning(id, most)
                                    .chain(() -> audit.record(caller, tenant, "updateJobArray",
                                            AuditTrail.Target.of("JOB_ARRAY", id),
                                            java.util.Map.of("maxRunning", change)))
                                    .replaceWith(array);
                        })))
                .invoke(array -> loops.wake(array.clusterId()))
                .chain(array -> get(caller, id));
    }

    private static MyriadProblem.NotFound notFound(UUID id) {
        return new MyriadProblem.NotFound(ProblemCode.JOB_ARRAY_NOT_FOUND, "No job array " + id);
    }

    public Uni<JobArrayView> get(Caller caller, UUID id) {
        return projects.readableTenant(caller).chain(tenant -> scoped.asTenant(tenant, () -> arrays.find(tenant, id)
                .chain(found -> {
                    ArrayRow array = found.orElseThrow(() -> notFound(id));
                    return arrays.jobIds(id).chain(jobIds -> arrays.states(id).chain(states -> arrays.money(id)
                            .map(money -> view(array, jobIds, states, money, clock.instant()))));
                })));
    }

    /** The array's view; its cost as its jobs' views give theirs: charged runs plus the running ones to {@code now}. */
    private static JobArrayView view(ArrayRow a, List<UUID> jobIds, Map<String, Integer> states,
            JobArrayRepository.Money money, Instant now) {
        long live = 0;
        for (JobArrayRepository.Running r : money.running()) {
            live += Charges.of(r.unitPriceMinor(), r.cardsMilli(), java.time.Duration.between(r.startedAt(), now));
        }
        return new JobArrayView(a.id(), a.projectId(), a.clusterId(), a.model(), a.size(), a.maxRunning(),
                a.submittedBy(), a.createdAt(), jobIds, states, Money.of(money.chargedMinor() + live, money.currency()),
                Money.of(money.creditedMinor(), money.currency()), Money.of(money.projectedMinor(), money.currency()));
    }

    /** Runs a check of the array's {@code job}, its refusals naming their fields inside it ({@code job.<field>}). */
    private static <T> T inJob(Supplier<T> check) {
        try {
            return check.get();
        } catch (MyriadProblem.Validation e) {
            throw inJob(e);
        }
    }

    private static MyriadProblem.Validation inJob(MyriadProblem.Validation e) {
        return new MyriadProblem.Validation(e.code(), "job." + e.getMessage(), e.violations().stream()
                .map(v -> new Violation(v.row(), v.field() == null ? "job" : "job." + v.field(), v.reason()))
                .toList());
    }
}
