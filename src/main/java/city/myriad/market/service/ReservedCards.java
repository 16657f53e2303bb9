package city.myriad.market.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.catalog.service.NodeRemovalCheck;
import city.myriad.market.model.CapacityCalendar;
import city.myriad.market.repository.ReservationRepository;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * A node whose cards the reservations sold still need is not removed (409 NODE_RESERVED): the capacity calendar
 * without its cards must still carry every reservation from now on, in all and per block for same-block ones, as a
 * purchase is checked. Checked under the calendar's lock, so no purchase of that cluster and model counts the cards
 * meanwhile. A DOWN node's cards are sold to nobody already (the calendar leaves DOWN nodes out), so its removal
 * changes nothing here.
 */
@ApplicationScoped
public class ReservedCards implements NodeRemovalCheck {

    private final ReservationRepository reservations;
    private final ClusterSupply clusters;
    private final Clock clock;

    ReservedCards(ReservationRepository reservations, ClusterSupply clusters, Clock clock) {
        this.reservations = reservations;
        this.clusters = clusters;
        this.clock = clock;
    }

    @Override
    public Uni<Void> check(Removal r) {
        if (r.model() == null || r.cards() == 0 || "DOWN".equals(r.state())) {
            return Uni.createFrom().voidItem();
        }
        Instant now = clock.instant();
        return reservations.lockCalendar(r.clusterId(), r.model())
                .chain(() -> clusters.sellableByBlock(r.clusterId(), r.model()))
                .chain(byBlock -> reservations.holds(r.clusterId(), r.model(), now).invoke(holds -> {
                    Map<String, Integer> left = new TreeMap<>(byBlock);
                    left.computeIfPresent(r.block(), (block, cards) -> cards - r.cards() > 0 ? cards - r.cards()
                            : null);
                    String why = new CapacityCalendar(left, holds).overbooked(now);
                    if (why != null) {
                        throw new MyriadProblem.Conflict(ProblemCode.NODE_RESERVED, "Node '" + r.node() + "' is "
                                + "needed by the reservations sold on " + r.model() + " cards: without its " + r.cards()
                                + " cards " + why + ". Take it DOWN instead (the reservations' shortfall is credited) "
                                + "or remove it once they end");
                    }
                }))
                .replaceWithVoid();
    }
}
