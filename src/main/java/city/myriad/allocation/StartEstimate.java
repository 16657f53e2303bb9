package city.myriad.allocation;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * When a job should start: the queue played first come, first served on the model's cards, CPU and memory, each
 * taken together over the model's nodes. Each running job frees what it holds at its declared end (start +
 * maxRunSeconds); each job queued ahead starts as soon as enough of all three is free and holds it for its own
 * maxRunSeconds; then the job asked about. An estimate, and a pessimistic one in time (jobs usually end before their
 * limit) but optimistic in place (it ignores how cards, CPU and memory are split across nodes and blocks,
 * backfilling, preemption of spot work and reservations starting later).
 */
public final class StartEstimate {

    /** What a job holds or needs: cards in thousandths, CPU in thousandths of a core, memory in MiB. */
    public record Need(long cardsMilli, long cpuMilli, long memoryMib) {

        public static Need cards(long cardsMilli) {
            return new Need(cardsMilli, 0, 0);
        }

        boolean within(Need free) {
            return cardsMilli <= free.cardsMilli && cpuMilli <= free.cpuMilli && memoryMib <= free.memoryMib;
        }

        Need plus(Need o) {
            return new Need(cardsMilli + o.cardsMilli, cpuMilli + o.cpuMilli, memoryMib + o.memoryMib);
        }

        Need minus(Need o) {
            return new Need(cardsMilli - o.cardsMilli, cpuMilli - o.cpuMilli, memoryMib - o.memoryMib);
        }
    }

    /** A job waiting ahead: what it needs and its longest run. */
    public record Waiting(Need need, long maxRunSeconds) {

        /** A job that asks cards only. */
        public Waiting(long cardsMilli, long maxRunSeconds) {
            this(Need.cards(cardsMilli), maxRunSeconds);
        }
    }

    /** A running job: what it holds and its declared end. */
    public record Running(Need holds, Instant endsAt) {

        /** A job that holds cards only. */
        public Running(long cardsMilli, Instant endsAt) {
            this(Need.cards(cardsMilli), endsAt);
        }
    }

    /**
     * The start of a job of {@code needMilli} cards behind {@code ahead}, with {@code capacityMilli} cards in service
     * and {@code running} holding some of them, CPU and memory not counted; empty if it can never fit.
     */
    public static Optional<Instant> earliest(long capacityMilli, List<Running> running, List<Waiting> ahead,
            long needMilli, Instant now) {
        return earliest(new Need(capacityMilli, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4), running, ahead,
                Need.cards(needMilli), now);
    }

    /**
     * The start of a job that needs {@code need} behind {@code ahead}, with {@code capacity} in service and
     * {@code running} holding some of it; empty if it can never fit.
     */
    public static Optional<Instant> earliest(Need capacity, List<Running> running, List<Waiting> ahead, Need need,
            Instant now) {
        if (!need.within(capacity)) {
            return Optional.empty();
        }
        PriorityQueue<Running> ends = new PriorityQueue<>((a, b) -> a.endsAt().compareTo(b.endsAt()));
        Need free = capacity;
        for (Running r : running) {
            ends.add(r);
            free = free.minus(r.holds());
        }
        Instant t = now;
        for (Waiting w : ahead) {
            if (!w.need().within(capacity)) {
                continue;  // never fits: the loop fails it, it holds nothing
            }
            while (!w.need().within(free)) {
                Running freed = ends.poll();
                t = later(t, freed.endsAt());
                free = free.plus(freed.holds());
            }
            free = free.minus(w.need());
            ends.add(new Running(w.need(), t.plusSeconds(w.maxRunSeconds())));
        }
        while (!need.within(free)) {
            Running freed = ends.poll();
            t = later(t, freed.endsAt());
            free = free.plus(freed.holds());
        }
        return Optional.of(t);
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private StartEstimate() {}
}
