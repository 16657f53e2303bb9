package city.myriad.market.model;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * The lifecycle of a reservation: {@code CONFIRMED → ACTIVE → ENDED}, or {@code CANCELLED}. ACTIVE and ENDED
 * follow from the clock (its window has begun, has passed); the only transition a caller makes is the
 * cancellation, allowed from CONFIRMED only. The table below is the whole machine.
 */
public enum ReservationState {
    CONFIRMED, ACTIVE, ENDED, CANCELLED;

    /** The transitions a request can make (the others happen as time passes). */
    static final Map<ReservationState, Set<ReservationState>> ALLOWED = Map.of(
            CONFIRMED, Set.of(CANCELLED),
            ACTIVE, Set.of(),
            ENDED, Set.of(),
            CANCELLED, Set.of());

    public boolean canBecome(ReservationState next) {
        return ALLOWED.get(this).contains(next);
    }

    /**
     * Whether its window may still be made longer: before it ends (CONFIRMED or ACTIVE), as the cards are still
     * held; an ENDED one has let its cards go (and its jobs ended), a CANCELLED one never had them.
     */
    public boolean extendable() {
        return this == CONFIRMED || this == ACTIVE;
    }

    public static ReservationState of(Reservation r, Instant now) {
        if ("CANCELLED".equals(r.status)) {
            return CANCELLED;
        }
        if (now.isBefore(r.startAt)) {
            return CONFIRMED;
        }
        return now.isBefore(r.endAt) ? ACTIVE : ENDED;
    }
}
