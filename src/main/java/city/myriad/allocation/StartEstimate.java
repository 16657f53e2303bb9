package city.myriad.allocation;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * When a job should start: the queue played first come, first served on the model's cards taken together. Each
 * running job frees its cards at its declared end (start + maxRunSeconds); each job queued ahead starts as soon as
 * enough cards are free and holds them for its own maxRunSeconds; then the job asked about. An estimate, and a
 * pessimistic one in time (jobs usually end before their limit) but optimistic in place (it ignores how cards are
 * split across nodes and blocks, backfilling, preemption of spot work and reservations starting later).
 */
public final class StartEstimate {

    /** A job waiting ahead: its cards in thousandths and its longest run. */
    public record Waiting(long cardsMilli, long maxRunSeconds) {}

    /** A running job: its cards in thousandths and its declared end. */
    public record Running(long cardsMilli, Instant endsAt) {}

    /**
     * The start of a job of {@code needMilli} behind {@code ahead}, with {@code capacityMilli} cards in service
     * and {@code running} holding some of them; empty if it can never fit.
     */
    public static Optional<Instant> earliest(long capacityMilli, List<Running> running, List<Waiting> ahead,
            long needMilli, Instant now) {
        if (needMilli > capacityMilli) {
            return Optional.empty();
        }
        PriorityQueue<Running> ends = new PriorityQueue<>((a, b) -> a.endsAt().compareTo(b.endsAt()));
        long free = capacityMilli;
        for (Running r : running) {
            ends.add(r);
            free -= r.cardsMilli();
        }
        Instant t = now;
        for (Waiting w : ahead) {
            if (w.cardsMilli() > capacityMilli) {
                continue;  // never fits: the loop fails it, it holds nothing
            }
            while (free < w.cardsMilli()) {
                Running freed = ends.poll();
                t = later(t, freed.endsAt());
                free += freed.cardsMilli();
            }
            free -= w.cardsMilli();
            ends.add(new Running(w.cardsMilli(), t.plusSeconds(w.maxRunSeconds())));
        }
        while (free < needMilli) {
            Running freed = ends.poll();
            t = later(t, freed.endsAt());
            free += freed.cardsMilli();
        }
        return Optional.of(t);
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private StartEstimate() {}
}
