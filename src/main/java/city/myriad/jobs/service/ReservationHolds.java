package city.myriad.jobs.service;

import city.myriad.allocation.Reservations;
import city.myriad.allocation.Topology;
import city.myriad.market.service.JobPricing.ReservationRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;
import org.jboss.logging.Logger;

/**
 * Which whole nodes each reservation in its window holds for its tenant, on the topology one core was built on. A
 * reservation holds whole nodes of its model (and of its block, if it names one) that are in service and held by no
 * other reservation, enough for its cards: those where the least work of other tenants runs that it could not
 * reclaim (preemptible jobs a holder's job evicts at once; its own jobs are its own), so that at the window's start
 * the tenant gets idle nodes while there are any, instead of nodes whose on-demand work it would wait for; among
 * alike nodes, the first in the topology's order (which keeps a reservation's nodes together). After a restart the
 * same rule finds again the nodes where its jobs run. It keeps the nodes it was given while they stay
 * holdable (a reservation's running jobs are not moved by a refresh); a node taken out of
 * service is replaced by another. A reservation that cannot be given enough nodes (nodes down since it was sold)
 * holds as many as there are, so that its jobs still have a place, is topped up as nodes come back, and is logged
 * with its shortfall ({@link #shortCards}).
 */
final class ReservationHolds {

    private static final Logger LOG = Logger.getLogger(ReservationHolds.class);

    private final Topology topology;
    /** Per node index: its block's name. */
    private final String[] blockOf;
    private final Map<UUID, int[]> held = new HashMap<>();
    /** The reservations short of nodes whose shortfall was logged (once, until they are whole again). */
    private final java.util.Set<UUID> warned = new java.util.HashSet<>();
    private int shortCards;
    /** Per reservation short of cards as of the last {@link #hold}: the cards it is short of. */
    private Map<UUID, Integer> shortBy = Map.of();

    ReservationHolds(Topology topology, String[] blockOf) {
        this.topology = topology;
        this.blockOf = blockOf;
    }

    /**
     * The holder of every node, for the core ({@link Reservations}): {@code holder} comes in with the nodes out of
     * service marked {@link Reservations#OUT_OF_SERVICE} and the rest {@link Reservations#NONE}, and goes out with
     * the nodes of each reservation in {@code open} marked with its tenant's index in the core. {@code busy} gives,
     * for a tenant's index, each node's milli-cards taken by other tenants' work it could not reclaim
     * ({@code Scheduler.othersNonPreemptibleMilli}); asked only when a reservation needs nodes.
     */
    int[] hold(int[] holder, List<ReservationRef> open, ToIntFunction<UUID> tenantIndex, IntFunction<long[]> busy) {
        held.keySet().retainAll(open.stream().map(ReservationRef::id).toList());
        // First every reservation keeps those of its nodes still in service and free of other holds; then, in the
        // order the reservations were bought, each short of its cards is given more, so that a reservation topping
        // up never takes a node another one keeps.
        Map<UUID, List<Integer>> nodesOf = new HashMap<>();
        for (ReservationRef r : open) {
            int tenant = tenantIndex.applyAsInt(r.tenantId());
            List<Integer> kept = new ArrayList<>();
            for (int n : held.getOrDefault(r.id(), new int[0])) {
                if (holder[n] == Reservations.NONE) {
                    holder[n] = tenant;
                    kept.add(n);
                }
            }
            nodesOf.put(r.id(), kept);
        }
        int shortfall = 0;
        Map<UUID, Integer> shortNow = new HashMap<>();
        for (ReservationRef r : open) {
            List<Integer> nodes = nodesOf.get(r.id());
            int tenant = tenantIndex.applyAsInt(r.tenantId());
            int cards = nodes.stream().mapToInt(topology::cards).sum();
            if (cards < r.cards()) {
                for (int n : holdable(r, holder, busy.apply(tenant))) {
                    if (cards >= r.cards()) {
                        break;
                    }
                    holder[n] = tenant;
                    nodes.add(n);
                    cards += topology.cards(n);
                }
            }
            if (cards < r.cards()) {
                shortfall += r.cards() - cards;
                shortNow.put(r.id(), r.cards() - cards);
                if (!warned.contains(r.id())) {
                    warned.add(r.id());
                    LOG.warnf("Reservation %s: %d of its %d %s cards in service to hold; it holds %d nodes until more "
                            + "come back", r.id(), cards, r.cards(), r.model(), nodes.size());
                }
            } else {
                warned.remove(r.id());
            }
            held.put(r.id(), nodes.stream().mapToInt(Integer::intValue).toArray());
        }
        warned.retainAll(held.keySet());
        shortCards = shortfall;
        shortBy = Map.copyOf(shortNow);
        return holder;
    }

    /** The cards the open reservations are short of, as of the last {@link #hold}: sold, but no node to hold them. */
    int shortCards() {
        return shortCards;
    }

    /** The open reservations short of cards, as of the last {@link #hold}, each with the cards it is short of. */
    Map<UUID, Integer> shortBy() {
        return shortBy;
    }

    /** The nodes the reservation could be given now, the least busy first, then in the topology's order. */
    private List<Integer> holdable(ReservationRef r, int[] holder, long[] busy) {
        List<Integer> nodes = new ArrayList<>();
        for (int n = 0; n < topology.nodes(); n++) {
            if (holdable(r, n, holder)) {
                nodes.add(n);
            }
        }
        nodes.sort(java.util.Comparator.comparingLong((Integer n) -> busy[n]));  // stable: index order among alike
        return nodes;
    }

    private boolean holdable(ReservationRef r, int n, int[] holder) {
        return holder[n] == Reservations.NONE && topology.cards(n) > 0
                && topology.models().get(topology.model(n)).equals(r.model())
                && (r.block() == null || r.block().equals(blockOf[n]));
    }
}
