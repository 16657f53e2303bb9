package city.myriad.jobs.service;

import city.myriad.allocation.Reservations;
import city.myriad.allocation.Topology;
import city.myriad.market.service.JobPricing.ReservationRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.ToIntFunction;
import org.jboss.logging.Logger;

/**
 * Which whole nodes each reservation in its window holds for its tenant, on the topology one core was built on. A
 * reservation holds whole nodes of its model (and of its block, if it names one) that are in service and held by no
 * other reservation, enough for its cards, the first such nodes in the topology's order. It keeps the nodes it was
 * given while they stay holdable (a reservation's running jobs are not moved by a refresh); if one is taken out of
 * service it is given nodes afresh. A reservation that cannot be given enough nodes holds none (logged): its jobs
 * wait.
 */
final class ReservationHolds {

    private static final Logger LOG = Logger.getLogger(ReservationHolds.class);

    private final Topology topology;
    /** Per node index: its block's name. */
    private final String[] blockOf;
    private final Map<UUID, int[]> held = new HashMap<>();

    ReservationHolds(Topology topology, String[] blockOf) {
        this.topology = topology;
        this.blockOf = blockOf;
    }

    /**
     * The holder of every node, for the core ({@link Reservations}): {@code holder} comes in with the nodes out of
     * service marked {@link Reservations#OUT_OF_SERVICE} and the rest {@link Reservations#NONE}, and goes out with
     * the nodes of each reservation in {@code open} marked with its tenant's index in the core.
     */
    int[] hold(int[] holder, List<ReservationRef> open, ToIntFunction<UUID> tenantIndex) {
        held.keySet().retainAll(open.stream().map(ReservationRef::id).toList());
        // First every reservation keeps the nodes it holds, if all are still in service and free of other holds;
        // then the others are given nodes, so a reservation that must move never takes a node another one keeps.
        List<ReservationRef> moving = new ArrayList<>();
        for (ReservationRef r : open) {
            int tenant = tenantIndex.applyAsInt(r.tenantId());
            int[] kept = held.get(r.id());
            if (kept != null && stillHoldable(kept, holder)) {
                mark(holder, kept, tenant);
            } else {
                moving.add(r);
            }
        }
        for (ReservationRef r : moving) {
            int[] nodes = choose(r, holder);
            if (nodes == null) {
                LOG.warnf("Reservation %s: not enough whole %s nodes in service to hold %d cards", r.id(), r.model(),
                        r.cards());
                held.remove(r.id());
                continue;
            }
            held.put(r.id(), nodes);
            mark(holder, nodes, tenantIndex.applyAsInt(r.tenantId()));
        }
        return holder;
    }

    private static void mark(int[] holder, int[] nodes, int tenant) {
        for (int n : nodes) {
            holder[n] = tenant;
        }
    }

    private static boolean stillHoldable(int[] nodes, int[] holder) {
        for (int n : nodes) {
            if (holder[n] != Reservations.NONE) {
                return false;
            }
        }
        return true;
    }

    /** Whole nodes of the reservation's model (and block) in service and free of other holds, enough for its cards. */
    private int[] choose(ReservationRef r, int[] holder) {
        List<Integer> chosen = new ArrayList<>();
        int cards = 0;
        for (int n = 0; n < topology.nodes() && cards < r.cards(); n++) {
            if (holder[n] != Reservations.NONE || topology.cards(n) == 0
                    || !topology.models().get(topology.model(n)).equals(r.model())
                    || (r.block() != null && !r.block().equals(blockOf[n]))) {
                continue;
            }
            chosen.add(n);
            cards += topology.cards(n);
        }
        return cards >= r.cards() ? chosen.stream().mapToInt(Integer::intValue).toArray() : null;
    }
}
