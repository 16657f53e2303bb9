package city.myriad.market.service;

import city.myriad.market.model.CapacityCalendar;
import city.myriad.market.model.Price;
import city.myriad.market.model.PriceBook;
import city.myriad.market.model.PriceClass;
import city.myriad.market.model.Quote;
import city.myriad.market.model.Reservation;
import city.myriad.market.repository.PriceBookRepository;
import city.myriad.market.repository.ReservationRepository;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.money.Money;
import city.myriad.quota.service.QuotaLimits;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;

/**
 * What every sale of reserved cards is held to, a purchase ({@link ReservationService}) as an extension
 * ({@link ReservationExtensions}): the RESERVED price of the cluster's book in force, with the same-block premium
 * when the reservation keeps one block (409 NOT_FOR_SALE without one); and the card quotas on RESERVED work, which
 * bound what a tenant (and a project) may hold reserved at once in a window (422 QUOTA_EXCEEDED), checked under the
 * calendar's lock.
 */
@ApplicationScoped
public class ReservationTerms {

    private final Scoped scoped;
    private final PriceBookRepository books;
    private final ReservationRepository reservations;
    private final Clock clock;

    ReservationTerms(Scoped scoped, PriceBookRepository books, ReservationRepository reservations, Clock clock) {
        this.scoped = scoped;
        this.books = books;
        this.reservations = reservations;
        this.clock = clock;
    }

    /** The unit price a reservation is sold at (premium included) and the price book version it comes from. */
    record Priced(int version, Money unit, Quote quote) {}


    /** The RESERVED price of the book in force (with the same-block premium), 409 NOT_FOR_SALE if there is none. */
    Uni<Priced> inForce(UUID clusterId, String model, boolean sameBlock) {
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

    /**
     * 422 QUOTA_EXCEEDED if the new cards, with the tenant's (or the project's) reservations already held at once in
     * the window, pass a limit on RESERVED work here. Runs under the calendar's lock.
     */
    Uni<Void> withinCardQuota(TenantProjects.ProjectRef project, QuotaLimits.Effective quota, UUID clusterId,
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
}
