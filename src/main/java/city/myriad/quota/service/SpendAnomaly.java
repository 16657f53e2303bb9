package city.myriad.quota.service;

import java.util.Arrays;
import java.util.Optional;

/**
 * Whether a day's spend is an anomaly: above the median daily spend of the days before it (the baseline, 14 days) by
 * more than {@code percent}. The median, not the mean: one earlier spike does not raise the baseline, and a quiet
 * weekend does not lower it much. No baseline (a median of nothing spent: a new tenant, or one that spends on few
 * days) flags nothing: an anomaly is a change against a habit, and a budget's thresholds watch the first spending.
 * A floor in money may be asked for too: a day above the median by less than that amount is no anomaly, however
 * large the percentage (a habit of 0.20 a day doubled to 0.50 is not worth a call).
 */
public final class SpendAnomaly {

    /** The days before the day judged whose median is the baseline. */
    public static final int BASELINE_DAYS = 14;

    private SpendAnomaly() {}

    /** A day's spend against its baseline, both in minor units. */
    public record Found(long spentMinor, long baselineMinor) {}

    /**
     * {@code before}: the daily spends of the {@link #BASELINE_DAYS} days before the day, in minor units; found when
     * {@code spent} × 100 exceeds the median × (100 + percent) and {@code spent} is at least {@code minimumMinor}
     * above the median.
     */
    public static Optional<Found> of(long[] before, long spent, int percent, long minimumMinor) {
        long median = median(before);
        if (median <= 0) {
            return Optional.empty();
        }
        boolean above = Math.multiplyExact(spent, 100L) > Math.multiplyExact(median, 100L + percent)
                && spent - median >= minimumMinor;
        return above ? Optional.of(new Found(spent, median)) : Optional.empty();
    }

    /** {@link #of(long[], long, int, long)} without a floor in money. */
    public static Optional<Found> of(long[] before, long spent, int percent) {
        return of(before, spent, percent, 0);
    }

    /** The median, the lower of the two middle values of an even count (a baseline never rounded up). */
    static long median(long[] values) {
        if (values.length == 0) {
            return 0;
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(sorted.length - 1) / 2];
    }
}
