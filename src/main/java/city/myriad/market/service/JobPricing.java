package city.myriad.market.service;

import city.myriad.market.model.Price;
import city.myriad.market.model.PriceBook;
import city.myriad.market.model.PriceClass;
import city.myriad.market.model.Quote;
import city.myriad.market.model.Reservation;
import city.myriad.market.model.ReservationState;
import city.myriad.market.repository.PriceBookRepository;
import city.myriad.market.repository.QuoteRepository;
import city.myriad.market.repository.ReservationRepository;
import city.myriad.platform.cache.Recent;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.money.Money;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The market's port for the jobs domain: the price a job is sold at (from the book in force, or from a quote of
 * the tenant for that very shape), the reservation a RESERVED job runs in, the reservations a cluster's scheduler
 * must hold cards for now, and what the tenant spent on reservations in a period (for budget admission).
 */
@ApplicationScoped
public class JobPricing {

    /** A job's unit price per card-hour and the price book version it comes from (null for RESERVED). */
    public record JobPrice(Money unitPrice, Integer priceBookVersion) {}

    /** A reservation as a job sees it. */
    public record ReservationRef(UUID id, UUID tenantId, UUID projectId, UUID clusterId, String model, int cards,
            Instant startAt, Instant endAt, String state, String currency, String block) {}

    private final Scoped scoped;
    private final PriceBookRepository books;
    private final QuoteRepository quotes;
    private final ReservationRepository reservations;
    private final Clock clock;
    /**
     * The book in force per cluster, as read within the last second, with the time the next scheduled version takes
     * over: a new version set through this replica is seen at once, one set through another within a second (the job
     * records the version it was sold at), and a scheduled one from its very time (the entry is read again then).
     */
    private final Recent<UUID, InForce> inForce = new Recent<>(Duration.ofSeconds(1), 10_000);

    /** A cluster's book in force (null while none is), and when the next scheduled version takes over (null: none). */
    private record InForce(PriceBook book, Instant until) {}

    JobPricing(Scoped scoped, PriceBookRepository books, QuoteRepository quotes, ReservationRepository reservations,
            Clock clock) {
        this.scoped = scoped;
        this.books = books;
        this.quotes = quotes;
        this.reservations = reservations;
        this.clock = clock;
    }

    /**
     * The unit price of an ON_DEMAND or SPOT job: the quote's when one is named (it must be the tenant's, valid and
     * for this shape), else the book's now, a SPOT price at {@code utilization}; with {@code sameBlock}, plus the
     * block premium. 409 NOT_FOR_SALE when the book has no such price.
     */
    public Uni<JobPrice> price(UUID tenant, UUID clusterId, String model, String priceClass, int cardsMilli,
            int maxRunSeconds, boolean sameBlock, BigDecimal utilization, UUID quoteId) {
        if (quoteId != null) {
            return scoped.asTenant(tenant, () -> quotes.find(tenant, quoteId)).map(q -> {
                fromQuote(q, quoteId, clusterId, model, priceClass, cardsMilli, maxRunSeconds, sameBlock);
                return new JobPrice(Money.of(q.unitPriceMinor, q.currency), q.priceBookVersion);
            });
        }
        return bookInForce(clusterId)
                .map(b -> {
                    Price p = b == null ? null : b.price(model, PriceClass.valueOf(priceClass)).orElse(null);
                    if (p == null) {
                        throw new MyriadProblem.Conflict(ProblemCode.NOT_FOR_SALE, "Cluster " + clusterId + " sells no "
                                + priceClass + " " + model + " cards");
                    }
                    Money unit = p.at(utilization);
                    if (sameBlock) {
                        unit = unit.times(BigDecimal.ONE.add(BigDecimal.valueOf(b.sameBlockPremiumPercent(), 2)));
                    }
                    return new JobPrice(unit, b.version());
                });
    }

    /** The cluster's book in force now (null: none), from the cache unless a scheduled version took over since. */
    private Uni<PriceBook> bookInForce(UUID clusterId) {
        Instant now = clock.instant();
        return inForce.get(clusterId, () -> read(clusterId, now)).chain(f -> {
            if (f == null || f.until() == null || now.isBefore(f.until())) {
                return Uni.createFrom().item(f == null ? null : f.book());
            }
            inForce.forget(clusterId);
            return inForce.get(clusterId, () -> read(clusterId, now)).map(g -> g == null ? null : g.book());
        });
    }

    /** The book in force at {@code now} and the next scheduled one's time; null when there is neither (not cached). */
    private Uni<InForce> read(UUID clusterId, Instant now) {
        return scoped.unscoped(() -> books.current(clusterId, now).chain(current -> books.scheduled(clusterId, now)
                .map(next -> current.isEmpty() && next.isEmpty() ? null
                        : new InForce(current.orElse(null), next.isEmpty() ? null : next.get(0).effectiveAt()))));
    }

    /** A new version of the cluster's book was set here: sell at it from now on. */
    void priceBookChanged(UUID clusterId) {
        inForce.forget(clusterId);
    }

    private void fromQuote(Quote q, UUID quoteId, UUID clusterId, String model, String priceClass, int cardsMilli,
            int maxRunSeconds, boolean sameBlock) {
        if (q == null) {
            throw new MyriadProblem.NotFound(ProblemCode.QUOTE_NOT_FOUND, "No quote " + quoteId);
        }
        if (!clock.instant().isBefore(q.expiresAt)) {
            throw new MyriadProblem.Conflict(ProblemCode.QUOTE_EXPIRED, "Quote " + quoteId + " expired at "
                    + q.expiresAt + "; ask for a new one");
        }
        boolean same = q.priceClass.equals(priceClass) && q.clusterId.equals(clusterId) && q.model.equals(model)
                && (long) q.cards * 1000 == cardsMilli && q.sameBlock == sameBlock && q.maxRunSeconds != null
                && q.maxRunSeconds == maxRunSeconds;
        if (!same) {
            throw new MyriadProblem.Validation(ProblemCode.QUOTE_MISMATCH, "Quote " + quoteId + " was made for "
                    + q.cards + " " + q.model + " " + q.priceClass + " cards for " + q.maxRunSeconds + " s"
                    + (q.sameBlock ? " in one block" : ""),
                    List.of(MyriadProblem.Violation.field("quoteId", "made for another shape")));
        }
        // Last, as for a reservation: a request for another shape is told so, whether or not the quote was used.
        if (q.usedBy != null) {
            throw QuoteService.usedUp(quoteId, q.usedBy);
        }
    }

    /** The tenant's reservation; 404 RESERVATION_NOT_FOUND if it is not the tenant's. */
    public Uni<ReservationRef> reservation(UUID tenant, UUID reservationId) {
        Instant now = clock.instant();
        return scoped.asTenant(tenant, () -> reservations.find(tenant, reservationId)).map(r -> {
            if (r == null) {
                throw new MyriadProblem.NotFound(ProblemCode.RESERVATION_NOT_FOUND, "No reservation " + reservationId);
            }
            return ref(r, now);
        });
    }

    /**
     * The cluster's reservations that are not cancelled and whose window has not ended at {@code at} and begins by
     * {@code until}: those open now (begun by {@code at}) and those to come within the look-ahead, in bought order.
     */
    public Uni<List<ReservationRef>> active(UUID clusterId, Instant at, Instant until) {
        return scoped.asPlatform(() -> reservations.activeOn(clusterId, at, until))
                .map(list -> list.stream().map(r -> ref(r, at)).toList());
    }

    /**
     * Of {@code ids}, those of the cluster's reservations that will never open again (cancelled, or their window has
     * ended by {@code at}): the jobs that wait for them can never start, and those that run in them must stop.
     */
    public Uni<java.util.Set<UUID>> closed(UUID clusterId, java.util.Collection<UUID> ids, Instant at) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(java.util.Set.of());
        }
        return scoped.asPlatform(() -> reservations.closedOn(clusterId, ids, at))
                .map(list -> list.stream().map(r -> r.id).collect(java.util.stream.Collectors.toSet()));
    }

    private static ReservationRef ref(Reservation r, Instant now) {
        return new ReservationRef(r.id, r.tenantId, r.projectId, r.clusterId, r.model, r.cards, r.startAt, r.endAt,
                ReservationState.of(r, now).name(), r.currency, r.block);
    }
}
