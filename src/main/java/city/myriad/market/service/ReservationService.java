package city.myriad.market.service;

import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.catalog.service.ClusterSupply;
import city.myriad.market.mapping.MarketApi;
import city.myriad.market.mapping.MarketApi.CreateReservation;
import city.myriad.market.mapping.MarketApi.ReservationView;
import city.myriad.market.model.CapacityCalendar;
import city.myriad.market.model.Price;
import city.myriad.market.model.PriceBook;
import city.myriad.market.model.PriceClass;
import city.myriad.market.model.Quote;
import city.myriad.market.model.Reservation;
import city.myriad.market.model.ReservationExtension;
import city.myriad.market.model.ReservationState;
import city.myriad.market.repository.PriceBookRepository;
import city.myriad.market.repository.ReservationExtensionRepository;
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
import java.math.MathContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
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
 * <p>Extension ({@link #extend}): a window not ended nor cancelled gets a later end, the same cards (and block), at the
 * RESERVED price of the book in force then, under the same rules as a purchase of the window added: the calendar
 * (409 CAPACITY_UNAVAILABLE with the latest end that fits), the card quota, the money budget. The reservation
 * keeps its id, its nodes and its jobs; the extension is billed on its own, in the period it was bought.
 */
@ApplicationScoped
public class ReservationService {

    static final Duration FREE_CANCELLATION = Duration.ofHours(24);
    static final Duration LONGEST = Duration.ofDays(366);
    static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

    private final Scoped scoped;
    private final TenantProjects projects;
    private final ClusterSupply clusters;
    private final PriceBookRepository books;
    private final ReservationRepository reservations;
    private final ReservationExtensionRepository extensions;
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

    ReservationService(Scoped scoped, TenantProjects projects, ClusterSupply clusters, PriceBookRepository books,
            ReservationRepository reservations, ReservationExtensionRepository extensions, Idempotency idempotency,
            QuoteService quotes, QuotaLimits limits, Budgets budgets, Ids ids, Clock clock, AuditTrail audit,
            ReservationRuns runs, CalendarHolds calendar) {
        this.calendar = calendar;
        this.extensions = extensions;
        this.runs = runs;
        this.audit = audit;
        this.quotes = quotes;
        this.limits = limits;
        this.budgets = budgets;
        this.scoped = scoped;
        this.projects = projects;
        this.clusters = clusters;
        this.books = books;
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
                                                .chain(() -> withinCardQuota(project, quota, command.clusterId(),
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

    /**
     * 422 QUOTA_EXCEEDED if the new cards, with the tenant's (or the project's) reservations already held at once in
     * the window, pass a limit on RESERVED work here. Runs under the calendar's lock.
     */
    private Uni<Void> withinCardQuota(TenantProjects.ProjectRef project, QuotaLimits.Effective quota, UUID clusterId,
            String model, int cards, Instant start, Instant end) {
        String reserved = PriceClass.RESERVED.name();
        OptionalInt tenantLimit = quota.tenant().limit(clusterId, model, reserved);
        OptionalInt projectLimit = quota.project().limit(clusterId, model, reserved);
        if (tenantLimit.isEmpty() && projectLimit.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return reservations.overlapping(project.tenantId(), clusterId, model, start, end)
                .invoke(held -> {
                    refuseOver(tenantLimit, held, model, cards, start, end, "tenant");
                    refuseOver(projectLimit, held.stream().filter(r -> r.projectId.equals(project.projectId()))
                            .toList(), model, cards, start, end, "project");
                }).replaceWithVoid();
    }

    private static void refuseOver(OptionalInt limit, List<Reservation> held, String model, int cards, Instant start,
            Instant end, String whose) {
        if (limit.isEmpty()) {
            return;
        }
        int atOnce = CapacityCalendar.peakHeld(held.stream()
                .map(r -> new CapacityCalendar.Hold(r.startAt, r.endAt, r.cards, null)).toList(), start, end);
        if (atOnce + cards > limit.getAsInt()) {
            throw new MyriadProblem.QuotaExceeded(ProblemCode.QUOTA_EXCEEDED, "The reservation holds " + cards
                    + " " + model + " cards" + (atOnce == 0 ? "" : "; with " + atOnce + " already reserved at once "
                    + "in its window") + " it would pass the " + whose + "'s quota of " + limit.getAsInt()
                    + " for RESERVED work there at a time");
        }
    }

    /** The unit price a reservation is sold at (premium included) and the price book version it comes from. */
    private record Priced(int version, Money unit, Quote quote) {}

    /** The quote's price when the command names one, else the RESERVED price of the book in force. */
    private Uni<Priced> priced(UUID tenant, CreateReservation command, boolean sameBlock) {
        if (command.quoteId() != null) {
            return scoped.asTenant(tenant, () -> quotes.forReservation(tenant, command.quoteId(), command.clusterId(),
                    command.model(), command.cards(), command.startAt(), command.endAt(), sameBlock))
                    .map(q -> new Priced(q.priceBookVersion, Money.of(q.unitPriceMinor, q.currency), q));
        }
        return inForce(command.clusterId(), command.model(), sameBlock);
    }

    /** The RESERVED price of the book in force (with the same-block premium), 409 NOT_FOR_SALE if there is none. */
    private Uni<Priced> inForce(UUID clusterId, String model, boolean sameBlock) {
        return scoped.unscoped(() -> books.current(clusterId, clock.instant())).map(book -> {
            PriceBook b = book.orElse(null);
            Price p = b == null ? null : b.price(model, PriceClass.RESERVED).orElse(null);
            if (p == null) {
                throw new MyriadProblem.Conflict(ProblemCode.NOT_FOR_SALE, "Cluster " + clusterId
                        + " sells no reserved " + model + " cards");
            }
            Money unit = sameBlock ? p.unitPrice().times(BigDecimal.ONE.add(
                    BigDecimal.valueOf(b.sameBlockPremiumPercent(), 2))) : p.unitPrice();
            return new Priced(b.version(), unit, null);
        });
    }

    private Uni<ReservationView> book(TenantProjects.ProjectRef project, QuotaLimits.Effective quota,
            CreateReservation command, boolean sameBlock, Priced priced, CapacityCalendar calendar, Instant now) {
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
     * Extends a reservation's window to {@code command.endAt()} (tenant-admin): the cards it holds until its end now
     * are bought on to the new end, if the calendar has them (its block's, for a same-block one), the card quota on
     * RESERVED work allows them and the budget the price. Its row is locked first, then its calendar, so that two
     * extensions of one reservation, or an extension and its cancellation, follow one another. A replay with the
     * same {@code Idempotency-Key} answers the extension made.
     */
    public Uni<MarketApi.ReservationExtensionView> extend(Caller caller, UUID id, MarketApi.ExtendReservation command) {
        Instant now = clock.instant();
        return projects.administeredTenant(caller)
                .chain(tenant -> scoped.asTenant(tenant, () -> found(tenant, id))
                        // What an extension keeps from its reservation never changes: read before its transaction.
                        .chain(r -> limits.of(tenant, r.projectId)
                                .chain(quota -> inForce(r.clusterId, r.model, r.sameBlock)
                                        .chain(priced -> clusters.sellableOf(r.clusterId, r.model)
                                                .chain(capacity -> scoped.asTenant(tenant, () -> idempotency.once(
                                                        tenant, MarketApi.ReservationExtensionView.class,
                                                        () -> foundLocked(tenant, id)
                                                                .chain(locked -> lengthen(caller, locked, quota,
                                                                        priced, capacity, command.endAt(), now)))))))));
    }

    /**
     * What extending the reservation to {@code endAt} would cost now and whether its cards are free for it, bought
     * nothing (any tenant role): the price of the book in force and the latest end the calendar has its cards for, as
     * {@link #extend} would find them now. The card quota and the budget are checked when it is bought.
     */
    public Uni<MarketApi.ExtensionOfferView> extensionOffer(Caller caller, UUID id, Instant endAt) {
        Instant now = clock.instant();
        return projects.readableTenant(caller)
                .chain(tenant -> scoped.asTenant(tenant, () -> found(tenant, id)))
                .chain(r -> {
                    extendable(r, endAt, now);
                    return inForce(r.clusterId, r.model, r.sameBlock)
                            .chain(priced -> clusters.sellableOf(r.clusterId, r.model)
                                    .chain(capacity -> scoped.unscoped(() -> calendar.from(r.clusterId, r.model,
                                                    r.endAt))
                                            .map(holds -> offer(r, priced, new CapacityCalendar(capacity, holds),
                                                    endAt))));
                });
    }

    private static MarketApi.ExtensionOfferView offer(Reservation r, Priced priced, CapacityCalendar calendar,
            Instant endAt) {
        Instant latest = calendar.latestEnd(r.endAt, endAt, r.cards, r.sameBlock ? r.block : null).orElse(null);
        Money total = QuoteService.total(priced.unit(), r.cards, Duration.between(r.endAt, endAt));
        return new MarketApi.ExtensionOfferView(r.id, r.endAt, endAt, latest != null && !latest.isBefore(endAt),
                latest, r.cards, priced.unit(), total, priced.version());
    }

    /** 409 unless the reservation may still be extended; 400 unless {@code endAt} is a later end it may have. */
    private static void extendable(Reservation r, Instant endAt, Instant now) {
        ReservationState state = ReservationState.of(r, now);
        if (!state.extendable()) {
            throw new MyriadProblem.Conflict(ProblemCode.RESERVATION_NOT_EXTENDABLE, "Reservation " + r.id + " is "
                    + state + "; only a CONFIRMED or ACTIVE one (not cancelled, its window not ended) can be extended");
        }
        if (!endAt.isAfter(r.endAt)) {
            throw invalid("endAt", "must be after the reservation's end, now " + r.endAt);
        }
        if (Duration.between(r.startAt, endAt).compareTo(LONGEST) > 0) {
            throw invalid("endAt", "a reservation lasts at most 366 days, its extensions included");
        }
    }

    private Uni<MarketApi.ReservationExtensionView> lengthen(Caller caller, Reservation r, QuotaLimits.Effective quota,
            Priced priced, Map<String, Integer> capacity, Instant endAt, Instant now) {
        extendable(r, endAt, now);
        Instant from = r.endAt;
        TenantProjects.ProjectRef project = new TenantProjects.ProjectRef(r.tenantId, r.projectId);
        return projects.stillRunnable(project)
                .chain(() -> reservations.lockCalendar(r.clusterId, r.model))
                .chain(() -> withinCardQuota(project, quota, r.clusterId, r.model, r.cards, from, endAt))
                .chain(() -> calendar.from(r.clusterId, r.model, from))
                .chain(holds -> {
                    Instant latest = new CapacityCalendar(capacity, holds)
                            .latestEnd(from, endAt, r.cards, r.sameBlock ? r.block : null).orElse(null);
                    if (latest == null || latest.isBefore(endAt)) {
                        String where = r.sameBlock ? " of block " + r.block : "";
                        throw MyriadProblem.CapacityUnavailable.forExtension(latest == null
                                ? "Its " + r.cards + " " + r.model + " cards" + where + " are sold from its end at "
                                        + from + ": it cannot be extended now"
                                : "Its " + r.cards + " " + r.model + " cards" + where + " are free only until "
                                        + latest + "; it can be extended to that at the latest", latest);
                    }
                    Money total = QuoteService.total(priced.unit(), r.cards, Duration.between(from, endAt));
                    ReservationExtension e = new ReservationExtension();
                    e.id = ids.next();
                    e.reservationId = r.id;
                    e.tenantId = r.tenantId;
                    e.fromAt = from;
                    e.toAt = endAt;
                    e.cards = r.cards;
                    e.priceBookVersion = priced.version();
                    e.currency = priced.unit().currency();
                    e.unitPriceMinor = priced.unit().amountMinor();
                    e.totalMinor = total.amountMinor();
                    e.createdAt = now;
                    if (!e.currency.equals(r.currency)) {
                        throw new MyriadProblem.Conflict(ProblemCode.NOT_FOR_SALE, "Cluster " + r.clusterId
                                + " sells reserved " + r.model + " cards in " + e.currency + " now, the reservation was "
                                + "bought in " + r.currency + ": buy a new reservation instead");
                    }
                    r.endAt = endAt;
                    r.extendedMinor += e.totalMinor;
                    return budgets.refuseBeyond(quota, total, now, "The extension costs")
                            .chain(() -> extensions.persist(e))
                            .chain(() -> reservations.flush())
                            .chain(() -> reservations.holdUntil(r.id, endAt))
                            .call(() -> audit.record(caller, r.tenantId, "extendReservation",
                                    Target.of("RESERVATION", r.id), extended(e)))
                            .map(saved -> extensionView(e, view(r, now)));
                });
    }

    /** What an extension bought, in the audit trail. */
    private static Map<String, Object> extended(ReservationExtension e) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("extensionId", e.id);
        details.put("fromAt", e.fromAt.toString());
        details.put("toAt", e.toAt.toString());
        details.put("cards", e.cards);
        details.put("totalPrice", Money.of(e.totalMinor, e.currency));
        return details;
    }

    /** The reservation's extensions, in the order they were bought (any tenant role). */
    public Uni<MarketApi.ReservationExtensions> extensions(Caller caller, UUID id) {
        return projects.readableTenant(caller)
                .chain(tenant -> scoped.asTenant(tenant, () -> found(tenant, id)
                        .chain(r -> extensions.of(tenant, r.id))))
                .map(rows -> new MarketApi.ReservationExtensions(rows.stream().map(e -> extensionView(e, null))
                        .toList()));
    }

    public Uni<MarketApi.ReservationExtensionView> extension(Caller caller, UUID id, UUID extensionId) {
        return projects.readableTenant(caller)
                .chain(tenant -> scoped.asTenant(tenant, () -> found(tenant, id)
                        .chain(r -> extensions.find(tenant, r.id, extensionId))))
                .map(e -> {
                    if (e == null) {
                        throw new MyriadProblem.NotFound(ProblemCode.RESERVATION_EXTENSION_NOT_FOUND,
                                "Reservation " + id + " has no extension " + extensionId);
                    }
                    return extensionView(e, null);
                });
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

    private static MarketApi.ReservationExtensionView extensionView(ReservationExtension e, ReservationView now) {
        return new MarketApi.ReservationExtensionView(e.id, e.reservationId, e.fromAt, e.toAt, e.cards,
                Money.of(e.unitPriceMinor, e.currency), Money.of(e.totalMinor, e.currency), e.priceBookVersion,
                e.createdAt, now);
    }

    private Uni<Reservation> found(UUID tenant, UUID id) {
        return reservations.find(tenant, id).map(r -> present(r, id));
    }

    /** The reservation, its row locked until the transaction ends (a change of it: see the repository). */
    private Uni<Reservation> foundLocked(UUID tenant, UUID id) {
        return reservations.findLocked(tenant, id).map(r -> present(r, id));
    }

    private static Reservation present(Reservation r, UUID id) {
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

    private static MyriadProblem.Validation invalid(String field, String reason) {
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
