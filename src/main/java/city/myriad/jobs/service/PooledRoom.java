package city.myriad.jobs.service;

import city.myriad.allocation.StartEstimate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * What the loop's admission counts besides the nodes (a reservation's cards, a card quota, an array's
 * {@code maxRunning}) as a pool a start estimate plays before it plans the queue on the nodes: the runs counted
 * against the pool end at their declared ends, and the queued jobs it counts, in the queue's order, each take
 * their part from their own turn for their maxRunSeconds. Each one's earliest start moves to when the pool has room
 * for it ({@code StartEstimate.startsPooled}); never earlier than its own.
 */
final class PooledRoom {

    private PooledRoom() {}

    /**
     * Moves the earliest start of the jobs of {@code queue} at {@code indices} (in the queue's order) to when
     * {@code pool} has room for what each takes of it ({@code takes}: from its need; the pool's other dimensions
     * should be unbounded) around {@code running}. A job taking more than the whole pool keeps its own earliest.
     */
    static void play(List<StartEstimate.Waiting> queue, List<Integer> indices, StartEstimate.Need pool,
            List<StartEstimate.Running> running, UnaryOperator<StartEstimate.Need> takes, Instant now) {
        List<StartEstimate.Waiting> theirs = indices.stream().map(queue::get)
                .map(w -> new StartEstimate.Waiting(takes.apply(w.need()), w.maxRunSeconds(), w.oneBlock(),
                        w.tenant(), w.preemptible(), w.notBefore()))
                .toList();
        List<Optional<Instant>> rooms = StartEstimate.startsPooled(pool, running, theirs, now);
        for (int k = 0; k < indices.size(); k++) {
            StartEstimate.Waiting w = queue.get(indices.get(k));
            Optional<Instant> room = rooms.get(k);
            Instant own = w.notBefore() == null ? now : w.notBefore();
            if (room.isPresent() && room.get().isAfter(own)) {
                queue.set(indices.get(k), new StartEstimate.Waiting(w.need(), w.maxRunSeconds(), w.oneBlock(),
                        w.tenant(), w.preemptible(), room.get()));
            }
        }
    }

    /** A pool of {@code amount} in the cards dimension, the CPU and memory unbounded. */
    static StartEstimate.Need cards(long amount) {
        return new StartEstimate.Need(amount, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4);
    }

    /** What a job takes of a pool that counts its cards only. */
    static StartEstimate.Need cardsOf(StartEstimate.Need need) {
        return StartEstimate.Need.cards(need.cardsMilli());
    }
}
