package city.myriad.market.service;

import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.catalog.service.ClusterSupply;
import city.myriad.market.mapping.MarketApi;
import city.myriad.market.mapping.MarketApi.CreateReservation;
import city.myriad.market.mapping.MarketApi.ReservationView;
import city.myriad.market.model.CapacityCalendar;
import city.myriad.market.model.Reservation;
import city.myriad.market.model.ReservationState;
import city.myriad.market.repository.ReservationRepository;
import city.myriad.platform.db.Scoped;
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
import city.myriad.quota.service.Budgets;
import city.myriad.quota.service.QuotaLimits;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Reservations: a tenant-admin buys cards of one model on one cluster for a window, at the RESERVED price of the
 * book in force (with the same-block premium when asked). Overselling is impossible: the writers of one cluster
 * and model take a PostgreSQL advisory lock, then check the capacity calendar (every live hold, whoever's) and
 * write the reservation and its hold in the same transaction.
 *
 * <p>Limits: a card quota that binds RESERVED work on the cluster and model (a RESERVED or class-less limit) also
 * bounds what may be reserved there at once: the tenant's reservations whose windows overlap, at their peak in the
 * new window, plus the new one's cards may not pass the tenant's limit, nor the project's reservations the
 * project's (422 QUOTA_EXCEEDED): cards reserved beyond it could never all be used. Checked under the calendar's
 * lock, which every purchase of that cluster and model takes. The total is a commitment like a job's projection,
 * checked against the tenant's and the project's money budgets ({@link Budgets}: 422 BUDGET_EXCEEDED) under the
 * budget lock the job submissions take, after the calendar has it fit.
 *
 * <p>Cancellation: only before the window begins; free until 24 hours before its start, then half of the total
 * (its extensions included).
 *
 * <p>Extension: {@link ReservationExtensions}; the price and quota rules a purchase and an extension share:
 * {@link ReservationTerms}.
 */
@ApplicationScoped
public class ReservationService {

    static final Duration FREE_CANCELLATION = Duration.ofHours(24);
    static final Duration LONGEST = Duration.ofDays(366);
    static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

    private final Scoped scoped;
    private final TenantProjects projects;
    private final ClusterSupply clusters;
    private final ReservationRepository reservations;
    private final ReservationTerms terms;
    private final ReservationRuns runs;
    private final Idempotency idempotency;
    private final QuoteService quotes;
    private final QuotaLimits limits;
    private final Budgets budgets;
    private final Ids ids;
    private final Clock clock;
    private final AuditTrail audit;

    /** What the calendar holds: reservations sold and maintenance windows. */
    private final CalendarHolds calendar;

    ReservationService(Scoped scoped, TenantProjects projects, ClusterSupply clusters, ReservationTerms terms,
            ReservationRepository reservations, Idempotency idempotency,
            QuoteService quotes, QuotaLimits limits, Budgets budgets, Ids ids, Clock clock, AuditTrail audit,
            ReservationRuns runs, CalendarHolds calendar) {
        this.calendar = calendar;
        this.terms = terms;
        this.runs = runs;
        this.audit = audit;
        this.quotes = quotes;
        this.limits = limits;
        this.budgets = budgets;
        this.scoped = scoped;
        this.projects = projects;
        this.clusters = clusters;
        this.reservations = reservations;
        this.idempotency = idempotency;
        this.ids = ids;
        this.clock = clock;
    }

    public Uni<ReservationView> create(Caller caller, CreateReservation command) {
        Instant now = clock.instant();
        validateWindow(command, now);
        boolean sameBlock = Boolean.TRUE.equals(command.sameBlock());
        return projects.project(caller, command.projectId(), true).chain(project -> clusters.find(command.clusterId())
                .chain(cluster -> clusters.sellableOf(cluster.id(), command.model()))
                .chain(capacity -> limits.of(project.tenantId(), project.projectId())
                        .chain(quota -> priced(project.tenantId(), command, sameBlock)
                                .chain(priced -> scoped.asTenant(project.tenantId(), () -> idempotency.once(
                                        project.tenantId(), ReservationView.class, () -> projects
                                                .stillRunnable(project)
                                                .chain(() -> reservations.lockCalendar(command.clusterId(),
                                                        command.model()))
                                                .chain(() -> terms.withinCardQuota(project, quota, command.clusterId(),
                                                        command.model(), command.cards(), command.startAt(),
                                                        command.endAt()))
                                                .chain(() -> calendar.from(command.clusterId(), command.model(),
                                                        now))
                                                .chain(holds -> book(project, quota, command, sameBlock, priced,
                                                        new CapacityCalendar(capacity, holds), now))
                                                .call(view -> audit.record(caller, view.tenantId(),
                                                        "createReservation", Target.of("RESERVATION", view.id()),
                                                        bought(view)))))))));
    }

    /** What a reservation bought, in the audit trail. */
    private static Map<String, Object> bought(ReservationView v) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("projectId", v.projectId());
        details.put("clusterId", v.clusterId());
        details.put("model", v.model());
        details.put("cards", v.cards());
        details.put("startAt", v.startAt().toString());
        details.put("endAt", v.endAt().toString());
        details.put("sameBlock", v.sameBlock());
        details.put("totalPrice", v.totalPrice());
        return details;
    }

    /** The quote's price when the command names one, else the RESERVED price of the book in force. */
    private Uni<ReservationTerms.Priced> priced(UUID tenant, CreateReservation command, boolean sameBlock) {
        if (command.quoteId() != null) {
            return scoped.asTenant(tenant, () -> quotes.forReservation(tenant, command.quoteId(), command.clusterId(),
                    command.model(), command.cards(), command.startAt(), command.endAt(), sameBlock))
                    .map(q -> new ReservationTerms.Priced(q.priceBookVersion, Money.of(q.unitPriceMinor, q.currency), q));
        }
        return terms.inForce(command.clusterId(), command.model(), sameBlock);
    }

    private Uni<ReservationView> book(TenantProjects.ProjectRef project, QuotaLimits.Effective quota,
            CreateReservation command, boolean sameBlock, ReservationTerms.Priced priced, CapacityCalendar calendar,
            Instant now) {
        if (priced.quote() != null) {
            quotes.usable(priced.quote());
        }
        var placement = calendar.fit(command.startAt(), command.endAt(), command.cards(), sameBlock);
        if (placement.isEmpty()) {
            Duration length = Duration.between(command.startAt(), command.endAt());
            var earliest = calendar.earliestStart(command.startAt(), length, command.cards(), sameBlock);
            throw new MyriadProblem.CapacityUnavailable(earliest.isPresent()
                    ? "Not enough " + command.model() + " cards for the whole window; the earliest window that fits "
                            + "starts at " + earliest.get()
                    : "The cluster has only " + calendar.mostCards(sameBlock) + " " + command.model() + " cards"
                            + (sameBlock ? " in its largest block" : ""),
                    earliest.orElse(null), earliest.map(s -> s.plus(length)).orElse(null));
        }
        Money unit = priced.unit();
        Money total = QuoteService.total(unit, command.cards(), Duration.between(command.startAt(), command.endAt()));
        Reservation r = new Reservation();
        r.id = ids.next();
        r.tenantId = project.tenantId();
        r.projectId = project.projectId();
        r.clusterId = command.clusterId();
        r.model = command.model();
        r.cards = command.cards();
        r.startAt = command.startAt();
        r.endAt = command.endAt();
        r.boughtEndAt = command.endAt();
        r.sameBlock = sameBlock;
        r.block = placement.get().block();
        r.status = "CONFIRMED";
        r.priceBookVersion = priced.version();
        r.currency = unit.currency();
        r.unitPriceMinor = unit.amountMinor();
        r.totalMinor = total.amountMinor();
        r.createdAt = now;
        return budgets.refuseBeyond(quota, total, now, "The reservation costs")
                .chain(() -> reservations.persistAndFlush(r)).call(saved -> reservations.hold(saved))
                .call(saved -> command.quoteId() == null ? Uni.createFrom().voidItem()
                        : reservations.useQuote(command.quoteId(), saved)
                                .onFailure(f -> Constraints.violates(f, QuoteService.USED_ONCE))
                                .transform(f -> QuoteService.usedUp(command.quoteId(), null)))
                .map(saved -> view(saved, now));
    }

    /** The tenant's reservations in id order, of one project, state (as of now) and cluster where given. */
    public Uni<Page<ReservationView>> list(Caller caller, PageRequest page, UUID projectId, String state,
            UUID clusterId, boolean shortNow) {
        ReservationState s = city.myriad.platform.validation.Fields.oneOf("state", state, ReservationState.class);
        Instant now = clock.instant();
        return projects.readableTenant(caller)
                .call(tenant -> projectId == null ? Uni.createFrom().voidItem() : projects.projectOf(tenant, projectId))
                .chain(tenant -> scoped.asTenant(tenant, () -> reservations.page(tenant, page.afterUuid(), projectId,
                        s, clusterId, shortNow, now, page.limit() + 1)))
                .map(rows -> page.page(rows, r -> r.id.toString()).map(r -> view(r, now)));
    }

    /**
     * Every tenant's reservations on a cluster, for its operator (or a platform admin): in one state, and only those
     * short of cards now with {@code shortNow} (what a node taken down left short).
     */
    public Uni<Page<ReservationView>> onCluster(Caller caller, UUID clusterId, PageRequest page, String state,
            boolean shortNow) {
        ReservationState s = city.myriad.platform.validation.Fields.oneOf("state", state, ReservationState.class);
        Instant now = clock.instant();
        return clusters.managed(caller, clusterId)
                .chain(cluster -> scoped.asPlatform(() -> reservations.page(null, page.afterUuid(), null, s,
                        cluster.id(), shortNow, now, page.limit() + 1)))
                .map(rows -> page.page(rows, r -> r.id.toString()).map(r -> view(r, now)));
    }

    /**
     * The cluster's nodes its reservations hold or keep now (operator or platform admin), as the scheduling loop last
     * recorded them: what draining or taking down a node would leave a reservation short of.
     */
    public Uni<MarketApi.ClusterReservedNodes> reservedNodes(Caller caller, UUID clusterId) {
        return clusters.managed(caller, clusterId)
                .chain(cluster -> scoped.asPlatform(() -> reservations.reservedNodesOn(cluster.id())))
                .map(rows -> new MarketApi.ClusterReservedNodes(rows.stream()
                        .map(x -> new MarketApi.ClusterReservedNodeView((String) x[0], (String) x[1], (String) x[2],
                                (String) x[3], city.myriad.platform.db.SqlTimes.instant(x[4]), (UUID) x[5],
                                (UUID) x[6], city.myriad.platform.db.SqlTimes.instant(x[7]),
                                city.myriad.platform.db.SqlTimes.instant(x[8])))
                        .toList()));
    }

    public Uni<ReservationView> get(Caller caller, UUID id) {
        Instant now = clock.instant();
        return projects.readableTenant(caller)
                .chain(tenant -> scoped.asTenant(tenant, () -> found(tenant, id))).map(r -> view(r, now));
    }

    /**
     * The nodes the cluster's scheduler gives the reservation now: those it holds (its window open) and those it keeps
     * for its window to come (within the look-ahead), as the scheduling loop last wrote them (within seconds of a
     * change). Empty for a reservation whose window is further off, has ended or was cancelled.
     */
    public Uni<MarketApi.ReservationNodes> nodes(Caller caller, UUID id) {
        return projects.readableTenant(caller)
                .chain(tenant -> scoped.asTenant(tenant, () -> found(tenant, id)
                        .chain(r -> reservations.nodesOf(r.id))))
                .map(rows -> new MarketApi.ReservationNodes(rows.stream()
                        .map(x -> new MarketApi.ReservationNodeView((String) x[0], (String) x[1], (String) x[2],
                                (String) x[3], city.myriad.platform.db.SqlTimes.instant(x[4])))
                        .toList()));
    }

    /** Cancels a reservation that has not begun, releasing its cards; the fee follows the rule above. */
    public Uni<ReservationView> cancel(Caller caller, UUID id) {
        Instant now = clock.instant();
        return projects.administeredTenant(caller)
                .chain(tenant -> scoped.asTenant(tenant, () -> foundLocked(tenant, id).chain(r -> {
                    ReservationState state = ReservationState.of(r, now);
                    if (!state.canBecome(ReservationState.CANCELLED)) {
                        throw new MyriadProblem.Conflict(ProblemCode.RESERVATION_NOT_CANCELLABLE,
                                "Reservation " + id + " is " + state + "; only a CONFIRMED one (not yet begun) can be "
                                        + "cancelled");
                    }
                    r.status = "CANCELLED";
                    r.cancelledAt = now;
                    r.cancellationFeeMinor = Duration.between(now, r.startAt).compareTo(FREE_CANCELLATION) >= 0
                            ? 0L : Money.of(r.totalMinor + r.extendedMinor, r.currency).times(new BigDecimal("0.5"))
                                    .amountMinor();
                    return reservations.release(r.id).chain(() -> reservations.flush())
                            .call(() -> audit.record(caller, tenant, "cancelReservation", Target.of("RESERVATION", r.id),
                                    Map.of("cancellationFee", Money.of(r.cancellationFeeMinor, r.currency))))
                            .replaceWith(r);
                }))).map(r -> view(r, now));
    }

    /**
     * How much of the reservation's card time its jobs used, from its window's start up to now or its end (any
     * tenant role): {@link city.myriad.market.model.ReservationUse} over the runs of its jobs.
     */
    public Uni<MarketApi.ReservationUtilizationView> utilization(Caller caller, UUID id) {
        Instant now = clock.instant();
        return projects.readableTenant(caller)
                .chain(tenant -> scoped.asTenant(tenant, () -> found(tenant, id).chain(r -> {
                    Instant upto = "CANCELLED".equals(r.status) || now.isBefore(r.startAt) ? r.startAt
                            : now.isBefore(r.endAt) ? now : r.endAt;
                    return (upto.isAfter(r.startAt) ? runs.of(tenant, r.id, r.startAt, upto)
                            : Uni.createFrom().item(List.<ReservationRuns.Run>of()))
                            .map(rs -> utilizationView(r, upto, rs, now));
                })));
    }

    private static MarketApi.ReservationUtilizationView utilizationView(Reservation r, Instant upto,
            List<ReservationRuns.Run> runs, Instant now) {
        var use = city.myriad.market.model.ReservationUse.of(r.cards, r.startAt, upto, runs.stream()
                .map(x -> new city.myriad.market.model.ReservationUse.Run(x.cardsMilli(), x.start(), x.end()))
                .toList());
        long reserved = use.total().reservedCardMillis();
        long used = use.total().usedCardMillis();
        long window = r.cards * Duration.between(r.startAt, r.endAt).toMillis();
        Money unusedCost = Money.of(new BigDecimal(r.totalMinor + r.extendedMinor)
                .multiply(BigDecimal.valueOf(reserved - used))
                .divide(BigDecimal.valueOf(window), 0, java.math.RoundingMode.HALF_EVEN).longValueExact(), r.currency);
        long inUseMilli = upto.equals(now) ? runs.stream().filter(x -> x.end() == null)
                .mapToLong(ReservationRuns.Run::cardsMilli).sum() : 0;
        // Unused as the difference of the figures shown (each rounded to the millionth), so that they add up.
        return new MarketApi.ReservationUtilizationView(r.id, r.startAt, upto, hours(reserved), hours(used),
                hours(reserved).subtract(hours(used)).stripTrailingZeros(), use.total().utilization(), unusedCost,
                BigDecimal.valueOf(inUseMilli, 3).stripTrailingZeros(),
                (int) runs.stream().map(ReservationRuns.Run::jobId).distinct().count(),
                use.days().stream().map(d -> new MarketApi.DayUtilizationView(d.day(), hours(d.reservedCardMillis()),
                        hours(d.usedCardMillis()), d.utilization())).toList());
    }

    /** Card-milliseconds as card-hours, to the millionth (half-even), without trailing zeros. */
    private static BigDecimal hours(long cardMillis) {
        return BigDecimal.valueOf(cardMillis).divide(BigDecimal.valueOf(3_600_000L), 6, java.math.RoundingMode.HALF_EVEN)
                .stripTrailingZeros();
    }

    private Uni<Reservation> found(UUID tenant, UUID id) {
        return reservations.find(tenant, id).map(r -> present(r, id));
    }

    /** The reservation, its row locked until the transaction ends (a change of it: see the repository). */
    private Uni<Reservation> foundLocked(UUID tenant, UUID id) {
        return reservations.findLocked(tenant, id).map(r -> present(r, id));
    }

    static Reservation present(Reservation r, UUID id) {
        if (r == null) {
            throw new MyriadProblem.NotFound(ProblemCode.RESERVATION_NOT_FOUND, "No reservation " + id);
        }
        return r;
    }

    private static void validateWindow(CreateReservation c, Instant now) {
        if (c.startAt().isBefore(now.minus(CLOCK_SKEW))) {
            throw invalid("startAt", "must not be in the past");
        }
        if (!c.endAt().isAfter(c.startAt())) {
            throw invalid("endAt", "must be after startAt");
        }
        if (Duration.between(c.startAt(), c.endAt()).compareTo(LONGEST) > 0) {
            throw invalid("endAt", "a reservation lasts at most 366 days");
        }
    }

    static MyriadProblem.Validation invalid(String field, String reason) {
        return new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, field + ": " + reason,
                List.of(Violation.field(field, reason)));
    }

    static ReservationView view(Reservation r, Instant now) {
        return new ReservationView(r.id, r.tenantId, r.projectId, r.clusterId, r.model, r.cards, r.startAt, r.endAt,
                r.sameBlock, r.block, ReservationState.of(r, now).name(), Money.of(r.unitPriceMinor, r.currency),
                Money.of(r.totalMinor, r.currency), r.priceBookVersion,
                r.cancellationFeeMinor == null ? null : Money.of(r.cancellationFeeMinor, r.currency), r.cancelledAt,
                r.createdAt, r.cardsShort == null ? 0 : r.cardsShort, r.boughtEndAt,
                Money.of(r.extendedMinor, r.currency));
    }
}
