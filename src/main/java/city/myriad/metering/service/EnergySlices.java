package city.myriad.metering.service;

import city.myriad.metering.model.HourSlices.Slice;
import java.math.BigInteger;
import java.util.List;

/**
 * An event's energy spread over the hours its interval covers, as its card-seconds are: each hour's share in
 * proportion to its card-milli-seconds, in whole milli-watt-hours that sum to the event's exactly (each hour takes
 * what the running total reaches at its end, rounded down, less what the hours before took). An event of no whole
 * card-second puts all of it in its first hour.
 */
final class EnergySlices {

    private EnergySlices() {}

    static long[] split(long milliWh, List<Slice> slices) {
        long[] out = new long[slices.size()];
        if (slices.isEmpty()) {
            return out;
        }
        long total = slices.stream().mapToLong(Slice::cardMilliSeconds).sum();
        if (total == 0) {
            out[0] = milliWh;
            return out;
        }
        BigInteger energy = BigInteger.valueOf(milliWh);
        BigInteger whole = BigInteger.valueOf(total);
        long cumulative = 0;
        long given = 0;
        for (int i = 0; i < out.length; i++) {
            cumulative += slices.get(i).cardMilliSeconds();
            long reached = energy.multiply(BigInteger.valueOf(cumulative)).divide(whole).longValueExact();
            out[i] = reached - given;
            given = reached;
        }
        return out;
    }
}
