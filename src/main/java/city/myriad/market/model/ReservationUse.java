package city.myriad.market.model;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * How much of a reservation's card time its jobs used: the card-seconds its jobs ran within its window up to now,
 * against the card-seconds reserved over the same time, in all and per UTC day. What a tenant weighs before
 * extending or buying again, and what finance calls the reservation's utilization (the unused part was paid and
 * idle). Pure: the runs come in, figures come out.
 *
 * <p>A run counts from its start to its end (a running one: to {@code upto}), clipped to [{@code from}, {@code upto}).
 * Its cards are its own (a fraction of a card counts as such). Reserved time is the reservation's cards over the same
 * stretch. Nothing is reserved before the window opens: a reservation that has not begun has no figures.
 */
public final class ReservationUse {

    /** A run of one of its jobs: milli-cards from {@code start} to {@code end} (null: still running). */
    public record Run(long cardsMilli, Instant start, Instant end) {}

    /** Card-milliseconds reserved and used within one UTC day (or the whole stretch). */
    public record Span(LocalDate day, long reservedCardMillis, long usedCardMillis) {
        /** Used over reserved, 0 to 1 (4 decimals, half-even); null when nothing was reserved. */
        public BigDecimal utilization() {
            return reservedCardMillis == 0 ? null : BigDecimal.valueOf(usedCardMillis)
                    .divide(BigDecimal.valueOf(reservedCardMillis), 4, RoundingMode.HALF_EVEN);
        }
    }

    private final Span total;
    private final List<Span> days;

    private ReservationUse(Span total, List<Span> days) {
        this.total = total;
        this.days = List.copyOf(days);
    }

    /**
     * The use of {@code cards} reserved from {@code from} to {@code upto} (the window's start and the earlier of its end
     * and now) by {@code runs}. A run's time outside the stretch is not counted; neither is more than the reservation's
     * cards at once (jobs of it never take more, but a clock skew between a run's start and the window's must not
     * make the use pass 100%).
     */
    public static ReservationUse of(int cards, Instant from, Instant upto, List<Run> runs) {
        if (!upto.isAfter(from)) {
            return new ReservationUse(new Span(null, 0, 0), List.of());
        }
        List<Span> days = new ArrayList<>();
        long reservedAll = 0;
        long usedAll = 0;
        for (Instant dayStart = from; dayStart.isBefore(upto); ) {
            Instant next = LocalDate.ofInstant(dayStart, ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC)
                    .toInstant();
            Instant dayEnd = next.isBefore(upto) ? next : upto;
            long reserved = cards * Duration.between(dayStart, dayEnd).toMillis();
            long used = 0;
            for (Run r : runs) {
                Instant a = r.start().isAfter(dayStart) ? r.start() : dayStart;
                Instant end = r.end() == null ? upto : r.end();
                Instant b = end.isBefore(dayEnd) ? end : dayEnd;
                if (b.isAfter(a)) {
                    used += r.cardsMilli() * Duration.between(a, b).toMillis() / 1000L;
                }
            }
            used = Math.min(used, reserved);
            days.add(new Span(LocalDate.ofInstant(dayStart, ZoneOffset.UTC), reserved, used));
            reservedAll += reserved;
            usedAll += used;
            dayStart = dayEnd;
        }
        return new ReservationUse(new Span(null, reservedAll, usedAll), days);
    }

    /** The whole stretch ({@code day} null). */
    public Span total() {
        return total;
    }

    /** Per UTC day, in order; the first and last may be part days. */
    public List<Span> days() {
        return days;
    }
}
