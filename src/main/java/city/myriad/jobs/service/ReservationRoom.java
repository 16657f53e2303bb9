package city.myriad.jobs.service;

import city.myriad.allocation.StartEstimate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A RESERVED job runs on what its reservation bought, counted: the scheduling loop admits it only while the
 * reservation's running jobs and it fit in the reservation's cards ({@code RESERVATION_FULL} otherwise), whatever
 * else is idle. A start estimate planned on the nodes alone would tell such a job "now" beside an idle node. So before
 * the queue is planned, each RESERVED job in it is given, as the earliest it may start, when its reservation has room
 * for it: the reservation's running jobs ending at their declared ends, and its jobs ahead in the queue (in the
 * queue's order) each taking its cards for its maxRunSeconds from its own turn, never before the window opens.
 */
final class ReservationRoom {

    /** A reservation as the estimate reads it: its cards (milli) and its running jobs' holdings and declared ends. */
    record Use(long cardsMilli, List<StartEstimate.Running> running) {}

    private ReservationRoom() {}

    /**
     * {@code queue} with each RESERVED job's {@code notBefore} moved to when its reservation has room for it
     * ({@code reservationOf} gives each job's reservation, null for none; a reservation missing from {@code uses} is
     * left as it is). A job asking more than its reservation's cards keeps its own (the loop fails it).
     */
    static List<StartEstimate.Waiting> apply(List<StartEstimate.Waiting> queue, List<UUID> reservationOf,
            Map<UUID, Use> uses, Instant now) {
        Map<UUID, List<Integer>> byReservation = new LinkedHashMap<>();
        for (int i = 0; i < queue.size(); i++) {
            UUID r = reservationOf.get(i);
            if (r != null && uses.containsKey(r)) {
                byReservation.computeIfAbsent(r, k -> new ArrayList<>()).add(i);
            }
        }
        if (byReservation.isEmpty()) {
            return queue;
        }
        List<StartEstimate.Waiting> out = new ArrayList<>(queue);
        byReservation.forEach((reservation, indices) -> {
            Use use = uses.get(reservation);
            PooledRoom.play(out, indices, PooledRoom.cards(use.cardsMilli()), use.running(), PooledRoom::cardsOf,
                    now);
        });
        return out;
    }
}
