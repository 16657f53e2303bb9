package city.myriad.market.service;

import city.myriad.market.repository.ReservationRepository;
import city.myriad.platform.db.SqlTimes;
import city.myriad.quota.service.Commitments;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;

/**
 * The marketplace's share of a budget's commitments: the reservations bought in the month, each at its whole total
 * (paid whether used or not), and the fees of those cancelled.
 */
@ApplicationScoped
class ReservedCommitments implements Commitments {

    private final ReservationRepository reservations;

    ReservedCommitments(ReservationRepository reservations) {
        this.reservations = reservations;
    }

    @Override
    public String kind() {
        return "RESERVATIONS";
    }

    @Override
    public Uni<Long> committedMinor(UUID tenant, UUID project, String currency, Instant from, Instant to,
            Instant now) {
        return reservations.spend(tenant, project, currency, SqlTimes.utc(from), SqlTimes.utc(to));
    }
}
