package city.myriad.quota.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.MyriadProblem.Violation;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.http.Preconditions;
import city.myriad.platform.money.Money;
import city.myriad.platform.security.Caller;
import city.myriad.quota.mapping.QuotaApi;
import city.myriad.quota.mapping.QuotaApi.BudgetStatusView;
import city.myriad.quota.mapping.QuotaApi.GpuHoursStatus;
import city.myriad.quota.mapping.QuotaApi.CardLimit;
import city.myriad.quota.mapping.QuotaApi.Quotas;
import city.myriad.quota.mapping.QuotaApi.QuotasView;
import city.myriad.quota.repository.QuotaRepository;
import city.myriad.tenancy.service.TenantProjects;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Quotas of tenants and projects: limits of concurrent cards per cluster × model (× class; a limit without a
 * class covers all classes) and a money budget per month. Platform admins set a tenant's; tenant-admins set a
 * project's, which must nest within the tenant's (no project limit above the tenant's limit for the same cluster,
 * model and class, or the tenant's class-less one; no project budget above the tenant's). Without a limit or a
 * budget there is none. Admission (jobs, next) applies the smaller of a project's and its tenant's.
 */
@ApplicationScoped
public class QuotaService {

    static final String TENANT = "tenant";

    private final Scoped scoped;
    private final TenantProjects tenants;
    private final ClusterSupply clusters;
    private final QuotaRepository quotas;
    private final ObjectMapper json;
    private final Preconditions preconditions;
    private final Clock clock;
    private final QuotaLimits limits;
    private final AuditTrail audit;
    private final Budgets budgets;

    QuotaService(Scoped scoped, TenantProjects tenants, ClusterSupply clusters, QuotaRepository quotas,
            ObjectMapper json, Clock clock, QuotaLimits limits, Preconditions preconditions, AuditTrail audit,
            Budgets budgets) {
        this.budgets = budgets;
        this.audit = audit;
        this.preconditions = preconditions;
        this.limits = limits;
        this.scoped = scoped;
        this.tenants = tenants;
        this.clusters = clusters;
        this.quotas = quotas;
        this.json = json;
        this.clock = clock;
    }

    public Uni<QuotasView> tenantQuotas(Caller caller, UUID tenantId) {
        return tenants.tenant(caller, tenantId, false).chain(tenant -> read(tenant, null));
    }

    /**
     * Replaces a tenant's quotas. {@code ifMatch} (the If-Match header, or null): the entity tag of the quotas as
     * last read; if they changed since, 412 and nothing changes ({@link Preconditions}).
     */
    public Uni<QuotasView> setTenantQuotas(Caller caller, UUID tenantId, Quotas command, String ifMatch) {
        // Another tenant's id is 404 before anything else: ids reveal nothing.
        return tenants.tenant(caller, tenantId, false)
                .invoke(tenant -> {
                    if (!caller.isPlatformAdmin()) {
                        throw new MyriadProblem.Forbidden(ProblemCode.PLATFORM_ADMIN_REQUIRED,
                                "Only a platform admin sets a tenant's quotas");
                    }
                })
                .chain(tenant -> clustersExist(command).replaceWith(tenant))
                .invoke(tenant -> noDuplicates(command))
                .chain(tenant -> write(caller, tenant, null, command, ifMatch));
    }

    public Uni<QuotasView> projectQuotas(Caller caller, UUID tenantId, UUID projectId) {
        return tenants.tenant(caller, tenantId, false)
                .chain(tenant -> tenants.projectOf(tenant, projectId).chain(project -> read(tenant, project)));
    }

    /** Replaces a project's quotas; {@code ifMatch} as for {@link #setTenantQuotas}. */
    public Uni<QuotasView> setProjectQuotas(Caller caller, UUID tenantId, UUID projectId, Quotas command,
            String ifMatch) {
        return tenants.tenant(caller, tenantId, true)
                .chain(tenant -> tenants.projectOf(tenant, projectId)
                        .call(project -> clustersExist(command))
                        .invoke(project -> noDuplicates(command))
                        .call(project -> read(tenant, null).invoke(tenantQuotas -> nests(command, tenantQuotas)))
                        .chain(project -> write(caller, tenant, project, command, ifMatch)));
    }

    /**
     * The budget's status this month for the tenant ({@code projectId} null) or one of its projects (any role of the
     * tenant, platform admins): the budget in force, what each domain has committed of it ({@link Budgets#breakdown},
     * the figures admission adds up), what remains. Without a budget, no figures: there is nothing to spend against
     * (the usage, getUsage, says what was spent).
     */
    public Uni<BudgetStatusView> budgetStatus(Caller caller, UUID tenantId, UUID projectId) {
        Instant now = clock.instant();
        String period = city.myriad.platform.time.Period.of(now).toString();
        return tenants.tenant(caller, tenantId, false).chain(tenant -> (projectId == null
                        ? Uni.createFrom().item((UUID) null) : tenants.projectOf(tenant, projectId))
                .chain(project -> read(tenant, project).chain(quotas -> {
                    QuotaApi.Budget b = quotas.budget();
                    Long hours = quotas.gpuHours() == null ? null : quotas.gpuHours().limit();
                    Uni<Map<String, Long>> money = b == null ? Uni.createFrom().item(Map.of())
                            : budgets.breakdown(tenant, project, b.currency(), now);
                    Uni<Budgets.Outlook> outlook = b == null ? Uni.createFrom().nullItem()
                            : budgets.outlook(tenant, project, b.currency(), now);
                    Uni<Budgets.CardOutlook> cardsAhead = hours == null ? Uni.createFrom().nullItem()
                            : budgets.cardOutlook(tenant, project, now);
                    return scoped.asTenant(tenant, () -> money.chain(byKind -> outlook.chain(ahead -> (hours == null
                                    ? Uni.createFrom().item(Map.<String, Long>of())
                                    : budgets.cardBreakdown(tenant, project, now))
                                    .chain(cards -> cardsAhead.map(gpuAhead -> status(tenant, project, period, b,
                                            byKind, ahead, hours, cards, gpuAhead, quotas.onBudgetExhausted(),
                                            now))))));
                })));
    }

    /** The figures of a status: money where a budget is set, GPU-hours where a limit is. */
    private static BudgetStatusView status(UUID tenant, UUID project, String period, QuotaApi.Budget b,
            Map<String, Long> byKind, Budgets.Outlook ahead, Long hoursLimit, Map<String, Long> cardMilli,
            Budgets.CardOutlook gpuAhead, String policy, Instant now) {
        GpuHoursStatus gpu = hoursLimit == null ? null : gpuHours(hoursLimit, cardMilli, gpuAhead);
        if (b == null) {
            return new BudgetStatusView(tenant, project, period, null, null, null, null, null, null, null, null, null,
                    null, null, gpu, policy, now);
        }
        long billed = byKind.getOrDefault("BILLED", 0L);
        long jobs = byKind.getOrDefault("JOBS", 0L);
        long reserved = byKind.getOrDefault("RESERVATIONS", 0L);
        long committed = Math.addExact(Math.addExact(billed, jobs), reserved);
        String c = b.currency();
        return new BudgetStatusView(tenant, project, period, Money.of(b.amountMinor(), c), Money.of(billed, c),
                Money.of(jobs, c), Money.of(reserved, c), Money.of(committed, c),
                Money.of(Math.max(0, b.amountMinor() - committed), c), percent(committed, b),
                Money.of(ahead.usedMinor(), c), Money.of(ahead.runRatePerHourMinor(), c),
                Money.of(ahead.forecastMinor(), c), percent(ahead.forecastMinor(), b), gpu, policy, now);
    }

    /** {@code minor} / the budget in percent, one decimal; null for a budget of 0. */
    private static BigDecimal percent(long minor, QuotaApi.Budget b) {
        return b.amountMinor() == 0 ? null : BigDecimal.valueOf(Math.multiplyExact(minor, 100L))
                .divide(BigDecimal.valueOf(b.amountMinor()), 1, RoundingMode.HALF_UP);
    }

    /** Card-hours from thousandths of a card-second, two decimals. */
    private static BigDecimal hours(long cardMilliSeconds) {
        return BigDecimal.valueOf(cardMilliSeconds).divide(BigDecimal.valueOf(3_600_000L), 2, RoundingMode.HALF_UP);
    }

    private static GpuHoursStatus gpuHours(long limit, Map<String, Long> cardMilli, Budgets.CardOutlook ahead) {
        long billed = cardMilli.getOrDefault("BILLED", 0L);
        long jobs = cardMilli.getOrDefault("JOBS", 0L);
        long committed = Math.addExact(billed, jobs);
        return new GpuHoursStatus(limit, hours(billed), hours(jobs), hours(committed),
                hours(Math.max(0, Math.subtractExact(Math.multiplyExact(limit, 3_600_000L), committed))),
                hours(ahead.usedCardMilliSeconds()), hours(ahead.forecastCardMilliSeconds()));
    }

    private Uni<QuotasView> read(UUID tenant, UUID project) {
        return scoped.asTenant(tenant, () -> quotas.find(tenant, scope(project))).map(stored -> view(tenant, project, stored));
    }

    /** The quotas as GET renders them: the stored document, or no limits when none was set. */
    private QuotasView view(UUID tenant, UUID project, java.util.Optional<QuotaRepository.Stored> stored) {
        return stored.map(s -> {
            Quotas q = parse(s.document());
            return new QuotasView(tenant, project, q.cards(), q.budget(), q.gpuHours(), q.thresholds(), q.exhaustion(),
                    s.updatedAt(), s.updatedBy(), q.forecastAlertPercent(), q.spendAnomalyPercent(),
                    q.spendAnomalyMinimumMinor());
        }).orElse(new QuotasView(tenant, project, List.of(), null, null, QuotaApi.DEFAULT_THRESHOLDS, "FINISH", null,
                null, null, null, null));
    }

    /**
     * Stores the quotas. With {@code ifMatch}, in one transaction: the scope's lock, the current quotas read as GET
     * renders them, the tag compared, the write; a concurrent conditional write waits for the lock and then sees
     * this one's result, so of writers that read the same quotas exactly one lands.
     */
    private Uni<QuotasView> write(Caller caller, UUID tenant, UUID project, Quotas command, String ifMatch) {
        if (command.spendAnomalyPercent() != null && command.budget() == null) {
            throw city.myriad.platform.validation.Fields.invalid("spendAnomalyPercent",
                    "set with a budget: the spend watched is in the budget's currency");
        }
        if (command.spendAnomalyMinimumMinor() != null && command.spendAnomalyPercent() == null) {
            throw city.myriad.platform.validation.Fields.invalid("spendAnomalyMinimumMinor",
                    "set with spendAnomalyPercent, whose anomalies it is a floor for");
        }
        QuotaRepository.Stored stored = new QuotaRepository.Stored(serialise(command), clock.instant(), caller.username());
        String scope = scope(project);
        return scoped.asTenant(tenant, () -> (ifMatch == null ? quotas.put(tenant, scope, stored)
                        : quotas.lock(tenant, scope).chain(() -> quotas.find(tenant, scope))
                                .invoke(current -> preconditions.check(ifMatch, view(tenant, project, current)))
                                .chain(() -> quotas.put(tenant, scope, stored)))
                        .call(() -> audit.record(caller, tenant, project == null ? "setTenantQuotas" : "setProjectQuotas",
                                Target.of("QUOTAS", project == null ? tenant : project), auditDetails(project, stored))))
                .invoke(limits::changed)
                .replaceWith(new QuotasView(tenant, project, command.cards(), command.budget(), command.gpuHours(),
                        command.thresholds(), command.exhaustion(), stored.updatedAt(), stored.updatedBy(),
                        command.forecastAlertPercent(), command.spendAnomalyPercent(),
                        command.spendAnomalyMinimumMinor()));
    }

    /** The quotas as set, in the audit trail: the stored document itself, and the project's id for a project's. */
    private Map<String, Object> auditDetails(UUID project, QuotaRepository.Stored stored) {
        Map<String, Object> details = new LinkedHashMap<>();
        if (project != null) {
            details.put("projectId", project);
        }
        try {
            details.put("quotas", json.readTree(stored.document()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("quotas not stored as JSON", e);
        }
        return details;
    }

    private Uni<Void> clustersExist(Quotas command) {
        Set<UUID> ids = new HashSet<>();
        command.cards().forEach(l -> ids.add(l.clusterId()));
        Uni<Void> all = Uni.createFrom().voidItem();
        for (UUID id : ids) {
            all = all.call(() -> clusters.find(id));
        }
        return all;
    }

    private static void noDuplicates(Quotas command) {
        Set<String> seen = new HashSet<>();
        List<Violation> violations = new ArrayList<>();
        for (int i = 0; i < command.cards().size(); i++) {
            CardLimit l = command.cards().get(i);
            if (!seen.add(l.clusterId() + "/" + l.model() + "/" + l.priceClass())) {
                violations.add(Violation.field("cards[" + i + "]", "a second limit for the same cluster, model and class"));
            }
        }
        if (!violations.isEmpty()) {
            throw new MyriadProblem.Validation(ProblemCode.DUPLICATE_LIMIT, "Duplicate limits; nothing was changed",
                    violations);
        }
    }

    /** Every project limit and budget must fit within the tenant's. */
    static void nests(Quotas project, QuotasView tenant) {
        List<Violation> violations = new ArrayList<>();
        for (int i = 0; i < project.cards().size(); i++) {
            CardLimit p = project.cards().get(i);
            for (CardLimit t : tenant.cards()) {
                boolean covers = t.clusterId().equals(p.clusterId()) && t.model().equals(p.model())
                        && (t.priceClass() == null || Objects.equals(t.priceClass(), p.priceClass()));
                if (covers && p.limit() > t.limit()) {
                    violations.add(Violation.field("cards[" + i + "].limit", "above the tenant's limit of " + t.limit()));
                }
            }
        }
        if (project.budget() != null && tenant.budget() != null
                && (!project.budget().currency().equals(tenant.budget().currency())
                        || project.budget().amountMinor() > tenant.budget().amountMinor())) {
            violations.add(Violation.field("budget", "above the tenant's budget of " + tenant.budget().amountMinor()
                    + " " + tenant.budget().currency()));
        }
        if (project.gpuHours() != null && tenant.gpuHours() != null
                && project.gpuHours().limit() > tenant.gpuHours().limit()) {
            violations.add(Violation.field("gpuHours.limit", "above the tenant's limit of "
                    + tenant.gpuHours().limit()));
        }
        if (!violations.isEmpty()) {
            throw new MyriadProblem.Validation(ProblemCode.QUOTA_EXCEEDS_TENANT,
                    "A project's quotas nest within its tenant's; nothing was changed", violations);
        }
    }

    private static String scope(UUID project) {
        return project == null ? TENANT : "project:" + project;
    }

    private Quotas parse(String document) {
        try {
            return json.readValue(document, Quotas.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A stored quota document does not read", e);
        }
    }

    private String serialise(Quotas quotas) {
        try {
            return json.writeValueAsString(quotas);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialise quotas", e);
        }
    }
}
