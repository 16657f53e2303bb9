package city.myriad.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.metering.model.HourSlices;
import city.myriad.metering.model.HourSlices.Slice;
import city.myriad.platform.time.Period;
import city.myriad.platform.money.Charges;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** The rounding rules of docs/metering.md: hours add up to the run, in seconds and in minor units. */
class HourSlicesTest {

    static final Instant BASE = Instant.parse("2026-11-29T00:00:00Z");

    @Property(tries = 2000)
    void the_hours_of_a_run_sum_to_its_whole_seconds_and_its_charge(
            @ForAll @LongRange(min = 0, max = 200_000_000) long startMillis,
            @ForAll @LongRange(min = 0, max = 400_000_000) long lengthMillis,
            @ForAll @IntRange(min = 1, max = 64_000) int cardsMilli,
            @ForAll @LongRange(min = 0, max = 1_000_000) long unitPrice) {
        Instant start = BASE.plusMillis(startMillis);
        Instant end = start.plusMillis(lengthMillis);
        List<Slice> slices = HourSlices.of(start, end, cardsMilli, unitPrice);
        long seconds = Duration.between(start, end).getSeconds();
        assertEquals(seconds, slices.stream().mapToLong(Slice::seconds).sum());
        assertEquals(seconds * cardsMilli, slices.stream().mapToLong(Slice::cardMilliSeconds).sum());
        assertEquals(Charges.of(unitPrice, cardsMilli, Duration.between(start, end)),
                slices.stream().mapToLong(Slice::costMinor).sum());
        for (int i = 0; i < slices.size(); i++) {
            Slice s = slices.get(i);
            assertEquals(s.hour(), s.hour().truncatedTo(ChronoUnit.HOURS));
            assertTrue(s.seconds() > 0 && s.seconds() <= 3600, "an hour holds at most 3600 s: " + s);
            assertTrue(s.costMinor() >= 0);
            if (i > 0) {
                assertTrue(s.hour().isAfter(slices.get(i - 1).hour()));
            }
        }
    }

    @Test
    void a_run_across_midnight_of_a_month_end_is_split_at_the_hour() {
        Instant start = Instant.parse("2026-10-31T23:30:00.400Z");
        List<Slice> slices = HourSlices.of(start, start.plusSeconds(3600), 8000, 1200);
        assertEquals(2, slices.size());
        assertEquals(Instant.parse("2026-10-31T23:00:00Z"), slices.get(0).hour());
        assertEquals(1799, slices.get(0).seconds(), "floor(23:59:59.999... - 23:30:00.4) = 1799 s");
        assertEquals(1801, slices.get(1).seconds());
        assertEquals("2026-10", Period.of(slices.get(0).hour()).toString());
        assertEquals("2026-11", Period.of(slices.get(1).hour()).toString());
        assertEquals(9600, slices.get(0).costMinor() + slices.get(1).costMinor(), "8 cards x 1 h x 12.00");
    }

    @Test
    void an_interval_under_a_second_has_no_hour() {
        assertEquals(List.of(), HourSlices.of(BASE, BASE.plusMillis(999), 1000, 1200));
        assertEquals(List.of(), HourSlices.of(BASE, BASE, 1000, 1200));
    }

    @Test
    void periods_parse_only_months() {
        assertEquals("2026-11", Period.parse("2026-11").orElseThrow().toString());
        assertTrue(Period.parse("2026-13").isEmpty());
        assertTrue(Period.parse("2026-1").isEmpty());
        assertTrue(Period.parse("26-11").isEmpty());
        assertEquals(Instant.parse("2026-12-01T00:00:00Z"), Period.parse("2026-11").orElseThrow().end());
    }
}
