package city.myriad.jobs.service;

import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.allocation.SchedulerOptions;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.jobs.mapping.JobsApi.CreateJob;
import city.myriad.jobs.mapping.JobsApi.JobDependencyView;
import city.myriad.jobs.mapping.JobsApi.JobView;
import city.myriad.jobs.mapping.JobsApi.ListJobs;
import city.myriad.jobs.mapping.JobsApi.NodeCards;
import city.myriad.jobs.mapping.JobsApi.TransitionView;
import city.myriad.platform.money.Charges;
import city.myriad.jobs.model.JobClass;
import city.myriad.jobs.model.JobPlacement;
import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.model.JobFilter;
import city.myriad.jobs.model.JobTags;
import city.myriad.jobs.model.Reasons;
import city.myriad.jobs.repository.JobQueueRepository;
import city.myriad.jobs.repository.JobRepository;
import city.myriad.market.service.JobPricing;
import city.myriad.platform.db.Scoped;
import city.myriad.market.service.QuoteService;
import city.myriad.platform.db.Constraints;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.MyriadProblem.Violation;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.idempotency.Idempotency;
import city.myriad.platform.money.Money;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import city.myriad.platform.time.Ids;
import city.myriad.metering.service.MeterReadings;
import city.myriad.quota.service.Budgets;
import city.myriad.quota.service.QuotaLimits;
import city.myriad.tenancy.service.TenantProjects;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Jobs for tenants: submit (priced, checked against quotas and the budget, then QUEUED for the cluster's
 * scheduling loop), list, read (where it runs or why it waits, what it cost, its history) and cancel.
 *
 * <p>Admission at submission: a job larger than a card limit that applies to it can never run (422
 * QUOTA_EXCEEDED); a limit without class does not bind SPOT jobs, which may borrow idle cards beyond it. A job
 * whose projected cost (unit price × cards × maxRunSeconds) would take the month's committed spending (charges
 * less credits of ended runs, reservations bought, projections of live jobs) past the tenant's or the project's
 * budget is refused (422 BUDGET_EXCEEDED); submissions of one tenant serialise on an advisory lock for that check.
 */
@ApplicationScoped
public class JobService {

    private final Scoped scoped;
    private final SubmissionBatches batches;
    private final TenantProjects projects;
    private final ClusterSupply clusters;
    private final JobPricing pricing;
    private final QuotaLimits quotas;
    private final Budgets budgets;
    private final MeterReadings meter;
    private final JobRepository jobs;
    private final Idempotency idempotency;
    private final SchedulingLoops loops;
    private final ObjectMapper json;
    private final Ids ids;
    private final Clock clock;
    private final JobStartEstimates estimates;

    private final AuditTrail audit;
    private final JobCancellations cancellations;
    private final JobRuns runs;
    private final JobDependencies dependencies;

    JobService(Scoped scoped, SubmissionBatches batches, TenantProjects projects, ClusterSupply clusters,
            JobPricing pricing, QuotaLimits quotas, Budgets budgets, MeterReadings meter, JobRepository jobs,
            Idempotency idempotency, SchedulingLoops loops, ObjectMapper json, Ids ids, Clock clock,
            JobStartEstimates estimates, AuditTrail audit, JobCancellations cancellations, JobRuns runs,
            JobDependencies dependencies) {
        this.runs = runs;
        this.dependencies = dependencies;
        this.audit = audit;
        this.cancellations = cancellations;
        this.estimates = estimates;
        this.scoped = scoped;
        this.batches = batches;
        this.projects = projects;
        this.clusters = clusters;
        this.pricing = pricing;
        this.quotas = quotas;
        this.budgets = budgets;
        this.meter = meter;
        this.jobs = jobs;
        this.idempotency = idempotency;
        this.loops = loops;
        this.json = json;
        this.ids = ids;
        this.clock = clock;
    }

    /** What a job asks, once checked: cards (thousandths), class, block constraint, CPU (thousandths of a core), memory. */
    record Shape(int cardsMilli, JobClass jobClass, boolean sameBlock, long cpuMilli, long memoryMib) {

        boolean asksCpuOrMemory() {
            return cpuMilli > 0 || memoryMib > 0;
        }
    }

    /**
     * Submits a job: checked against the reference data (cluster, cards in service, price, card quotas; from the
     * owning ports' one-second caches), then written in one transaction of the caller's tenant that reads the
     * project (and that the tenant is not suspended), checks the budget and GPU-hour limits when any applies, and
     * inserts the job, its first transition and the loop's inbox entry in one statement.
     *
     * <p>Two ways to that transaction, one outcome. Most submissions name no Idempotency-Key and no limit on money
     * or GPU-hours applies: their transaction runs on the plain client, two statements sent with the tenant's
     * scope in one round trip (docs/design/submission-path.md), shared by the tenant's submissions that arrive
     * while earlier ones are being written ({@link SubmissionBatches}). Otherwise it runs in the ORM's session, which the
     * idempotency record and the metering and market ports it reads need; with a key the whole submission runs
     * inside {@link Idempotency#once}, so a replay answers the first job without checking or pricing it again.
     */
    public Uni<JobView> create(Caller caller, CreateJob command) {
        Instant now = clock.instant();
        Shape shape = shape(command);
        notTooFar(command, now);
        JobDependencies.asked(command);  // 400 now for a job named twice
        return projects.runningTenant(caller)
                .chain(tenant -> idempotency.keyed()
                        ? scoped.asTenant(tenant, () -> idempotency.once(tenant, JobView.class,
                                () -> checked(tenant, command, shape, now).chain(s -> ledgered(caller, s))))
                        : checked(tenant, command, shape, now).chain(s -> s.limits().spendLimited() || ledgeredOnly(command)
                                ? scoped.asTenant(tenant, () -> ledgered(caller, s))
                                : insert(caller, new TenantProjects.ProjectRef(tenant, command.projectId()), s,
                                        JobDependencies.Checked.NONE, batches::insert)))
                .invoke(view -> loops.wake(view.clusterId()));
    }

    /** A submission that passed the checks against the reference data: its shape, price and limits. */
    record Submission(CreateJob command, Shape shape, Priced priced, QuotaLimits.Effective limits,
            Instant now) {}

    /** The cluster and its cards of the model (409 if the job can never run there), the price, the card quotas. */
    Uni<Submission> checked(UUID tenant, CreateJob command, Shape shape, Instant now) {
        return clusters.find(command.clusterId())
                .chain(cluster -> clusters.cardsInService(cluster.id(), command.model()))
                .invoke(cardsOfModel -> fits(command, shape, cardsOfModel))
                .call(() -> shape.asksCpuOrMemory() ? clusters.nodeShapes(command.clusterId(), command.model())
                        .invoke(nodes -> carried(command, shape, nodes)) : Uni.createFrom().voidItem())
                .chain(cardsOfModel -> priced(tenant, command, shape, now))
                .chain(priced -> quotas.of(tenant, command.projectId())
                        .invoke(limits -> withinCardLimits(command, shape, limits))
                        .map(limits -> new Submission(command, shape, priced, limits, now)));
    }

    /**
     * In the ORM's transaction: the project, the jobs it depends on (share-locked), the budget and GPU-hour limits
     * (serialised per tenant), the insert (with its dependencies, and HELD if it is to wait).
     */
    private Uni<JobView> ledgered(Caller caller, Submission s) {
        List<JobDependencies.Asked> asked = JobDependencies.asked(s.command());
        return projects.runnableIn(s.limits().tenantId(), s.command().projectId())
                .chain(project -> dependencies.check(s.limits().tenantId(), asked).chain(checked -> budgets
                        .refuseBeyond(s.limits(), Money.of(s.priced().projectedMinor(), s.priced().currency()),
                                s.now(), "The job may cost up to")
                        .chain(() -> withinGpuHours(s.limits(), s.shape(), s.command(), s.now()))
                        .chain(() -> insert(caller, project, s, checked, row -> jobs.insertQueued(row, Reasons.SUBMITTED)
                                .chain(() -> asked.isEmpty() ? Uni.createFrom().voidItem()
                                        : dependencies.record(row, asked))
                                .chain(() -> heldFor(s.command(), checked) == null ? Uni.createFrom().voidItem()
                                        : runs.hold(row, heldFor(s.command(), checked), s.now()).replaceWithVoid())))));
    }

    /** How far ahead a job's {@code notBefore} may be: as far as a quote's (31 days). */
    static final Duration NOT_BEFORE_AHEAD = QuoteService.NOT_BEFORE_AHEAD;

    /** 400 naming {@code notBefore} if it is further ahead than {@link #NOT_BEFORE_AHEAD}. */
    static void notTooFar(CreateJob c, Instant now) {
        if (c.notBefore() != null && c.notBefore().isAfter(now.plus(NOT_BEFORE_AHEAD))) {
            throw invalid("notBefore", "at most 31 days ahead (it was " + c.notBefore() + ")");
        }
    }

    /** When the job may first start: its {@code notBefore} if that is to come, else now. */
    private static Instant eligibleAt(CreateJob c, Instant now) {
        return c.notBefore() != null && c.notBefore().isAfter(now) ? c.notBefore() : now;
    }

    /**
     * Submitted HELD or with dependencies: written in the ORM's transaction, queued (and held) in it (the batched path
     * only queues).
     */
    private static boolean ledgeredOnly(CreateJob c) {
        return Boolean.TRUE.equals(c.hold()) || (c.dependsOn() != null && !c.dependsOn().isEmpty());
    }

    /** Why a submission is held at once: its tenant asked (HELD_BY_TENANT), or it waits for jobs (DEPENDENCY); or null. */
    static String heldFor(CreateJob c, JobDependencies.Checked dependencies) {
        return Boolean.TRUE.equals(c.hold()) ? Reasons.HELD_BY_TENANT
                : dependencies.pending() ? Reasons.DEPENDENCY : null;
    }

    /** The price a job is sold at, and its projection. */
    record Priced(String currency, long unitPriceMinor, Integer priceBookVersion, long projectedMinor) {}

    private Uni<Priced> priced(UUID tenant, CreateJob c, Shape shape, Instant now) {
        if (shape.jobClass() == JobClass.RESERVED) {
            return pricing.reservation(tenant, c.reservationId()).map(r -> {
                if (!r.clusterId().equals(c.clusterId()) || !r.model().equals(c.model())) {
                    throw new MyriadProblem.Validation(ProblemCode.RESERVATION_MISMATCH, "Reservation "
                            + r.id() + " holds " + r.model() + " cards of cluster " + r.clusterId(),
                            List.of(Violation.field("reservationId", "for another cluster or model")));
                }
                if (!r.state().equals("CONFIRMED") && !r.state().equals("ACTIVE")) {
                    throw new MyriadProblem.Conflict(ProblemCode.RESERVATION_NOT_USABLE, "Reservation " + r.id()
                            + " is " + r.state());
                }
                if (shape.cardsMilli() > r.cards() * 1000L) {
                    throw new MyriadProblem.Conflict(ProblemCode.JOB_LARGER_THAN_RESERVATION, "Reservation " + r.id()
                            + " holds " + r.cards() + " cards");
                }
                Instant earliest = eligibleAt(c, now);
                earliest = earliest.isAfter(r.startAt()) ? earliest : r.startAt();
                if (earliest.plusSeconds(c.maxRunSeconds()).isAfter(r.endAt())) {
                    throw invalid("maxRunSeconds", "longer than what is left of the reservation's window (it ends at "
                            + r.endAt() + ")");
                }
                return new Priced(r.currency(), 0, null, 0);
            });
        }
        // A SPOT price follows the model's utilization, as the cluster's loop last reported it to the catalog.
        Uni<BigDecimal> utilizationNow = shape.jobClass() != JobClass.SPOT ? Uni.createFrom().item(BigDecimal.ZERO)
                : clusters.utilization(c.clusterId(), c.model());
        return utilizationNow
                .chain(utilization -> pricing.price(tenant, c.clusterId(), c.model(), shape.jobClass().name(),
                        shape.cardsMilli(), c.maxRunSeconds(), shape.sameBlock(), utilization, c.quoteId()))
                .map(p -> new Priced(p.unitPrice().currency(), p.unitPrice().amountMinor(), p.priceBookVersion(),
                        Charges.of(p.unitPrice().amountMinor(), shape.cardsMilli(),
                                Duration.ofSeconds(c.maxRunSeconds()))));
    }

    static Shape shape(CreateJob c) {
        tagged(c.tags());
        if (c.name() != null && c.name().isBlank()) {
            throw invalid("name", "1 to 128 characters, not blank (leave it out for none)");
        }
        BigDecimal milli = c.cards().multiply(BigDecimal.valueOf(1000));
        if (milli.stripTrailingZeros().scale() > 0 || (c.cards().compareTo(BigDecimal.ONE) > 0
                && c.cards().stripTrailingZeros().scale() > 0)) {
            throw new MyriadProblem.Validation(ProblemCode.INVALID_CARDS, "cards: " + c.cards().toPlainString()
                    + " is neither whole cards nor a fraction of one card in thousandths",
                    List.of(Violation.field("cards", "whole cards, or a fraction of one card in thousandths")));
        }
        JobClass jobClass = JobClass.valueOf(c.jobClass());
        if ((jobClass == JobClass.RESERVED) != (c.reservationId() != null)) {
            throw new MyriadProblem.Validation(ProblemCode.RESERVATION_MISMATCH, jobClass == JobClass.RESERVED
                    ? "A RESERVED job names its reservationId" : "Only a RESERVED job names a reservationId",
                    List.of(Violation.field("reservationId", jobClass == JobClass.RESERVED ? "required for RESERVED"
                            : "only for RESERVED")));
        }
        if (jobClass == JobClass.RESERVED && c.quoteId() != null) {
            throw invalid("quoteId", "a RESERVED job is paid by its reservation: no quote");
        }
        return new Shape(milli.intValueExact(), jobClass, Boolean.TRUE.equals(c.sameBlock()),
                c.cpuMilli() == null ? 0 : c.cpuMilli(), c.memoryMib() == null ? 0 : c.memoryMib());
    }

    /** 400 VALIDATION_FAILED naming each tag that breaks {@link JobTags}' rules ({@code tags.<key>}, or {@code tags}). */
    static void tagged(Map<String, String> tags) {
        List<JobTags.Broken> broken = JobTags.broken(tags);
        if (!broken.isEmpty()) {
            List<Violation> violations = broken.stream().map(b -> Violation.field(
                    b.key() == null ? "tags" : "tags." + b.key(), b.reason())).toList();
            throw new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, violations.stream()
                    .map(v -> v.field() + ": " + v.reason()).collect(java.util.stream.Collectors.joining("; ")),
                    violations);
        }
    }

    private static void fits(CreateJob c, Shape shape, long cardsOfModel) {
        if (shape.cardsMilli() > cardsOfModel * 1000) {
            throw new MyriadProblem.CapacityUnavailable("Cluster " + c.clusterId() + " has only " + cardsOfModel + " "
                    + c.model() + " cards in service: the job can never run there", null, null);
        }
    }

    /** 409 CAPACITY_UNAVAILABLE for a job whose CPU or memory no set of the model's nodes in service could carry. */
    private static void carried(CreateJob c, Shape shape, List<ClusterSupply.NodeShape> nodes) {
        if (!NodeNeeds.canEverRun(shape.cardsMilli(), shape.cpuMilli(), shape.memoryMib(), nodes)) {
            long mostCpu = nodes.stream().mapToLong(ClusterSupply.NodeShape::cpuMilli).max().orElse(0);
            long mostMemory = nodes.stream().mapToLong(ClusterSupply.NodeShape::memoryMib).max().orElse(0);
            throw new MyriadProblem.CapacityUnavailable("No " + c.model() + " nodes in service of cluster "
                    + c.clusterId() + " could ever carry " + shape.cardsMilli() / 1000.0 + " cards with "
                    + shape.cpuMilli() + " milli-cores and " + shape.memoryMib() + " MiB (its largest node has "
                    + mostCpu + " milli-cores and " + mostMemory + " MiB; a gang takes on each node CPU and memory "
                    + "in proportion to its cards there): the job can never run there", null, null);
        }
    }

    /** 422 QUOTA_EXCEEDED for a job larger than a limit that binds it (tenant's or project's). */
    private static void withinCardLimits(CreateJob c, Shape shape, QuotaLimits.Effective limits) {
        CardQuota.binding(limits, c.clusterId(), c.model(), shape.jobClass()).forEach(limit -> {
            if (shape.cardsMilli() > limit.limit() * 1000L) {
                throw new MyriadProblem.QuotaExceeded(ProblemCode.QUOTA_EXCEEDED, "The job asks "
                        + shape.cardsMilli() / 1000.0 + " " + c.model() + " cards; the quota allows at most "
                        + limit.limit() + (limit.priceClass() == null ? "" : " " + limit.priceClass()));
            }
        });
    }

    /**
     * 422 QUOTA_EXCEEDED if the job, run to its maxRunSeconds, would take the month's GPU-hours past a limit: the
     * card-seconds the meter has billed this period plus those projected for the jobs still QUEUED, HELD or RUNNING.
     * Refused before it runs, never cancelled after the fact. (Serialised with the budget check.)
     */
    private Uni<Void> withinGpuHours(QuotaLimits.Effective limits, Shape shape, CreateJob c, Instant now) {
        return withinGpuHours(limits, shape, c, now, 1);
    }

    /** {@link #withinGpuHours} for {@code jobs} jobs alike (a job array's). */
    Uni<Void> withinGpuHours(QuotaLimits.Effective limits, Shape shape, CreateJob c, Instant now, int jobs) {
        long need = (long) shape.cardsMilli() * c.maxRunSeconds() * jobs;
        String what = jobs == 1 ? "The job" : "The array's " + jobs + " jobs";
        Uni<Void> check = Uni.createFrom().voidItem();
        if (limits.tenant().gpuHours() != null) {
            long limit = limits.tenant().gpuHours() * 3_600_000L;
            check = check.chain(() -> gpuUsed(limits.tenantId(), null, now))
                    .invoke(used -> refuseGpuHours(what, used, need, limit, "tenant")).replaceWithVoid();
        }
        if (limits.project().gpuHours() != null) {
            long limit = limits.project().gpuHours() * 3_600_000L;
            check = check.chain(() -> gpuUsed(limits.tenantId(), limits.projectId(), now))
                    .invoke(used -> refuseGpuHours(what, used, need, limit, "project")).replaceWithVoid();
        }
        return check;
    }

    private Uni<Long> gpuUsed(UUID tenant, UUID project, Instant now) {
        return budgets.lock(tenant).chain(() -> meter.billed(tenant, project, null, now))
                .chain(billed -> jobs.projected(tenant, project, null).map(p -> billed.cardMilliSeconds() + p[1]));
    }

    private static void refuseGpuHours(String what, long usedMilli, long needMilli, long limitMilli, String whose) {
        if (usedMilli + needMilli > limitMilli) {
            throw new MyriadProblem.QuotaExceeded(ProblemCode.QUOTA_EXCEEDED, what + " may run up to "
                    + hours(needMilli) + " GPU-hours; with " + hours(usedMilli) + " used or committed this month "
                    + "it would pass the " + whose + "'s limit of " + hours(limitMilli) + " GPU-hours");
        }
    }

    private static String hours(long cardMilliSeconds) {
        return BigDecimal.valueOf(cardMilliSeconds).divide(BigDecimal.valueOf(3_600_000L), 2,
                java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    /** The job {@code s} submits, as written: QUEUED (or waiting for its notBefore), in {@code arrayId} at its index. */
    static JobRow row(Caller caller, TenantProjects.ProjectRef project, Submission s, UUID id, UUID arrayId,
            Integer arrayIndex) {
        CreateJob c = s.command();
        Shape shape = s.shape();
        Priced priced = s.priced();
        Instant now = s.now();
        return new JobRow(id, project.tenantId(), project.projectId(), c.clusterId(), c.model(),
                shape.cardsMilli(), shape.jobClass(), c.reservationId(), c.maxRunSeconds(), shape.sameBlock(),
                c.quoteId(), priced.currency(), priced.unitPriceMinor(), priced.priceBookVersion(),
                priced.projectedMinor(), JobState.QUEUED,
                eligibleAt(c, now).isAfter(now) ? Reasons.NOT_BEFORE : Reasons.CAPACITY, 0, null, null, null, 0, 0,
                false, caller.username(), now, now, shape.cpuMilli(), shape.memoryMib(), c.name(),
                JobTags.json(c.tags()), eligibleAt(c, now), c.priority() == null ? 0 : c.priority(), arrayId,
                arrayIndex, shape.jobClass().preemptible() || c.maxRequeues() == null ? 0 : c.maxRequeues(), false);
    }

    private Uni<JobView> insert(Caller caller, TenantProjects.ProjectRef project, Submission s,
            JobDependencies.Checked dependsOn, Function<JobRow, Uni<Void>> write) {
        CreateJob c = s.command();
        Shape shape = s.shape();
        Priced priced = s.priced();
        Instant now = s.now();
        JobRow row = row(caller, project, s, ids.next(), null, null);
        List<TransitionView> history = new ArrayList<>(List.of(
                new TransitionView(now, null, JobState.QUEUED.name(), Reasons.SUBMITTED)));
        JobRow answered = row;
        String heldFor = heldFor(c, dependsOn);
        if (heldFor != null) {
            answered = row.withState(JobState.HELD, heldFor, now);
            history.add(new TransitionView(now, JobState.QUEUED.name(), JobState.HELD.name(), heldFor));
        }
        JobRow shown = answered;
        return write.apply(row)
                .onFailure(f -> c.quoteId() != null && Constraints.violates(f, QuoteService.USED_ONCE))
                .transform(f -> QuoteService.usedUp(c.quoteId(), null))
                .map(ignored -> view(shown, now, dependsOn.views(), List.copyOf(history), null, null));
    }

    public Uni<Page<JobView>> list(Caller caller, PageRequest page, ListJobs query) {
        JobFilter filter = JobFilter.parse(query.projectId(), query.state(), query.clusterId(), query.tag(),
                query.submittedBy(), query.name(), query.from(), query.to(), query.order(), query.dependsOn(),
                query.arrayId(), query.model(), query.reason());
        Instant now = clock.instant();
        UUID project = filter.project();
        if (support(caller) && query.tenantId() == null) {
            // Every tenant's jobs: a project named is only a filter (it has a tenant of its own).
            return scoped.asPlatform(() -> jobs.page(null, page.afterUuid(), filter, page.limit() + 1)
                            .map(rows -> page.page(rows, r -> r.id().toString()))
                            .map(p -> new Page<>(p.items().stream().map(r -> summary(r, now)).toList(),
                                    p.nextCursor())))
                    .chain(p -> withEstimates(p.items(), now).map(views -> new Page<>(views, p.nextCursor())));
        }
        Uni<UUID> reader = query.tenantId() == null ? projects.readableTenant(caller)
                : projects.tenant(caller, query.tenantId(), false);
        return reader.call(tenant -> project == null ? Uni.createFrom().voidItem()
                        : projects.projectOf(tenant, project))
                .chain(tenant -> scoped.asTenant(tenant, () -> jobs.page(tenant,
                        page.afterUuid(), filter, page.limit() + 1)
                .map(rows -> page.page(rows, r -> r.id().toString()))
                .map(p -> new Page<>(p.items().stream().map(r -> summary(r, now)).toList(), p.nextCursor()))))
                .chain(p -> withEstimates(p.items(), now).map(views -> new Page<>(views, p.nextCursor())));
    }

    /**
     * The views with each QUEUED job's position and estimated start, as its own view gives them. The jobs of one
     * cluster and model are estimated one after another, the one furthest back in the core's order first (the
     * tenant's order: lowest priority, then largest key): its plan
     * holds the jobs ahead of it, so a page of queued jobs costs about one plan per queue ({@link QueuePlans}; a job
     * the plan does not hold, say one of the oldest aged jobs, is planned on its own).
     */
    private Uni<List<JobView>> withEstimates(List<JobView> views, Instant now) {
        double rate = SchedulerOptions.myriad().areaRate();
        // A page is one tenant's: its queue orders them by priority (higher first), then by key.
        List<JobView> queued = views.stream().filter(v -> v.state().equals(JobState.QUEUED.name()))
                .sorted(Comparator.comparingInt((JobView v) -> -v.priority())
                        .thenComparingDouble((JobView v) -> JobQueueRepository.orderKey(areaOf(v), v.eligibleAt(), rate))
                        .thenComparing(JobView::eligibleAt).thenComparing(JobView::id).reversed())
                .toList();
        if (queued.isEmpty()) {
            return Uni.createFrom().item(views);
        }
        Map<UUID, JobView> estimated = new HashMap<>();
        Uni<Void> done = Uni.createFrom().voidItem();
        for (JobView v : queued) {
            done = done.chain(() -> withEstimate(v, now).invoke(e -> estimated.put(v.id(), e))).replaceWithVoid();
        }
        return done.map(ignored -> views.stream().map(v -> estimated.getOrDefault(v.id(), v)).toList());
    }

    private static long areaOf(JobView v) {
        return v.cards().multiply(BigDecimal.valueOf(1000)).longValueExact() * v.maxRunSeconds();
    }

    public Uni<JobView> get(Caller caller, UUID id) {
        Instant now = clock.instant();
        if (support(caller)) {
            // Support: any tenant's job, read as its tenant would.
            return scoped.asPlatform(() -> jobs.read(id).chain(found -> view(found.orElseThrow(() -> notFound(id)),
                    now))).chain(view -> withEstimate(view, now));
        }
        return projects.readableTenant(caller).chain(tenant -> scoped.asTenant(tenant, () -> jobs.find(tenant, id)
                .chain(found -> view(found.orElseThrow(() -> notFound(id)), now))))
                .chain(view -> withEstimate(view, now));
    }

    /**
     * A QUEUED job's view with its queue position and estimated start (read across tenants, as counts only). A job
     * waiting for cards out of service (CARDS_OUT) has no estimated start: the plan is of the cards in service, which
     * cannot hold it, and when a card comes back is the repair's to say.
     */
    private Uni<JobView> withEstimate(JobView v, Instant now) {
        if (!v.state().equals(JobState.QUEUED.name())) {
            return Uni.createFrom().item(v);
        }
        boolean forRepair = Reasons.CARDS_OUT.equals(v.reason());
        return estimates.estimate(v, now)
                .map(e -> forRepair ? new JobStartEstimates.Estimate(e.position(), null) : e)
                .map(e -> new JobView(v.id(), v.tenantId(), v.projectId(),
                v.clusterId(), v.model(), v.cards(), v.cpuMilli(), v.memoryMib(), v.jobClass(), v.reservationId(),
                v.maxRunSeconds(),
                v.sameBlock(), v.quoteId(), v.state(), v.reason(), v.attempt(), v.placement(), v.shareMilli(),
                e.position(), e.startAt(), v.unitPrice(), v.cost(), v.credit(), v.projectedCost(), v.borrowed(),
                v.startedAt(), v.endedAt(), v.submittedBy(), v.createdAt(), v.eligibleAt(), v.tags(), v.name(),
                v.priority(), v.arrayId(), v.arrayIndex(), v.requeuesLeft(), v.heldByTenant(), v.dependsOn(), v.history(),
                v.priceBookVersion()));
    }

    /**
     * Cancels a job of the caller's tenant: a QUEUED job leaves the queue (a HELD one ends); a RUNNING one is charged
     * for the time it ran and its agents are told to stop it. Cancelling a CANCELLED job again answers it as it is; an
     * ended one is 409 JOB_NOT_CANCELLABLE.
     */
    public Uni<JobView> cancel(Caller caller, UUID id) {
        Instant now = clock.instant();
        if (support(caller)) {
            return scoped.asPlatform(() -> jobs.lock(id).chain(locked -> cancelLocked(caller, id,
                    locked.orElseThrow(() -> notFound(id)), Reasons.CANCELLED_BY_ADMIN, now)))
                    .invoke(view -> loops.wake(view.clusterId()));
        }
        return projects.runningTenant(caller).chain(tenant -> scoped.asTenant(tenant, () -> jobs.find(tenant, id)
                .chain(found -> jobs.lock(found.orElseThrow(() -> notFound(id)).id()))
                .chain(locked -> cancelLocked(caller, id, locked.orElseThrow(() -> notFound(id)),
                        Reasons.CANCELLED_BY_TENANT, now)))).invoke(view -> loops.wake(view.clusterId()));
    }

    private Uni<JobView> cancelLocked(Caller caller, UUID id, JobRow j, String reason, Instant now) {
        Uni<?> done = switch (j.state()) {
            case QUEUED, RUNNING, HELD -> cancellations.end(j, reason, now);
            case CANCELLED -> Uni.createFrom().item(j);
            default -> throw new MyriadProblem.Conflict(ProblemCode.JOB_NOT_CANCELLABLE, "Job " + id
                    + " has ended " + j.state());
        };
        // A job already CANCELLED changes nothing again, and is not recorded again.
        Uni<?> recorded = j.state() == JobState.CANCELLED ? done : done.call(() -> audit.record(caller,
                j.tenantId(), "cancelJob", Target.of("JOB", id), Map.of("previousState", j.state().name())));
        return recorded.chain(() -> jobs.read(id)).chain(after -> view(after.orElseThrow(), now));
    }

    /**
     * Whether the caller acts as the platform's support: a platform admin of no tenant, who reads, holds, releases
     * and cancels any tenant's job (docs/jobs.md, "Support").
     */
    static boolean support(Caller caller) {
        return caller.isPlatformAdmin() && caller.tenantSlug().isEmpty();
    }

    private Uni<JobView> view(JobRow r, Instant now) {
        return dependencies.of(r.id()).chain(dependsOn -> jobs.history(r.id()).map(list -> view(r, now, dependsOn,
                list.stream().map(t -> new TransitionView(t.at(), t.from(), t.to(), t.reason())).toList(), null,
                null)));
    }

    private JobView summary(JobRow r, Instant now) {
        return view(r, now, null, null, null, null);
    }

    private JobView view(JobRow r, Instant now, List<JobDependencyView> dependsOn, List<TransitionView> history,
            Long position, Instant estimate) {
        JobPlacement placement = placement(r.placement());
        long live = r.state() == JobState.RUNNING
                ? Charges.of(r.unitPriceMinor(), r.cardsMilli(), Duration.between(r.startedAt(), now)) : 0;
        BigDecimal cards = BigDecimal.valueOf(r.cardsMilli()).divide(BigDecimal.valueOf(1000), MathContext.DECIMAL64)
                .stripTrailingZeros();
        if (cards.scale() < 0) {
            cards = cards.setScale(0);
        }
        return new JobView(r.id(), r.tenantId(), r.projectId(), r.clusterId(), r.model(), cards, r.cpuMilli(),
                r.memoryMib(), r.jobClass().name(),
                r.reservationId(), r.maxRunSeconds(), r.sameBlock(), r.quoteId(), r.state().name(), r.reason(),
                r.attempt(), placement == null ? null : placement.nodes().stream()
                        .map(n -> new NodeCards(n.node(), n.cards())).toList(),
                placement == null || placement.shareMilli() == 1000 ? null : placement.shareMilli(),
                position, estimate, Money.of(r.unitPriceMinor(), r.currency()),
                Money.of(r.chargedMinor() + live, r.currency()), Money.of(r.creditedMinor(), r.currency()),
                Money.of(r.projectedMinor(), r.currency()), r.borrowed(), r.startedAt(), r.endedAt(),
                r.submittedBy(), r.createdAt(), r.eligibleAt(), JobTags.read(r.tags()), r.name(), r.priority(),
                r.arrayId(), r.arrayIndex(), r.requeuesLeft(), heldByTenant(r), dependsOn, history,
                r.priceBookVersion());
    }

    /** Whether the job's tenant holds it: its own hold, or its hold under a platform admin's. */
    private static boolean heldByTenant(JobRow r) {
        return r.state() == JobState.HELD && (Reasons.HELD_BY_TENANT.equals(r.reason())
                || Reasons.HELD_BY_ADMIN.equals(r.reason()) && r.tenantHoldUnderAdmin());
    }

    JobPlacement placement(String stored) {
        return StoredPlacements.read(json, stored);
    }

    static MyriadProblem.NotFound notFound(UUID id) {
        return new MyriadProblem.NotFound(ProblemCode.JOB_NOT_FOUND, "No job " + id);
    }

    static MyriadProblem.Validation invalid(String field, String reason) {
        return new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, field + ": " + reason,
                List.of(Violation.field(field, reason)));
    }
}
