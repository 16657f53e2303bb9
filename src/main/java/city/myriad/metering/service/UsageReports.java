package city.myriad.metering.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.catalog.service.OperatorLookup;
import city.myriad.metering.mapping.MeteringApi.DiscrepancyView;
import city.myriad.metering.mapping.MeteringApi.JobUsageView;
import city.myriad.metering.mapping.MeteringApi.RunUsage;
import city.myriad.metering.mapping.MeteringApi.UsageLine;
import city.myriad.metering.mapping.MeteringApi.UsageView;
import city.myriad.metering.repository.UsageRepository;
import city.myriad.metering.repository.UsageRepository.Reconciliation;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.json.Decimals;
import city.myriad.platform.validation.Fields;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.money.Money;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * What the meter shows. Who sees what:
 * <ul>
 * <li>a tenant (any tenant role) its own usage, jobs and nothing else;</li>
 * <li>an operator the usage on its own clusters, of every tenant, without tenant-internal groupings (projects)
 * and without naming a tenant;</li>
 * <li>a platform admin everything, one tenant's if it names it.</li>
 * </ul>
 * Usage lines are by the hour the cards ran (a late adjustment appears in its own hour), from the rollups: runs
 * that have ended. The runs going on are given apart, to now.
 */
@ApplicationScoped
public class UsageReports {

    static final Set<String> GROUPINGS = Set.of("project", "cluster", "model", "class", "hour", "day", "period",
            "tag");
    static final Duration MAX_RANGE = Duration.ofDays(400);
    /** A job tag's key, as jobs take them (docs/jobs.md, "Tags"): what {@code tagKey} may name. */
    static final java.util.regex.Pattern TAG_KEY = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:/-]{0,62}");
    static final Duration MAX_HOURLY_RANGE = Duration.ofDays(31);

    private final Scoped scoped;
    private final UsageRepository usage;
    private final TenantProjects projects;
    private final ClusterSupply clusters;
    private final OperatorLookup operators;
    private final Clock clock;

    UsageReports(Scoped scoped, UsageRepository usage, TenantProjects projects, ClusterSupply clusters,
            OperatorLookup operators, Clock clock) {
        this.scoped = scoped;
        this.usage = usage;
        this.projects = projects;
        this.clusters = clusters;
        this.operators = operators;
        this.clock = clock;
    }

    /** Whose usage: one tenant's (or every tenant's: null), on these clusters (or all: null), of one project (or all). */
    private record Reach(UUID tenantId, List<UUID> clusterIds, UUID projectId) {
        Reach(UUID tenantId, List<UUID> clusterIds) {
            this(tenantId, clusterIds, null);
        }
    }

    /**
     * Usage over [from, to), grouped; narrowed to one project ({@code projectId}, of the tenant read: 404
     * {@code PROJECT_NOT_FOUND} if it has none of that id; a platform admin names the tenant too; not for operators)
     * and to one cluster ({@code clusterId}: 404 {@code CLUSTER_NOT_FOUND} if there is none; an operator's own
     * only).
     */
    public Uni<UsageView> usage(Caller caller, String fromText, String toText, String groupByText, String tagKey,
            UUID tenantId, UUID projectId, UUID clusterId) {
        Instant from = Fields.instant("from", fromText);
        Instant to = Fields.instant("to", toText);
        String groupBy = groupByText == null ? "day" : groupByText;
        if (!GROUPINGS.contains(groupBy)) {
            throw Fields.invalid("groupBy", "one of project, cluster, model, class, hour, day, period, tag");
        }
        boolean byTag = groupBy.equals("tag");
        if (byTag && (tagKey == null || !TAG_KEY.matcher(tagKey).matches())) {
            throw Fields.invalid("tagKey", "with groupBy=tag, a tag key: 1-63 letters, digits or _ . : / -, starting "
                    + "with a letter or digit");
        }
        if (!byTag && tagKey != null) {
            throw Fields.invalid("tagKey", "only with groupBy=tag");
        }
        if (!to.isAfter(from)) {
            throw Fields.invalid("to", "after from");
        }
        if (Duration.between(from, to).compareTo(groupBy.equals("hour") ? MAX_HOURLY_RANGE : MAX_RANGE) > 0) {
            throw Fields.invalid("to", groupBy.equals("hour") ? "at most 31 days after from when grouped by hour"
                    : "at most 400 days after from");
        }
        if (projectId != null && caller.isPlatformAdmin() && tenantId == null) {
            throw Fields.invalid("tenantId", "given with projectId: a platform admin reads one tenant's project");
        }
        if (projectId != null && !caller.isPlatformAdmin() && caller.is(Caller.OPERATOR)) {
            throw Fields.invalid("projectId", "not for an operator: operators see the usage of their clusters, not "
                    + "of a tenant's projects");
        }
        Instant now = clock.instant();
        return reach(caller, tenantId, groupBy).chain(r -> narrowed(caller, r, projectId, clusterId))
                .chain(r -> inScope(r, () -> (byTag ? usage.groupedByTag(r.tenantId(), r.clusterIds(),
                        r.projectId(), from, to, tagKey) : usage.grouped(r.tenantId(), r.clusterIds(), r.projectId(),
                        from, to, groupBy))
                .chain(groups -> usage.running(r.tenantId(), r.clusterIds(), r.projectId(), now).map(running -> new UsageView(
                        r.tenantId(), from, to, groupBy, groups.stream().map(g -> new UsageLine(g.key(),
                                cardSeconds(g.cardMilliSeconds()), gpuHours(g.cardMilliSeconds()),
                                Money.of(g.costMinor(), g.currency()), Money.of(g.creditMinor(), g.currency()),
                                g.measuredCardMilliSeconds() == null ? null
                                        : cardSeconds(g.measuredCardMilliSeconds()), g.eventCount(),
                                g.measured() == null ? null : meanUtilization(BigDecimal.valueOf(
                                        g.measured().utilizedMilliCms(), 3), g.measured().utilizationCms()),
                                g.measured() == null || g.measured().energyMilliWh() == null ? null
                                        : plainEnergy(BigDecimal.valueOf(g.measured().energyMilliWh(), 3))))
                                .toList(),
                        cardSeconds(running))))));
    }

    private Uni<Reach> reach(Caller caller, UUID tenantId, String groupBy) {
        if (caller.isPlatformAdmin()) {
            return tenantId == null ? Uni.createFrom().item(new Reach(null, null))
                    : projects.tenant(caller, tenantId, false).map(t -> new Reach(t, null));
        }
        if (caller.is(Caller.OPERATOR)) {
            if (tenantId != null) {
                throw new MyriadProblem.Forbidden(ProblemCode.PLATFORM_ADMIN_REQUIRED,
                        "Operators see the usage of their clusters, not of one tenant");
            }
            if (groupBy.equals("project") || groupBy.equals("tag")) {
                throw Fields.invalid("groupBy", "one of cluster, model, class, hour, day, period for an operator");
            }
            return ownClusters(caller).map(ids -> new Reach(null, ids));
        }
        Uni<UUID> tenant = tenantId == null ? projects.readableTenant(caller) : projects.tenant(caller, tenantId, false);
        return tenant.map(t -> new Reach(t, null));
    }

    /** The reach narrowed to one project of its tenant and to one cluster, as asked. */
    private Uni<Reach> narrowed(Caller caller, Reach r, UUID projectId, UUID clusterId) {
        Uni<UUID> project = projectId == null ? Uni.createFrom().nullItem() : projects.projectOf(r.tenantId(), projectId);
        return project.chain(p -> {
            if (clusterId == null) {
                return Uni.createFrom().item(new Reach(r.tenantId(), r.clusterIds(), p));
            }
            Uni<ClusterSupply.ClusterRef> cluster = r.clusterIds() != null ? clusters.managed(caller, clusterId)
                    : clusters.find(clusterId);
            return cluster.map(c -> new Reach(r.tenantId(), List.of(c.id()), p));
        });
    }

    private Uni<List<UUID>> ownClusters(Caller caller) {
        return operators.of(caller).chain(op -> clusters.all().map(all -> all.stream()
                .filter(c -> c.operatorId().equals(op.id())).map(ClusterSupply.ClusterRef::id).toList()));
    }

    private <T> Uni<T> inScope(Reach r, java.util.function.Supplier<Uni<T>> work) {
        return r.tenantId() != null ? scoped.asTenant(r.tenantId(), work) : scoped.asPlatform(work);
    }

    /** One job's usage: its tenant, its cluster's operator and platform admins may read it; others get 404. */
    public Uni<JobUsageView> jobUsage(Caller caller, UUID jobId) {
        Instant now = clock.instant();
        Uni<UUID> tenantScope;
        Uni<List<UUID>> clusterScope;
        if (caller.isPlatformAdmin()) {
            tenantScope = Uni.createFrom().nullItem();
            clusterScope = Uni.createFrom().nullItem();
        } else if (caller.is(Caller.OPERATOR)) {
            tenantScope = Uni.createFrom().nullItem();
            clusterScope = ownClusters(caller);
        } else {
            tenantScope = projects.readableTenant(caller);
            clusterScope = Uni.createFrom().nullItem();
        }
        return tenantScope.chain(tenant -> clusterScope.chain(own -> inScope(new Reach(tenant, own),
                () -> usage.job(jobId).chain(found -> {
                    var job = found.filter(j -> (tenant == null || j.tenantId().equals(tenant))
                            && (own == null || own.contains(j.clusterId())))
                            .orElseThrow(() -> new MyriadProblem.NotFound(ProblemCode.JOB_NOT_FOUND, "No job " + jobId));
                    return usage.runs(jobId, now).chain(runs -> usage.reconciliation(jobId).map(rec -> {
                        long life = runs.stream().mapToLong(UsageRepository.RunRow::lifecycleCms).sum();
                        long measured = runs.stream().mapToLong(UsageRepository.RunRow::measuredCms).sum();
                        long events = runs.stream().mapToLong(UsageRepository.RunRow::events).sum();
                        long cost = runs.stream().mapToLong(UsageRepository.RunRow::chargeMinor).sum();
                        boolean live = job.state().equals("QUEUED") || job.state().equals("RUNNING");
                        String status = live ? "PENDING" : rec.map(Reconciliation::status)
                                .orElse(events == 0 ? "UNMEASURED" : "PENDING");
                        BigDecimal utilized = runs.stream().map(UsageRepository.RunRow::utilizedCms)
                                .reduce(BigDecimal.ZERO, BigDecimal::add);
                        long utilizationCms = runs.stream().mapToLong(UsageRepository.RunRow::utilizationCms).sum();
                        BigDecimal energy = runs.stream().map(UsageRepository.RunRow::energyWh)
                                .filter(java.util.Objects::nonNull).reduce(BigDecimal::add).orElse(null);
                        return new JobUsageView(job.id(), job.tenantId(), job.clusterId(), job.state(),
                                cardSeconds(life), cardSeconds(measured), events, meanUtilization(utilized,
                                utilizationCms), plainEnergy(energy), Money.of(cost, job.currency()),
                                status, runs.stream().map(r -> new RunUsage(r.attempt(), r.startedAt(), r.endedAt(),
                                        cardSeconds(r.lifecycleCms()), cardSeconds(r.measuredCms()), r.events(),
                                        meanUtilization(r.utilizedCms(), r.utilizationCms()), plainEnergy(r.energyWh())))
                                        .toList());
                    }));
                }))));
    }

    /**
     * The card-seconds-weighted mean of the utilization the events reported, to three decimals (half even); null
     * when no event with a whole second reported one.
     */
    static BigDecimal meanUtilization(BigDecimal utilizedCms, long utilizationCms) {
        return utilizationCms == 0 ? null
                : utilizedCms.divide(BigDecimal.valueOf(utilizationCms), 3, RoundingMode.HALF_EVEN);
    }

    private static BigDecimal plainEnergy(BigDecimal wh) {
        return wh == null ? null : Decimals.plain(wh);
    }

    /** Jobs flagged DISCREPANT: an operator's on its clusters, a platform admin's anywhere. */
    public Uni<Page<DiscrepancyView>> discrepancies(Caller caller, PageRequest page) {
        Uni<List<UUID>> scope;
        if (caller.isPlatformAdmin()) {
            scope = Uni.createFrom().nullItem();
        } else {
            scope = ownClusters(caller);
        }
        return scope.chain(own -> scoped.asPlatform(() -> usage.discrepant(own, page.afterUuid(), page.limit() + 1)))
                .map(rows -> page.page(rows, r -> r.jobId().toString()).map(r -> new DiscrepancyView(r.jobId(),
                        r.tenantId(), r.clusterId(), cardSeconds(r.lifecycleCms()), cardSeconds(r.measuredCms()),
                        r.lifecycleCms() == 0 ? null : BigDecimal.valueOf(r.measuredCms() - r.lifecycleCms())
                                .divide(BigDecimal.valueOf(r.lifecycleCms()), 4, RoundingMode.HALF_EVEN),
                        r.events(), r.checkedAt())));
    }

    static BigDecimal cardSeconds(long cardMilliSeconds) {
        return plain(BigDecimal.valueOf(cardMilliSeconds, 3));
    }

    static BigDecimal gpuHours(long cardMilliSeconds) {
        return plain(BigDecimal.valueOf(cardMilliSeconds).divide(BigDecimal.valueOf(3_600_000L), 6,
                RoundingMode.HALF_EVEN));
    }

    static BigDecimal plain(BigDecimal v) {
        return Decimals.plain(v);
    }
}
