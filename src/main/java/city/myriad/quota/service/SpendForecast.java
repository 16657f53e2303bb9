package city.myriad.quota.service;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;

/**
 * A month's spend at its pace so far: what is fixed for the month (reservations bought in it), plus what usage has
 * cost so far, plus the rest of the month at the average hourly cost of that usage. The average is taken over at least
 * {@link #LEAST_BASIS} (a day), so that one job in a month's first hour is not extrapolated to the whole month; in the
 * month's first day the forecast is therefore low, and it converges on the pace as the month goes on. Rounded
 * half-even once, in minor units. Pure: no clock, no store.
 */
public final class SpendForecast {

    /** The shortest stretch the pace is averaged over. */
    public static final Duration LEAST_BASIS = Duration.ofDays(1);

    private SpendForecast() {}

    /** The forecast for the month of {@code now}, in minor units. */
    public static long of(long fixedMinor, long usedMinor, Instant now) {
        YearMonth month = YearMonth.from(now.atOffset(ZoneOffset.UTC));
        Instant start = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant end = month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        long elapsed = Math.max(Duration.between(start, now).toMillis(), LEAST_BASIS.toMillis());
        long remaining = Math.max(0, Duration.between(now, end).toMillis());
        long rest = BigDecimal.valueOf(Math.max(0, usedMinor)).multiply(BigDecimal.valueOf(remaining))
                .divide(BigDecimal.valueOf(elapsed), 0, RoundingMode.HALF_EVEN).longValueExact();
        return Math.addExact(Math.addExact(fixedMinor, usedMinor), rest);
    }
}
