package city.myriad.market.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.market.mapping.MarketApi;
import city.myriad.market.mapping.MarketApi.ReservationView;
import city.myriad.market.model.CapacityCalendar;
import city.myriad.market.model.Reservation;
import city.myriad.market.model.ReservationExtension;
import city.myriad.market.model.ReservationState;
import city.myriad.market.repository.ReservationExtensionRepository;
import city.myriad.market.repository.ReservationRepository;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.idempotency.Idempotency;
import city.myriad.platform.money.Money;
import city.myriad.platform.security.Caller;
import city.myriad.platform.time.Ids;
import city.myriad.quota.service.Budgets;
import city.myriad.quota.service.QuotaLimits;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Extensions of reservations: a window not ended nor cancelled gets a later end, the same cards (and block), at the
 * RESERVED price of the book in force then, under the same rules as a purchase of the window added
 * ({@link ReservationTerms}): the calendar (409 CAPACITY_UNAVAILABLE with the latest end that fits), the card quota,
 * the money budget. The reservation keeps its id, its nodes and its jobs; the extension is billed on its own, in the
 * period it was bought. A reservation lasts at most 366 days, its extensions included.
 */
@ApplicationScoped
public class ReservationExtensions {

    private final Scoped scoped;
    private final TenantProjects projects;
    private final ClusterSupply clusters;
    private final ReservationRepository reservations;
    private final ReservationExtensionRepository extensions;
    private final ReservationTerms terms;
    private final CalendarHolds calendar;
    private final Idempotency idempotency;
    private final QuotaLimits limits;
    private final Budgets budgets;
    private final Ids ids;
    private final Clock clock;
    private final AuditTrail audit;

    ReservationExtensions(Scoped scoped, TenantProjects projects, ClusterSupply clusters,
            ReservationRepository reservations, ReservationExtensionRepository extensions, ReservationTerms terms,
            CalendarHolds calendar, Idempotency idempotency, QuotaLimits limits, Budgets budgets, Ids ids, Clock clock,
            AuditTrail audit) {
        this.scoped = scoped;
        this.projects = projects;
        this.clusters = clusters;
        this.reservations = reservations;
        this.extensions = extensions;
        this.terms = terms;
        this.calendar = calendar;
        this.idempotency = idempotency;
        this.limits = limits;
        this.budgets = budgets;
        this.ids = ids;
        this.clock = clock;
        this.audit = audit;
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
                                .chain(quota -> terms.inForce(r.clusterId, r.model, r.sameBlock)
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
                    return terms.inForce(r.clusterId, r.model, r.sameBlock)
                            .chain(priced -> clusters.sellableOf(r.clusterId, r.model)
                                    .chain(capacity -> scoped.unscoped(() -> calendar.from(r.clusterId, r.model,
                                                    r.endAt))
                                            .map(holds -> offer(r, priced, new CapacityCalendar(capacity, holds),
                                                    endAt))));
                });
    }

    private static MarketApi.ExtensionOfferView offer(Reservation r, ReservationTerms.Priced priced,
            CapacityCalendar calendar, Instant endAt) {
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
            throw ReservationService.invalid("endAt", "must be after the reservation's end, now " + r.endAt);
        }
        if (Duration.between(r.startAt, endAt).compareTo(ReservationService.LONGEST) > 0) {
            throw ReservationService.invalid("endAt", "a reservation lasts at most 366 days, its extensions included");
        }
    }

    private Uni<MarketApi.ReservationExtensionView> lengthen(Caller caller, Reservation r, QuotaLimits.Effective quota,
            ReservationTerms.Priced priced, Map<String, Integer> capacity, Instant endAt, Instant now) {
        extendable(r, endAt, now);
        Instant from = r.endAt;
        TenantProjects.ProjectRef project = new TenantProjects.ProjectRef(r.tenantId, r.projectId);
        return projects.stillRunnable(project)
                .chain(() -> reservations.lockCalendar(r.clusterId, r.model))
                .chain(() -> terms.withinCardQuota(project, quota, r.clusterId, r.model, r.cards, from, endAt))
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
                            .map(saved -> extensionView(e, ReservationService.view(r, now)));
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

    private static MarketApi.ReservationExtensionView extensionView(ReservationExtension e, ReservationView now) {
        return new MarketApi.ReservationExtensionView(e.id, e.reservationId, e.fromAt, e.toAt, e.cards,
                Money.of(e.unitPriceMinor, e.currency), Money.of(e.totalMinor, e.currency), e.priceBookVersion,
                e.createdAt, now);
    }

    private Uni<Reservation> found(UUID tenant, UUID id) {
        return reservations.find(tenant, id).map(r -> ReservationService.present(r, id));
    }

    private Uni<Reservation> foundLocked(UUID tenant, UUID id) {
        return reservations.findLocked(tenant, id).map(r -> ReservationService.present(r, id));
    }
}
