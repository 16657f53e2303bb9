package city.myriad.metering.service;

import city.myriad.jobs.service.BudgetStops;
import city.myriad.metering.mapping.MeteringApi.AlertView;
import city.myriad.platform.time.Period;
import city.myriad.metering.repository.AlertRepository;
import city.myriad.metering.repository.AlertRepository.AlertRow;
import city.myriad.metering.repository.AlertRepository.DeliveryRow;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import city.myriad.platform.time.Ids;
import city.myriad.quota.service.Budgets;
import city.myriad.quota.service.QuotaLimits;
import city.myriad.quota.service.QuotaLimits.Watched;
import city.myriad.quota.service.SpendAnomaly;
import city.myriad.tenancy.service.TenantProjects;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Alerts on budgets and GPU-hour limits. Every few seconds the meter's reading (billed this period plus the runs
 * going on) of each tenant or project with a limit is compared with its thresholds (50, 80 and 100% unless set), and
 * a budget's forecast for the month with the budget ({@code BUDGET_FORECAST}, once), and today's and yesterday's spend
 * with the days before them ({@code SPEND_ANOMALY}, once a day), where the scope asks for those two;
 * each threshold crossed raises one alert per period, never two (a unique key), and in the same transaction its
 * webhook delivery enters the outbox if the tenant has a webhook. At 100% of a budget whose policy is STOP, the
 * running ON_DEMAND jobs of that tenant (or project) are stopped in that transaction too.
 */
@ApplicationScoped
public class Alerts {

    private static final Logger LOG = Logger.getLogger(Alerts.class);
    static final String EVENT_TYPE = WebhookEvents.ALERT_RAISED;

    private final Scoped scoped;
    private final QuotaLimits quotas;
    private final MeterReadings meter;
    private final AlertRepository alerts;
    private final BudgetStops stops;
    private final Budgets budgets;
    private final TenantProjects projects;
    private final ObjectMapper json;
    private final Ids ids;
    private final Clock clock;

    Alerts(Scoped scoped, QuotaLimits quotas, MeterReadings meter, AlertRepository alerts, BudgetStops stops,
            Budgets budgets, TenantProjects projects, ObjectMapper json, Ids ids, Clock clock) {
        this.budgets = budgets;
        this.scoped = scoped;
        this.quotas = quotas;
        this.meter = meter;
        this.alerts = alerts;
        this.stops = stops;
        this.projects = projects;
        this.json = json;
        this.ids = ids;
        this.clock = clock;
    }

    /** Looks at every watched scope once; completes with the number of alerts raised. */
    public Uni<Integer> check() {
        Instant now = clock.instant();
        return quotas.watched().chain(all -> {
            Uni<Integer> raised = Uni.createFrom().item(0);
            for (Watched w : all) {
                raised = raised.chain(n -> scoped.asTenant(w.tenantId(), () -> check(w, now)).map(m -> n + m));
            }
            return raised;
        });
    }

    private Uni<Integer> check(Watched w, Instant now) {
        Uni<Integer> raised = Uni.createFrom().item(0);
        var budget = w.scope().budget();
        if (budget != null) {
            raised = raised.chain(n -> meter.used(w.tenantId(), w.projectId(), budget.currency(), now)
                    .chain(used -> cross(w, "BUDGET", BigDecimal.valueOf(used.minor()),
                            BigDecimal.valueOf(budget.amountMinor()), budget.currency(), now))
                    .map(m -> n + m));
            Integer percent = w.scope().forecastAlertPercent();
            if (percent != null) {
                raised = raised.chain(n -> forecast(w, percent, budget.amountMinor(), budget.currency(), now)
                        .map(m -> n + m));
            }
            Integer anomaly = w.scope().spendAnomalyPercent();
            if (anomaly != null) {
                raised = raised.chain(n -> anomaly(w, anomaly, budget.currency(), now).map(m -> n + m));
            }
        }
        Long gpuHours = w.scope().gpuHours();
        if (gpuHours != null) {
            raised = raised.chain(n -> meter.used(w.tenantId(), w.projectId(), null, now)
                    .chain(used -> cross(w, "GPU_HOURS", BigDecimal.valueOf(used.cardMilliSeconds())
                            .divide(BigDecimal.valueOf(3_600_000L), 3, RoundingMode.DOWN), BigDecimal.valueOf(gpuHours),
                            "GPU_HOURS", now))
                    .map(m -> n + m));
        }
        return raised;
    }

    /** Raises each threshold the reading has reached and that this period has not raised yet. */
    private Uni<Integer> cross(Watched w, String measure, BigDecimal used, BigDecimal limit, String unit, Instant now) {
        String scope = scope(w);
        String period = Period.of(now).toString();
        if (used.signum() <= 0) {
            return Uni.createFrom().item(0);
        }
        return alerts.raised(w.tenantId(), scope, measure, period).chain(already -> {
            Uni<Integer> n = Uni.createFrom().item(0);
            for (int t : w.scope().thresholds()) {
                boolean reached = used.multiply(BigDecimal.valueOf(100)).compareTo(limit.multiply(BigDecimal.valueOf(t)))
                        >= 0;
                if (!reached || already.contains(t)) {
                    continue;
                }
                AlertRow a = new AlertRow(ids.next(), w.tenantId(), w.projectId(), measure, period, t, used, limit,
                        unit, now, null);
                boolean stop = t == 100 && measure.equals("BUDGET") && w.scope().stopOnExhausted();
                n = n.chain(count -> alerts.raise(a, scope).chain(fresh -> !fresh ? Uni.createFrom().item(count)
                        : enqueue(a, now)
                                .chain(() -> stop ? stops.stopOnDemand(w.tenantId(), w.projectId(), now)
                                        .invoke(stopped -> LOG.infof("Budget of %s %s used up: stopped %d ON_DEMAND "
                                                + "jobs", w.tenantId(), scope, stopped.size()))
                                        .replaceWithVoid() : Uni.createFrom().voidItem())
                                .replaceWith(count + 1)));
            }
            return n;
        });
    }

    /**
     * Raises the period's {@code BUDGET_FORECAST} alert once the month's forecast reaches {@code percent} of the budget
     * ({@link Budgets#outlook}: reservations + used + the rest of the month at the usage's pace so far): the warning
     * that comes before the thresholds of what was used, which the scope asked for (quotas' forecastAlertPercent). Its
     * {@code used} is the forecast, its threshold the percentage. Never stops work. Read only until raised.
     */
    private Uni<Integer> forecast(Watched w, int percent, long budgetMinor, String currency, Instant now) {
        String scope = scope(w);
        String period = Period.of(now).toString();
        return alerts.raised(w.tenantId(), scope, FORECAST, period).chain(already -> already.contains(percent)
                ? Uni.createFrom().item(0)
                : budgets.outlook(w.tenantId(), w.projectId(), currency, now).chain(ahead -> {
                    boolean reached = BigDecimal.valueOf(ahead.forecastMinor()).multiply(BigDecimal.valueOf(100))
                            .compareTo(BigDecimal.valueOf(budgetMinor).multiply(BigDecimal.valueOf(percent))) >= 0;
                    if (ahead.usedMinor() <= 0 || !reached) {
                        return Uni.createFrom().item(0);
                    }
                    AlertRow a = new AlertRow(ids.next(), w.tenantId(), w.projectId(), FORECAST, period, percent,
                            BigDecimal.valueOf(ahead.forecastMinor()), BigDecimal.valueOf(budgetMinor), currency, now,
                            null);
                    return alerts.raise(a, scope).chain(fresh -> fresh ? enqueue(a, now).replaceWith(1)
                            : Uni.createFrom().item(0));
                }));
    }

    /** The alerts' name of a watched scope: {@code tenant}, or {@code project:<id>}. */
    private static String scope(Watched w) {
        return w.projectId() == null ? "tenant" : "project:" + w.projectId();
    }

    /** The measure of a forecast's alert. */
    static final String FORECAST = "BUDGET_FORECAST";

    /** The measure of a spend anomaly's alert. */
    static final String ANOMALY = "SPEND_ANOMALY";
    /** Every measure an alert is raised for (the alerts table's check). */
    static final List<String> MEASURES = List.of("BUDGET", "GPU_HOURS", FORECAST, ANOMALY);

    /**
     * Raises a {@code SPEND_ANOMALY} alert for today (what it has cost so far) and for yesterday (until today ends: runs
     * that ended since add to it) when the day's spend is an anomaly against the 14 days before it
     * ({@link SpendAnomaly}: more than {@code percent} above their median, and at least the scope's floor in minor
     * units above it), once a day per scope; its period is the day, its {@code used} the day's spend, its {@code limit}
     * the median. Never stops work. Read only for a day not raised yet.
     */
    private Uni<Integer> anomaly(Watched w, int percent, String currency, Instant now) {
        LocalDate today = now.atOffset(ZoneOffset.UTC).toLocalDate();
        Uni<Integer> raised = Uni.createFrom().item(0);
        for (LocalDate day : List.of(today.minusDays(1), today)) {
            raised = raised.chain(n -> anomaly(w, percent, currency, day, now).map(m -> n + m));
        }
        return raised;
    }

    private Uni<Integer> anomaly(Watched w, int percent, String currency, LocalDate day, Instant now) {
        String scope = scope(w);
        String period = day.toString();
        int days = SpendAnomaly.BASELINE_DAYS + 1;
        Instant first = day.minusDays(SpendAnomaly.BASELINE_DAYS).atStartOfDay().toInstant(ZoneOffset.UTC);
        return alerts.raised(w.tenantId(), scope, ANOMALY, period).chain(already -> !already.isEmpty()
                ? Uni.createFrom().item(0)
                : meter.daily(w.tenantId(), w.projectId(), currency, first, days, now).chain(spend -> {
                    long[] before = spend.subList(0, SpendAnomaly.BASELINE_DAYS).stream().mapToLong(Long::longValue)
                            .toArray();
                    return SpendAnomaly.of(before, spend.get(SpendAnomaly.BASELINE_DAYS), percent,
                                    w.scope().spendAnomalyMinimumMinor())
                            .map(found -> {
                                AlertRow a = new AlertRow(ids.next(), w.tenantId(), w.projectId(), ANOMALY, period,
                                        percent, BigDecimal.valueOf(found.spentMinor()),
                                        BigDecimal.valueOf(found.baselineMinor()), currency, now, null);
                                return alerts.raise(a, scope).chain(fresh -> fresh ? enqueue(a, now).replaceWith(1)
                                        : Uni.createFrom().item(0));
                            })
                            .orElse(Uni.createFrom().item(0));
                }));
    }

    /**
     * The alert's webhook delivery, if the tenant has a webhook now that receives alerts (the outbox row, in the
     * alert's transaction).
     */
    private Uni<Void> enqueue(AlertRow a, Instant now) {
        return alerts.webhook(a.tenantId()).chain(hook -> {
            if (hook.isEmpty() || !hook.get().receives(EVENT_TYPE)) {
                return Uni.createFrom().voidItem();
            }
            ObjectNode payload = json.createObjectNode();
            payload.put("id", a.id().toString());
            payload.put("type", EVENT_TYPE);
            payload.put("createdAt", now.toString());
            payload.set("data", json.valueToTree(view(a)));
            return alerts.enqueue(new DeliveryRow(ids.next(), a.tenantId(), a.id(), EVENT_TYPE, payload.toString(),
                    "PENDING", 0, now, now, null, 0, null, null, a.id()));
        });
    }

    /**
     * A tenant's alerts, newest first: the caller's own tenant, or (platform admins) the one named; of one project
     * (404 if the tenant has none of that id), period and measure when given.
     */
    public Uni<Page<AlertView>> list(Caller caller, UUID tenantId, UUID projectId, String period, String measure,
            PageRequest page) {
        if (period != null && city.myriad.platform.time.Period.parse(period).isEmpty()) {
            throw city.myriad.platform.validation.Fields.invalid("period", "a month written yyyy-MM, like 2026-11");
        }
        if (measure != null && !MEASURES.contains(measure)) {
            throw city.myriad.platform.validation.Fields.invalid("measure", "one of " + String.join(", ", MEASURES));
        }
        Uni<UUID> tenant = tenantId == null ? projects.readableTenant(caller) : projects.tenant(caller, tenantId, false);
        return tenant.call(t -> projectId == null ? Uni.createFrom().voidItem() : projects.projectOf(t, projectId))
                .chain(t -> scoped.asTenant(t, () -> alerts.page(t, page.afterUuid(), projectId, period, measure,
                        page.limit() + 1)))
                .map(rows -> page.page(rows, r -> r.id().toString()).map(Alerts::view));
    }

    static AlertView view(AlertRow a) {
        return new AlertView(a.id(), a.tenantId(), a.projectId(), a.measure(), a.period(), a.threshold(),
                UsageReports.plain(a.used()), UsageReports.plain(a.limit()), a.unit(), a.raisedAt(), a.delivery());
    }
}
