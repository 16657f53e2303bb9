package city.myriad.market.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.catalog.service.MaintenanceCheck;
import city.myriad.catalog.service.NodeRemovalCheck;
import city.myriad.market.model.CapacityCalendar.Hold;
import java.util.ArrayList;
import java.util.List;
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
 * changes nothing here. Nor is a maintenance window made that would leave them short ({@link #check(Window)}).
 */
@ApplicationScoped
public class ReservedCards implements NodeRemovalCheck, MaintenanceCheck {

    private final ReservationRepository reservations;
    private final ClusterSupply clusters;
    private final CalendarHolds calendar;
    private final Clock clock;

    ReservedCards(ReservationRepository reservations, ClusterSupply clusters, CalendarHolds calendar, Clock clock) {
        this.calendar = calendar;
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
                .chain(byBlock -> calendar.from(r.clusterId(), r.model(), now, r.node()).invoke(holds -> {
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

    /**
     * A maintenance window may not take out cards the reservations sold need during it: per card model it takes
     * out, the calendar with the window's cards held in their blocks (beside what it holds already: reservations
     * and other windows) must still fit from now on, as a purchase is checked. Under each model's calendar lock,
     * taken in the models' order (two windows of several models cannot deadlock), so no purchase counts the cards
     * meanwhile; a purchase that follows sees the window.
     */
    @Override
    public Uni<Void> check(Window w) {
        Map<String, Map<String, Integer>> outByModel = new TreeMap<>();
        for (NodeOut n : w.nodes()) {
            if (n.model() != null && n.cards() > 0 && !"DOWN".equals(n.state())) {
                outByModel.computeIfAbsent(n.model(), m -> new TreeMap<>()).merge(n.block(), n.cards(), Integer::sum);
            }
        }
        Instant now = clock.instant();
        Uni<Void> checked = Uni.createFrom().voidItem();
        for (Map.Entry<String, Map<String, Integer>> e : outByModel.entrySet()) {
            String model = e.getKey();
            checked = checked.chain(() -> reservations.lockCalendar(w.clusterId(), model))
                    .chain(() -> clusters.sellableByBlock(w.clusterId(), model))
                    .chain(byBlock -> calendar.from(w.clusterId(), model, now, null, w.replacing()).invoke(holds -> {
                        List<Hold> with = new ArrayList<>(holds);
                        e.getValue().forEach((block, cards) -> with.add(new Hold(w.startAt(), w.endAt(), cards,
                                block)));
                        String why = new CapacityCalendar(byBlock, with).overbooked(now);
                        if (why != null) {
                            int cards = e.getValue().values().stream().mapToInt(Integer::intValue).sum();
                            throw new MyriadProblem.Conflict(ProblemCode.NODE_RESERVED, "The reservations sold on "
                                    + model + " cards need these nodes during the window: without their " + cards
                                    + " cards from " + w.startAt() + " to " + w.endAt() + " " + why + ". Pick a time "
                                    + "they do not need them, or fewer nodes");
                        }
                    }))
                    .replaceWithVoid();
        }
        return checked;
    }
}
