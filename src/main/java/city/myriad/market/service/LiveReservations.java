package city.myriad.market.service;

import city.myriad.market.model.CapacityCalendar;
import city.myriad.market.repository.ReservationRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The port through which other domains read a tenant's reservations still to run or running (not ended, not
 * cancelled) and how many cards they hold at once: what a card limit on RESERVED work bounds.
 */
@ApplicationScoped
public class LiveReservations {

    /** A reservation's cards over its window. */
    public record Held(UUID projectId, UUID clusterId, String model, int cards, Instant startAt, Instant endAt) {}

    private final ReservationRepository reservations;

    LiveReservations(ReservationRepository reservations) {
        this.reservations = reservations;
    }

    /** The tenant's reservations whose window has not ended at {@code now}; in the caller's tenant transaction. */
    public Uni<List<Held>> of(UUID tenantId, Instant now) {
        return reservations.live(tenantId, now).map(rows -> rows.stream()
                .map(r -> new Held(r.projectId, r.clusterId, r.model, r.cards, r.startAt, r.endAt)).toList());
    }

    /** The most cards {@code held} hold together at any instant of [from, to) (the calendar's own count). */
    public static int peak(List<Held> held, Instant from, Instant to) {
        return CapacityCalendar.peakHeld(held.stream()
                .map(h -> new CapacityCalendar.Hold(h.startAt(), h.endAt(), h.cards(), null)).toList(), from, to);
    }
}
