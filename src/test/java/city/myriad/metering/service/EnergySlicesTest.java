package city.myriad.metering.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.metering.model.HourSlices;
import city.myriad.metering.model.HourSlices.Slice;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** An event's energy over the hours it covers: shares of its card-seconds, summing to it to the milli-watt-hour. */
class EnergySlicesTest {

    static final Instant BASE = Instant.parse("2026-11-29T00:00:00Z");

    @Property(tries = 2000)
    void the_hours_share_the_energy_in_proportion_and_sum_to_it_exactly(
            @ForAll @LongRange(min = 0, max = 200_000_000) long startMillis,
            @ForAll @LongRange(min = 1, max = 400_000_000) long lengthMillis,
            @ForAll @IntRange(min = 1, max = 64_000) int cardsMilli,
            @ForAll @LongRange(min = 0, max = 1_000_000_000_000_000L) long milliWh) {
        Instant start = BASE.plusMillis(startMillis);
        List<Slice> slices = HourSlices.of(start, start.plusMillis(lengthMillis), cardsMilli, 0);
        long[] shares = EnergySlices.split(milliWh, slices);
        assertEquals(slices.size(), shares.length);
        if (slices.isEmpty()) {
            return;
        }
        assertEquals(milliWh, Arrays.stream(shares).sum(), "to the milli-watt-hour");
        long total = slices.stream().mapToLong(Slice::cardMilliSeconds).sum();
        for (int i = 0; i < shares.length; i++) {
            assertTrue(shares[i] >= 0);
            if (total > 0) {  // each hour's share within one milli-watt-hour of its exact proportion
                double exact = (double) milliWh * slices.get(i).cardMilliSeconds() / total;
                assertTrue(Math.abs(shares[i] - exact) <= 1 + exact * 1e-12, shares[i] + " against " + exact);
            }
        }
    }

    @Test
    void thirds_round_down_as_the_running_total_reaches_them_and_no_card_second_puts_it_all_first() {
        Instant h = Instant.parse("2026-11-29T10:00:00Z");
        List<Slice> three = List.of(new Slice(h, 1, 1000, 0), new Slice(h.plusSeconds(3600), 1, 1000, 0),
                new Slice(h.plusSeconds(7200), 1, 1000, 0));
        assertArrayEquals(new long[] {333, 334, 334}, EnergySlices.split(1001, three));
        List<Slice> none = List.of(new Slice(h, 0, 0, 0), new Slice(h.plusSeconds(3600), 0, 0, 0));
        assertArrayEquals(new long[] {5, 0}, EnergySlices.split(5, none));
        assertArrayEquals(new long[0], EnergySlices.split(5, List.of()));
    }
}
