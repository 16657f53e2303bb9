package city.myriad.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;

import city.myriad.quota.service.SpendForecast;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The month's forecast by hand: reservations + used + the rest of the month at the pace so far (over a day at least). */
class SpendForecastTest {

    @Test
    void the_rest_of_the_month_goes_at_the_pace_so_far() {
        // November has 30 days; 10 gone: 1,000 used -> 2,000 more in the 20 to come, plus 500 of reservations.
        assertEquals(3_500, SpendForecast.of(500, 1_000, Instant.parse("2026-11-11T00:00:00Z")));
        // Half of December's 31 days gone: the other half costs as much again.
        assertEquals(2_000, SpendForecast.of(0, 1_000, Instant.parse("2026-12-16T12:00:00Z")));
    }

    @Test
    void in_the_first_day_the_pace_is_taken_over_a_whole_day() {
        // One hour into November, 100 used: not 100 an hour for 719 more hours, but 100 a day for 29 days 23 hours.
        assertEquals(100 + 2_996, SpendForecast.of(0, 100, Instant.parse("2026-11-01T01:00:00Z")));
        // At the very start nothing used forecasts the reservations alone.
        assertEquals(700, SpendForecast.of(700, 0, Instant.parse("2026-11-01T00:00:00Z")));
    }

    @Test
    void at_the_months_end_the_forecast_is_what_was_spent_and_rounding_is_half_even_once() {
        assertEquals(1_500, SpendForecast.of(500, 1_000, Instant.parse("2026-11-30T23:59:59.999Z")));
        // A leap February: 28 of 29 days gone, 1 to come: 7 x 1/28 = 0.25 -> 0.
        assertEquals(7, SpendForecast.of(0, 7, Instant.parse("2028-02-29T00:00:00Z")));
        // November, 20 days gone, 10 to come: 5 x 10/20 = 2.5 -> 2 (half-even).
        assertEquals(5 + 2, SpendForecast.of(0, 5, Instant.parse("2026-11-21T00:00:00Z")));
        // 7 x 10/20 = 3.5 -> 4.
        assertEquals(7 + 4, SpendForecast.of(0, 7, Instant.parse("2026-11-21T00:00:00Z")));
    }
}
