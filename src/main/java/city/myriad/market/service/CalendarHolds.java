package city.myriad.market.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.market.model.CapacityCalendar.Hold;
import city.myriad.market.repository.ReservationRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What the capacity calendar of one cluster and model holds from a moment on: the reservations sold, and the cards
 * the operator's maintenance windows take out (each a hold in its nodes' block: a same-block reservation there gets
 * the block's other cards only). Every sale, offer, extension and check reads the calendar through this, so none can
 * sell a card a window takes out.
 */
@ApplicationScoped
public class CalendarHolds {

    private final ReservationRepository reservations;
    private final ClusterSupply clusters;

    CalendarHolds(ReservationRepository reservations, ClusterSupply clusters) {
        this.reservations = reservations;
        this.clusters = clusters;
    }

    /** The holds not ended by {@code from}: reservations first, then maintenance. */
    public Uni<List<Hold>> from(UUID clusterId, String model, Instant from) {
        return from(clusterId, model, from, null);
    }

    /** As {@link #from(UUID, String, Instant)}, without the maintenance of node {@code exceptNode}. */
    public Uni<List<Hold>> from(UUID clusterId, String model, Instant from, String exceptNode) {
        return from(clusterId, model, from, exceptNode, null);
    }

    /** As {@link #from(UUID, String, Instant, String)}, without maintenance window {@code exceptWindow}. */
    public Uni<List<Hold>> from(UUID clusterId, String model, Instant from, String exceptNode, UUID exceptWindow) {
        return reservations.holds(clusterId, model, from).chain(sold -> clusters.maintenanceOut(clusterId, model, from,
                        exceptNode, exceptWindow)
                .map(out -> {
                    if (out.isEmpty()) {
                        return sold;
                    }
                    List<Hold> all = new ArrayList<>(sold);
                    out.forEach(o -> all.add(new Hold(o.startAt(), o.endsAt(), o.cards(), o.block())));
                    return all;
                }));
    }
}
