package city.myriad.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.quota.service.SpendAnomaly;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A day's spend against the median of the 14 days before it. */
class SpendAnomalyTest {

    static long[] days(long... spends) {
        return spends;
    }

    @Test
    void a_day_above_the_median_by_more_than_the_percentage_is_an_anomaly_and_one_at_it_is_not() {
        long[] habit = new long[14];
        Arrays.fill(habit, 1_000);
        assertEquals(new SpendAnomaly.Found(2_001, 1_000), SpendAnomaly.of(habit, 2_001, 100).orElseThrow());
        assertTrue(SpendAnomaly.of(habit, 2_000, 100).isEmpty(), "exactly twice the median is not above 100% more");
        assertTrue(SpendAnomaly.of(habit, 1_100, 10).isEmpty());
        assertEquals(1_101, SpendAnomaly.of(habit, 1_101, 10).orElseThrow().spentMinor());
    }

    @Test
    void a_floor_in_money_keeps_a_small_habit_multiplied_from_being_an_anomaly() {
        long[] habit = new long[14];
        Arrays.fill(habit, 20);  // 0.20 a day
        assertTrue(SpendAnomaly.of(habit, 50, 10).isPresent(), "without a floor, 0.50 is 150% above");
        assertTrue(SpendAnomaly.of(habit, 50, 10, 10_000).isEmpty(), "0.30 above is less than 100.00");
        assertEquals(10_020, SpendAnomaly.of(habit, 10_020, 10, 10_000).orElseThrow().spentMinor(),
                "exactly the floor above the median");
        assertTrue(SpendAnomaly.of(habit, 10_019, 10, 10_000).isEmpty());
        // Both must hold: the floor passed but not the percentage.
        Arrays.fill(habit, 100_000);
        assertTrue(SpendAnomaly.of(habit, 110_000, 50, 10_000).isEmpty(), "10% above is not 50% above");
    }

    @Test
    void the_baseline_is_the_median_so_one_earlier_spike_does_not_raise_it() {
        long[] withSpike = days(1_000, 1_000, 1_000, 90_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000,
                1_000, 1_000);
        // The mean would be 7,357: a day of 5,000 would pass; against the median (1,000) it is 400% above.
        assertEquals(1_000, SpendAnomaly.of(withSpike, 5_000, 300).orElseThrow().baselineMinor());
        // An even count takes the lower middle value: 8 days of 500 and 6 of 3,000 -> 500.
        long[] even = days(500, 500, 500, 500, 500, 500, 500, 500, 3_000, 3_000, 3_000, 3_000, 3_000, 3_000);
        assertEquals(500, SpendAnomaly.of(even, 1_001, 100).orElseThrow().baselineMinor());
    }

    @Test
    void without_a_habit_of_spending_nothing_is_an_anomaly() {
        assertTrue(SpendAnomaly.of(new long[14], 1_000_000, 10).isEmpty(), "nothing spent before: no baseline");
        // Spending on 6 days of 14: the median is 0, no baseline either.
        long[] rare = days(0, 0, 0, 0, 0, 0, 0, 0, 5_000, 5_000, 5_000, 5_000, 5_000, 5_000);
        assertTrue(SpendAnomaly.of(rare, 50_000, 10).isEmpty());
    }
}
