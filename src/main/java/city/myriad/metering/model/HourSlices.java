package city.myriad.metering.model;

import city.myriad.platform.money.Charges;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a run (or a measured interval) into the UTC hours it covers, so that each hour is counted where it
 * belongs. Rules that make the hours add up exactly:
 * <ul>
 * <li>Time is counted in whole seconds from the start, as a run is charged: the hour ending at boundary b gets
 * {@code floor(b - start) - floor(previous boundary - start)} seconds, so the hours sum to the whole seconds of
 * the interval, never one more or less.</li>
 * <li>Cost is telescoped the same way: an hour's cost is the charge of the run up to its end less the charge up to
 * its start (each rounded half-even to a minor unit as {@link Charges} does), so the hours of a run sum to the
 * run's charge exactly.</li>
 * </ul>
 */
public final class HourSlices {

    /** One hour's part: card-seconds in thousandths of a card, and cost in minor units. */
    public record Slice(Instant hour, long seconds, long cardMilliSeconds, long costMinor) {}

    private HourSlices() {}

    /** The hours of [start, end) for {@code cardsMilli} at {@code unitPriceMinor} per card-hour (0: no cost). */
    public static List<Slice> of(Instant start, Instant end, int cardsMilli, long unitPriceMinor) {
        List<Slice> slices = new ArrayList<>();
        if (!end.isAfter(start)) {
            return slices;
        }
        long total = Duration.between(start, end).getSeconds();
        long before = 0;
        long chargedBefore = 0;
        Instant hour = start.truncatedTo(ChronoUnit.HOURS);
        while (before < total) {
            Instant next = hour.plus(1, ChronoUnit.HOURS);
            long upTo = next.isBefore(end) ? Duration.between(start, next).getSeconds() : total;
            long charged = unitPriceMinor == 0 ? 0 : Charges.of(unitPriceMinor, cardsMilli, Duration.ofSeconds(upTo));
            long seconds = upTo - before;
            if (seconds > 0) {
                slices.add(new Slice(hour, seconds, seconds * cardsMilli, charged - chargedBefore));
            }
            before = upTo;
            chargedBefore = charged;
            hour = next;
        }
        return slices;
    }
}
