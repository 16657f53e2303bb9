package city.myriad.quota.service;

import city.myriad.platform.cache.Recent;
import city.myriad.platform.db.Scoped;
import city.myriad.quota.mapping.QuotaApi;
import city.myriad.quota.mapping.QuotaApi.Budget;
import city.myriad.quota.mapping.QuotaApi.Quotas;
import city.myriad.quota.repository.QuotaRepository;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

/**
 * The quota domain's port for admission (jobs): the limits and budgets in force for a project and its tenant.
 * The smaller of a project's and its tenant's applies; a class-less limit covers every class.
 */
@ApplicationScoped
public class QuotaLimits {

    /** Concurrent cards of one model on one cluster, in one class or (priceClass null) all. */
    public record Limit(UUID clusterId, String model, String priceClass, int limit) {}

    /** The most to spend per month, in one currency. */
    public record MonthlyBudget(long amountMinor, String currency) {}

    /**
     * One scope's quotas (a tenant's or a project's); empty: no limit, no budget. {@code gpuHours}: card-hours per
     * month (null: none); {@code thresholds}: alert percentages; {@code stopOnExhausted}: at 100% of the budget,
     * stop running ON_DEMAND work (else let it finish); {@code forecastAlertPercent}: the share of the budget the
     * month's forecast raises an alert at (null: none); {@code spendAnomalyPercent}: how far above its baseline a
     * day's spend raises an alert ({@link SpendAnomaly}; null: none), {@code spendAnomalyMinimumMinor} the least it must
     * be above its baseline in money (0: any amount).
     */
    public record Scope(List<Limit> cards, MonthlyBudget budget, Long gpuHours, List<Integer> thresholds,
            boolean stopOnExhausted, Integer forecastAlertPercent, Integer spendAnomalyPercent,
            long spendAnomalyMinimumMinor) {
        static final Scope NONE = new Scope(List.of(), null, null, QuotaApi.DEFAULT_THRESHOLDS, false, null, null, 0);

        public Optional<Long> gpuHoursIn() {
            return Optional.ofNullable(gpuHours);
        }

        /** The tightest limit of this scope on concurrent cards of this cluster, model and class. */
        public OptionalInt limit(UUID clusterId, String model, String priceClass) {
            return cards.stream()
                    .filter(l -> l.clusterId().equals(clusterId) && l.model().equals(model)
                            && (l.priceClass() == null || l.priceClass().equals(priceClass)))
                    .mapToInt(Limit::limit).min();
        }

        public Optional<MonthlyBudget> budgetIn() {
            return Optional.ofNullable(budget);
        }

        /** Whether this scope limits what may be spent: a budget or GPU-hours per month. */
        boolean spendLimited() {
            return budget != null || gpuHours != null;
        }
    }

    /** A project's quotas and its tenant's. */
    public record Effective(UUID tenantId, UUID projectId, Scope tenant, Scope project) {

        /** Whether the tenant or the project has a budget or a GPU-hour limit: new work must be checked against it. */
        public boolean spendLimited() {
            return tenant.spendLimited() || project.spendLimited();
        }

        /** The smaller of the tenant's and the project's limits, if any. */
        public OptionalInt limit(UUID clusterId, String model, String priceClass) {
            OptionalInt t = tenant.limit(clusterId, model, priceClass);
            OptionalInt p = project.limit(clusterId, model, priceClass);
            if (t.isEmpty()) {
                return p;
            }
            return p.isEmpty() ? t : OptionalInt.of(Math.min(t.getAsInt(), p.getAsInt()));
        }
    }

    private final Scoped scoped;
    private final QuotaRepository quotas;
    private final ObjectMapper json;
    /** Quotas as read within the last second: set through this replica they apply at once, else within a second. */
    private final Recent<Owner, Effective> recent = new Recent<>(Duration.ofSeconds(1), 100_000);

    private record Owner(UUID tenant, UUID project) {}

    QuotaLimits(Scoped scoped, QuotaRepository quotas, ObjectMapper json) {
        this.scoped = scoped;
        this.quotas = quotas;
        this.json = json;
    }

    /** The quotas in force for the project and its tenant, read in a transaction of their own. */
    public Uni<Effective> of(UUID tenantId, UUID projectId) {
        String project = "project:" + projectId;
        return recent.get(new Owner(tenantId, projectId), () -> scoped.asTenant(tenantId,
                        () -> quotas.findAll(tenantId, List.of(QuotaService.TENANT, project)))
                .map(found -> new Effective(tenantId, projectId,
                        found.containsKey(QuotaService.TENANT) ? scope(found.get(QuotaService.TENANT).document())
                                : Scope.NONE,
                        found.containsKey(project) ? scope(found.get(project).document()) : Scope.NONE)));
    }

    /** A quota was set here: every cached one is forgotten (a tenant's limits bound all its projects'). */
    void changed() {
        recent.forgetAll();
    }

    /** A tenant's or project's scope that limits money or GPU-hours: what the meter's alerts watch. */
    public record Watched(UUID tenantId, UUID projectId, Scope scope) {}

    /** Every scope, of every tenant, with a budget or a GPU-hour limit (read in a platform transaction). */
    public Uni<List<Watched>> watched() {
        return scoped.asPlatform(() -> quotas.all()).map(rows -> rows.stream()
                .map(r -> new Watched(r.tenantId(), r.scope().equals(QuotaService.TENANT) ? null
                        : UUID.fromString(r.scope().substring("project:".length())), scope(r.document())))
                .filter(w -> w.scope().budget() != null || w.scope().gpuHours() != null).toList());
    }

    private Scope scope(String document) {
        try {
            Quotas q = json.readValue(document, Quotas.class);
            List<Limit> cards = q.cards().stream()
                    .map(l -> new Limit(l.clusterId(), l.model(), l.priceClass(), l.limit())).toList();
            Budget b = q.budget();
            return new Scope(cards, b == null ? null : new MonthlyBudget(b.amountMinor(), b.currency()),
                    q.gpuHours() == null ? null : q.gpuHours().limit(), q.thresholds(), q.exhaustion().equals("STOP"),
                    q.forecastAlertPercent(), q.spendAnomalyPercent(), q.anomalyMinimum());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A stored quota document does not read", e);
        }
    }
}
