package city.myriad.jobs.service;

import city.myriad.allocation.Reservations;
import city.myriad.allocation.Topology;
import city.myriad.market.service.JobPricing.ReservationRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.ToDoubleFunction;
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
 * holdable (a reservation's running jobs are not moved by a refresh), but for a node still running other tenants'
 * work while it is short of usable cards, exchanged for a freer one when there is one ({@link #delivered}); a node
 * taken out of service is replaced by another. The cards it cannot use (nodes missing, cards taken by others'
 * work) are its shortfall. A reservation that cannot be given enough nodes (nodes down since it was sold)
 * holds as many as there are, so that its jobs still have a place, is topped up as nodes come back, and is logged
 * with its shortfall ({@link #shortCards}). Before its window begins, within the loop's look-ahead, a reservation
 * keeps the nodes it will hold, chosen by the same rule, and the core places there no other tenant's
 * non-preemptible job declared to run past the window's start ({@link #keepForStart}): in a full cluster the
 * window still finds its nodes free of work it could not reclaim.
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
    private List<Assigned> assigned = List.of();
    /**
     * Per node index, as of the current {@link #hold}: when its maintenance window to come begins, or null. A node
     * is not kept for a reservation whose window that maintenance would cut, and a reservation topping up takes it
     * last.
     */
    private Instant[] maintenanceFrom = new Instant[0];

    ReservationHolds(Topology topology, String[] blockOf) {
        this.topology = topology;
        this.blockOf = blockOf;
    }

    /**
     * What the core is given ({@link Reservations}): per node, the tenant's index holding it now, and the tenant and
     * start (the core's seconds) of the reservation to come that keeps it.
     */
    record Holds(int[] holder, int[] nextHolder, double[] nextFromS) implements Reservations {
        @Override
        public int holder(int node) {
            return holder[node];
        }

        @Override
        public int nextHolder(int node) {
            return nextHolder[node];
        }

        @Override
        public double nextHoldFromS(int node) {
            return nextFromS[node];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Holds h && java.util.Arrays.equals(holder, h.holder)
                    && java.util.Arrays.equals(nextHolder, h.nextHolder) && java.util.Arrays.equals(nextFromS, h.nextFromS);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(holder);
        }

        @Override
        public String toString() {
            return "Holds" + java.util.Arrays.toString(holder) + " next " + java.util.Arrays.toString(nextHolder);
        }
    }

    /** What runs on the nodes, as the core knows it: what a reservation's choice of nodes and its shortfall read. */
    interface Work {
        /** Per node, the milli-cards of other tenants' non-preemptible work declared to run past {@code fromS}. */
        long[] othersMilli(int tenant, double fromS);

        /** Per node, the cards with a share taken by other tenants' non-preemptible work. */
        int[] othersCards(int tenant);

        /** Per node, whether a job of the tenant runs there. */
        boolean[] runsJobsOf(int tenant);
    }

    /**
     * The holds of every node, for the core: {@code holder} comes in with the nodes out of service marked
     * {@link Reservations#OUT_OF_SERVICE} and the rest {@link Reservations#NONE}, and goes out with the nodes of each
     * reservation in {@code open} marked with its tenant's index in the core; the reservations in {@code upcoming}
     * (windows beginning within the loop's look-ahead) keep nodes for their start ({@link #keepForStart}).
     * {@code work} says what runs where (the core's running jobs): the cards other tenants' work takes, for each
     * tenant with an open reservation; the rest only when a reservation needs nodes or is short of usable cards
     * ({@link #delivered}). {@code maintenanceFrom} says when each node's maintenance to come begins (null for none):
     * the core is told it as the node's next hold ({@link Reservations#MAINTENANCE}), so that no non-preemptible job
     * declared to run past it starts there.
     */
    Holds hold(int[] holder, Instant[] maintenanceFrom, List<ReservationRef> open, List<ReservationRef> upcoming,
            ToIntFunction<UUID> tenantIndex, ToDoubleFunction<Instant> seconds, Work work) {
        this.maintenanceFrom = maintenanceFrom;
        java.util.Set<UUID> known = new java.util.HashSet<>();
        open.forEach(r -> known.add(r.id()));
        upcoming.forEach(r -> known.add(r.id()));
        held.keySet().retainAll(known);
        // The nodes kept for a reservation to come: a reservation open now tops up elsewhere first (the one to come
        // would choose again, but keeps its nodes stable while it can).
        boolean[] kept = new boolean[holder.length];
        for (ReservationRef r : upcoming) {
            for (int n : held.getOrDefault(r.id(), new int[0])) {
                kept[n] = true;
            }
        }
        // First every reservation keeps those of its nodes still in service and free of other holds; then, in the
        // order the reservations were bought, each short of its cards is given more, so that a reservation topping
        // up never takes a node another one keeps.
        Map<UUID, List<Integer>> nodesOf = new HashMap<>();
        for (ReservationRef r : open) {
            int tenant = tenantIndex.applyAsInt(r.tenantId());
            List<Integer> mine = new ArrayList<>();
            for (int n : held.getOrDefault(r.id(), new int[0])) {
                if (holder[n] == Reservations.NONE) {
                    holder[n] = tenant;
                    mine.add(n);
                }
            }
            nodesOf.put(r.id(), mine);
        }
        Instant[] heldUntil = new Instant[holder.length];
        int shortfall = 0;
        Map<UUID, Integer> shortNow = new HashMap<>();
        Map<Integer, int[]> takenByOthers = new HashMap<>();
        for (ReservationRef r : open) {
            List<Integer> nodes = nodesOf.get(r.id());
            int tenant = tenantIndex.applyAsInt(r.tenantId());
            int cards = nodes.stream().mapToInt(topology::cards).sum();
            if (cards < r.cards()) {
                for (int n : holdable(r, holder, kept, work.othersMilli(tenant, Double.NEGATIVE_INFINITY))) {
                    if (cards >= r.cards()) {
                        break;
                    }
                    holder[n] = tenant;
                    nodes.add(n);
                    cards += topology.cards(n);
                }
            }
            if (cards < r.cards()) {
                if (!warned.contains(r.id())) {
                    warned.add(r.id());
                    LOG.warnf("Reservation %s: %d of its %d %s cards in service to hold; it holds %d nodes until more "
                            + "come back", r.id(), cards, r.cards(), r.model(), nodes.size());
                }
            } else {
                warned.remove(r.id());
            }
            int[] taken = takenByOthers.computeIfAbsent(tenant, work::othersCards);
            awayFromMaintenance(r, tenant, nodes, holder, kept, work, taken);
            int usable = delivered(r, tenant, nodes, holder, kept, work, taken);
            if (usable < r.cards()) {
                shortfall += r.cards() - usable;
                shortNow.put(r.id(), r.cards() - usable);
            }
            nodes.forEach(n -> heldUntil[n] = r.endAt());
            held.put(r.id(), nodes.stream().mapToInt(Integer::intValue).toArray());
        }
        warned.retainAll(held.keySet());
        shortCards = shortfall;
        shortBy = Map.copyOf(shortNow);
        Holds holds = keepForStart(holder, heldUntil, upcoming, tenantIndex, seconds, work);
        List<Assigned> now = new ArrayList<>();
        for (ReservationRef r : open) {
            for (int n : held.get(r.id())) {
                now.add(new Assigned(n, false, r.id()));
            }
        }
        for (ReservationRef r : upcoming) {
            for (int n : held.getOrDefault(r.id(), new int[0])) {
                now.add(new Assigned(n, true, r.id()));
            }
        }
        assigned = List.copyOf(now);
        return holds;
    }

    /**
     * The cards of its held nodes the reservation can use now: those where no other tenant's work it could not
     * reclaim runs (work placed before the window began, or before a node stood in for one gone down, is not
     * stopped). While that leaves it short, a held node where such work runs and none of its own jobs is exchanged
     * for a node in service held by nobody, not kept for a window to come, with at least as many cards and fewer of
     * them taken, if there is one: the reservation gets cards it can use at once, and the busy node goes back to the
     * pool, its work running on.
     * The cards still taken count in its shortfall, which billing credits as reserved card time not delivered.
     */
    private int delivered(ReservationRef r, int tenant, List<Integer> nodes, int[] holder, boolean[] kept, Work work,
            int[] taken) {
        int cards = 0;
        int usable = 0;
        for (int n : nodes) {
            cards += topology.cards(n);
            usable += topology.cards(n) - taken[n];
        }
        if (usable >= r.cards() || cards == usable) {
            return usable;
        }
        boolean[] own = work.runsJobsOf(tenant);
        List<Integer> busiest = new ArrayList<>(nodes);
        busiest.sort(java.util.Comparator.comparingInt((Integer n) -> -taken[n]));
        for (int n : busiest) {
            if (usable >= r.cards() || taken[n] == 0) {
                break;
            }
            if (own[n]) {
                continue;  // its jobs run there: they would not move with the hold
            }
            int better = -1;
            for (int m = 0; m < topology.nodes(); m++) {
                if (holder[m] == Reservations.NONE && !kept[m] && fits(r, m) && topology.cards(m) >= topology.cards(n)
                        && taken[m] < taken[n] && (better < 0 || taken[m] < taken[better])) {
                    better = m;
                }
            }
            if (better >= 0) {
                holder[n] = Reservations.NONE;
                holder[better] = tenant;
                nodes.set(nodes.indexOf(n), better);
                usable += topology.cards(better) - taken[better] - (topology.cards(n) - taken[n]);
            }
        }
        return usable;
    }

    /**
     * A held node whose maintenance begins before the reservation ends is exchanged, while none of the tenant's jobs
     * run there, for a node in service held by nobody, not kept for a window to come, not cut short itself, of the
     * reservation's model and block, with at least as many cards and no more of them taken by other tenants' work:
     * its long jobs are then not kept off a node about to leave it, and its window does not lose the node at the
     * maintenance's start. Without such a node (or with its jobs there) it keeps the node: its jobs placed meanwhile end
     * by the start, and at the start the node goes out and the reservation tops up as for a node down.
     */
    private void awayFromMaintenance(ReservationRef r, int tenant, List<Integer> nodes, int[] holder, boolean[] kept,
            Work work, int[] taken) {
        boolean[] own = null;
        for (int i = 0; i < nodes.size(); i++) {
            int n = nodes.get(i);
            if (!cutShort(r, n)) {
                continue;
            }
            own = own == null ? work.runsJobsOf(tenant) : own;
            if (own[n]) {
                continue;  // its jobs run there: they would not move with the hold
            }
            int instead = -1;
            for (int m = 0; m < topology.nodes(); m++) {
                if (holder[m] == Reservations.NONE && !kept[m] && fits(r, m) && !cutShort(r, m)
                        && topology.cards(m) >= topology.cards(n) && taken[m] <= taken[n]
                        && (instead < 0 || taken[m] < taken[instead])) {
                    instead = m;
                }
            }
            if (instead >= 0) {
                holder[n] = Reservations.NONE;
                holder[instead] = tenant;
                nodes.set(i, instead);
            }
        }
    }

    /**
     * Keeps nodes for each reservation whose window begins within the look-ahead, so that the core places there no
     * other tenant's non-preemptible job declared to run past its start, and the window finds them free of work its
     * holder could not reclaim. A node is kept for one reservation to come at a time, and only if it is in service
     * and not held by an open reservation whose window ends after this one begins. A reservation keeps its nodes
     * while they stay so (and holds them when its window opens); one short of nodes is given those with the least
     * of other tenants' work declared to run past its start, then the first in the topology's order. One that cannot
     * be given enough keeps what there is: at its start it holds what is in service then, as any reservation.
     */
    private Holds keepForStart(int[] holder, Instant[] heldUntil, List<ReservationRef> upcoming,
            ToIntFunction<UUID> tenantIndex, ToDoubleFunction<Instant> seconds, Work work) {
        int[] next = new int[holder.length];
        java.util.Arrays.fill(next, Reservations.NONE);
        double[] fromS = new double[holder.length];
        java.util.Arrays.fill(fromS, Double.POSITIVE_INFINITY);
        List<ReservationRef> byStart = new ArrayList<>(upcoming);
        byStart.sort(java.util.Comparator.comparing(ReservationRef::startAt));  // stable: bought order among alike
        Map<UUID, List<Integer>> nodesOf = new HashMap<>();
        for (ReservationRef r : byStart) {
            List<Integer> mine = new ArrayList<>();
            for (int n : held.getOrDefault(r.id(), new int[0])) {
                if (keepable(r, n, holder, heldUntil, next)) {
                    next[n] = tenantIndex.applyAsInt(r.tenantId());
                    mine.add(n);
                }
            }
            nodesOf.put(r.id(), mine);
        }
        for (ReservationRef r : byStart) {
            List<Integer> nodes = nodesOf.get(r.id());
            int tenant = tenantIndex.applyAsInt(r.tenantId());
            double startS = seconds.applyAsDouble(r.startAt());
            int cards = nodes.stream().mapToInt(topology::cards).sum();
            if (cards < r.cards()) {
                List<Integer> candidates = new ArrayList<>();
                for (int n = 0; n < topology.nodes(); n++) {
                    if (keepable(r, n, holder, heldUntil, next)) {
                        candidates.add(n);
                    }
                }
                long[] load = work.othersMilli(tenant, startS);
                candidates.sort(java.util.Comparator.comparingLong((Integer n) -> load[n]));
                for (int n : candidates) {
                    if (cards >= r.cards()) {
                        break;
                    }
                    next[n] = tenant;
                    nodes.add(n);
                    cards += topology.cards(n);
                }
            }
            for (int n : nodes) {
                fromS[n] = startS;
            }
            held.put(r.id(), nodes.stream().mapToInt(Integer::intValue).toArray());
        }
        for (int n = 0; n < holder.length; n++) {
            if (maintenanceFrom[n] != null && next[n] == Reservations.NONE) {
                next[n] = Reservations.MAINTENANCE;
                fromS[n] = seconds.applyAsDouble(maintenanceFrom[n]);
            }
        }
        return new Holds(holder, next, fromS);
    }

    /** Whether node {@code n}'s maintenance to come begins before reservation {@code r}'s window ends. */
    private boolean cutShort(ReservationRef r, int n) {
        return maintenanceFrom[n] != null && maintenanceFrom[n].isBefore(r.endAt());
    }

    /** Whether node {@code n} may be kept for reservation {@code r} to come ({@link #keepForStart}). */
    private boolean keepable(ReservationRef r, int n, int[] holder, Instant[] heldUntil, int[] next) {
        return next[n] == Reservations.NONE && fits(r, n) && !cutShort(r, n)
                && (holder[n] == Reservations.NONE || holder[n] >= 0 && !heldUntil[n].isAfter(r.startAt()));
    }

    /**
     * The nodes of each reservation as of the last {@link #hold}, by node index: those it holds ({@code HELD}) or keeps
     * for its window to come ({@code KEPT}), in the reservations' order.
     */
    List<Assigned> assigned() {
        return assigned;
    }

    /** A node given to a reservation: held (its window is open) or kept for its window to come. */
    record Assigned(int node, boolean kept, UUID reservationId) {}

    /** The cards the open reservations are short of, as of the last {@link #hold}: sold, but no node to hold them. */
    int shortCards() {
        return shortCards;
    }

    /** The open reservations short of cards, as of the last {@link #hold}, each with the cards it is short of. */
    Map<UUID, Integer> shortBy() {
        return shortBy;
    }

    /**
     * The nodes the reservation could be given now: those whose maintenance would not cut its window first, then the
     * least busy, then those not kept for a reservation to come, then in the topology's order.
     */
    private List<Integer> holdable(ReservationRef r, int[] holder, boolean[] kept, long[] busy) {
        List<Integer> nodes = new ArrayList<>();
        for (int n = 0; n < topology.nodes(); n++) {
            if (holder[n] == Reservations.NONE && fits(r, n)) {
                nodes.add(n);
            }
        }
        // Stable: the topology's order among alike.
        nodes.sort(java.util.Comparator.comparing((Integer n) -> cutShort(r, n)).thenComparingLong(n -> busy[n])
                .thenComparing(n -> kept[n]));
        return nodes;
    }

    /** Whether the node is of the reservation's model and block, with cards. */
    private boolean fits(ReservationRef r, int n) {
        return topology.cards(n) > 0 && topology.models().get(topology.model(n)).equals(r.model())
                && (r.block() == null || r.block().equals(blockOf[n]));
    }
}
