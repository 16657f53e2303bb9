package city.myriad.market.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import city.myriad.market.model.PriceBookTimeline.Entry;
import city.myriad.market.model.PriceBookTimeline.Standing;
import city.myriad.market.model.PriceBookTimeline.Status;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each version's standing, by hand: in force from its time until a newer one's, never if a newer one came first. */
class PriceBookTimelineTest {

    static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    static Instant day(int d) {
        return Instant.parse("2026-12-01T00:00:00Z").plusSeconds(86_400L * (d - 1));
    }

    @Test
    void each_version_holds_from_its_time_until_the_next_and_a_later_one_can_supersede_an_announced_one() {
        List<Entry> versions = List.of(
                new Entry(1, day(1)),    // in force 1-3 Dec
                new Entry(2, day(3)),    // in force 3 Dec to now, until 10 Dec (version 5)
                new Entry(3, day(20)),   // announced for 20 Dec, then superseded by 4 (set later, for 15 Dec)
                new Entry(4, day(15)),   // would run from 15 Dec... but version 5 comes on 10 Dec, and 4 after it
                new Entry(5, day(10)));  // from 10 Dec
        Map<Integer, Standing> at = PriceBookTimeline.at(versions, NOW);
        assertEquals(new Standing(Status.RETIRED, day(3)), at.get(1));
        assertEquals(new Standing(Status.IN_FORCE, day(10)), at.get(2));
        assertEquals(new Standing(Status.SUPERSEDED, null), at.get(3));
        assertEquals(new Standing(Status.SUPERSEDED, null), at.get(4), "version 5, newer, comes before its time");
        assertEquals(new Standing(Status.SCHEDULED, null), at.get(5));
    }

    @Test
    void the_newest_in_force_has_no_end_and_one_set_for_the_same_instant_as_a_newer_one_never_holds() {
        Map<Integer, Standing> at = PriceBookTimeline.at(List.of(new Entry(1, day(1)), new Entry(2, day(2)),
                new Entry(3, day(2))), NOW);
        assertEquals(new Standing(Status.RETIRED, day(2)), at.get(1));
        assertEquals(new Standing(Status.SUPERSEDED, null), at.get(2));
        assertEquals(new Standing(Status.IN_FORCE, null), at.get(3));
        // A version effective exactly now is in force, the one before it retired now.
        Map<Integer, Standing> exact = PriceBookTimeline.at(List.of(new Entry(1, day(1)), new Entry(2, NOW)), NOW);
        assertEquals(new Standing(Status.RETIRED, NOW), exact.get(1));
        assertEquals(new Standing(Status.IN_FORCE, null), exact.get(2));
    }
}
