package city.myriad.market.model;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * When each version of a cluster's price book was, is or will be in force. Rule (design/scheduled-prices.md): at
 * time t the book in force is the newest version effective by t. So a version is in force from its effectiveAt until
 * the earliest effectiveAt of a newer version; a version that a newer one reaches at or before its own effectiveAt is
 * never in force (superseded). Pure.
 */
public final class PriceBookTimeline {

    /** A version's standing now. */
    public enum Status {
        /** In force now. */
        IN_FORCE,
        /** To come into force at its effectiveAt. */
        SCHEDULED,
        /** Was in force, until a newer version took over. */
        RETIRED,
        /** Never in force: a newer version took over at or before its effectiveAt. */
        SUPERSEDED
    }

    /** A version's effectiveAt, as stored. */
    public record Entry(int version, Instant effectiveAt) {}

    /** Its status, and when it stops (or stopped) being in force: null for none yet, or never in force. */
    public record Standing(Status status, Instant inForceUntil) {}

    private PriceBookTimeline() {}

    /** The standing at {@code now} of each version of one cluster's book ({@code entries}, in any order). */
    public static Map<Integer, Standing> at(List<Entry> entries, Instant now) {
        Map<Integer, Standing> out = new HashMap<>();
        for (Entry v : entries) {
            Instant until = null;
            boolean superseded = false;
            for (Entry w : entries) {
                if (w.version() > v.version()) {
                    if (!w.effectiveAt().isAfter(v.effectiveAt())) {
                        superseded = true;
                    } else if (until == null || w.effectiveAt().isBefore(until)) {
                        until = w.effectiveAt();
                    }
                }
            }
            Standing s;
            if (superseded) {
                s = new Standing(Status.SUPERSEDED, null);
            } else if (v.effectiveAt().isAfter(now)) {
                s = new Standing(Status.SCHEDULED, until);
            } else if (until != null && !until.isAfter(now)) {
                s = new Standing(Status.RETIRED, until);
            } else {
                s = new Standing(Status.IN_FORCE, until);
            }
            out.put(v.version(), s);
        }
        return out;
    }
}
