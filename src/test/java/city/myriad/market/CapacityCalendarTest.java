package city.myriad.market;

import static org.junit.jupiter.api.Assertions.assertEquals;

import city.myriad.market.model.CapacityCalendar;
import city.myriad.market.model.CapacityCalendar.Hold;
import city.myriad.market.model.CapacityCalendar.Placement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Whether one more reservation fits the calendar, and the earliest window that would, computed by hand. */
class CapacityCalendarTest {

    static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    static Instant h(int hours) {
        return T0.plus(Duration.ofHours(hours));
    }

    /** Two blocks of 8 cards; 6 held anywhere from 0 to 4 h, 5 held in block b2 from 2 to 6 h. */
    static final CapacityCalendar CALENDAR = new CapacityCalendar(Map.of("b1", 8, "b2", 8),
            List.of(new Hold(h(0), h(4), 6, null), new Hold(h(2), h(6), 5, "b2")));

    @Test
    void cards_taken_away_must_still_carry_every_hold_from_now_on() {
        List<Hold> holds = List.of(new Hold(h(0), h(4), 6, null), new Hold(h(2), h(6), 5, "b2"));
        assertEquals(null, CALENDAR.overbooked(h(0)), "what was sold fits");
        // 11 held at once from 2 h to 4 h: 12 cards carry them, 10 do not; from 4 h on only the 5 in b2 are held.
        assertEquals(null, new CapacityCalendar(Map.of("b1", 4, "b2", 8), holds).overbooked(h(0)));
        assertEquals("reservations hold up to 11 cards at once, 10 would be left",
                new CapacityCalendar(Map.of("b1", 2, "b2", 8), holds).overbooked(h(0)));
        assertEquals(null, new CapacityCalendar(Map.of("b2", 5), holds).overbooked(h(4)), "the past is not checked");
        assertEquals("same-block reservations hold up to 5 cards of block b2 at once, 4 would be left",
                new CapacityCalendar(Map.of("b1", 8, "b2", 4), holds).overbooked(h(0)));
        assertEquals("same-block reservations hold up to 5 cards of block b2 at once, 0 would be left",
                new CapacityCalendar(Map.of("b1", 16), holds).overbooked(h(5)), "a block gone has no cards");
        assertEquals(null, new CapacityCalendar(Map.of(), List.of()).overbooked(h(0)), "nothing sold");
    }

    @Test
    void an_extension_goes_as_far_as_its_cards_stay_free_in_its_block() {
        assertEquals(Optional.of(h(8)), CALENDAR.latestEnd(h(0), h(8), 5, null), "11 held at 2 h: 5 still fit");
        assertEquals(Optional.of(h(2)), CALENDAR.latestEnd(h(0), h(8), 6, null), "6 fit until b2's 5 begin");
        assertEquals(Optional.of(h(2)), CALENDAR.latestEnd(h(0), h(2), 6, null), "a hold from the new end is no matter");
        assertEquals(Optional.empty(), CALENDAR.latestEnd(h(2), h(8), 6, null), "not a moment: 16 - 11 = 5 at 2 h");
        assertEquals(Optional.of(h(2)), CALENDAR.latestEnd(h(0), h(8), 4, "b2"), "b2 has 8 - 5 = 3 from 2 h");
        assertEquals(Optional.of(h(8)), CALENDAR.latestEnd(h(0), h(8), 3, "b2"));
        assertEquals(Optional.of(h(8)), CALENDAR.latestEnd(h(4), h(8), 8, "b1"), "b1 is free from 4 h");
        assertEquals(Optional.empty(), CALENDAR.latestEnd(h(0), h(8), 9, "b1"), "no block has 9 cards");
    }

    @Test
    void what_is_left_at_the_busiest_instant_is_what_can_be_sold() {
        assertEquals(Optional.of(new Placement(null)), CALENDAR.fit(h(0), h(2), 10, false), "16 - 6 = 10 free");
        assertEquals(Optional.empty(), CALENDAR.fit(h(0), h(3), 6, false), "at 2 h only 16 - 11 = 5 are free");
        assertEquals(Optional.of(new Placement(null)), CALENDAR.fit(h(4), h(8), 11, false), "from 4 h: 16 - 5");
        assertEquals(Optional.of(new Placement(null)), CALENDAR.fit(h(6), h(7), 16, false), "from 6 h: all");
    }

    @Test
    void a_same_block_reservation_needs_its_cards_inside_one_block() {
        assertEquals(Optional.of(new Placement("b1")), CALENDAR.fit(h(4), h(5), 8, true));
        assertEquals(Optional.of(new Placement("b1")), CALENDAR.fit(h(6), h(7), 8, true), "both free: b1 first");
        assertEquals(Optional.of(new Placement("b1")), CALENDAR.fit(h(2), h(3), 5, true),
                "b2 has 3 left; the 6 held anywhere take 3 of b2 and 3 of b1, which leaves 5 in b1");
        assertEquals(Optional.empty(), CALENDAR.fit(h(2), h(3), 6, true), "16 - 11 = 5 at 2 h");
        assertEquals(Optional.empty(), CALENDAR.fit(h(4), h(5), 9, true), "no block has 9 cards");
    }

    @Test
    void the_earliest_window_starts_when_enough_holds_have_ended() {
        assertEquals(Optional.of(h(0)), CALENDAR.earliestStart(h(0), Duration.ofHours(1), 10, false));
        assertEquals(Optional.of(h(4)), CALENDAR.earliestStart(h(0), Duration.ofHours(2), 11, false));
        assertEquals(Optional.of(h(6)), CALENDAR.earliestStart(h(1), Duration.ofHours(1), 16, false));
        assertEquals(Optional.empty(), CALENDAR.earliestStart(h(0), Duration.ofHours(1), 17, false), "never: 16 cards");
    }

    @Test
    void the_peak_held_in_a_window_is_the_busiest_instant_of_it_not_the_sum_of_what_overlaps() {
        List<Hold> holds = List.of(new Hold(h(0), h(4), 6, null), new Hold(h(2), h(6), 5, "b2"));
        assertEquals(6, CapacityCalendar.peakHeld(holds, h(0), h(2)));
        assertEquals(11, CapacityCalendar.peakHeld(holds, h(1), h(5)), "6 + 5 from 2 h to 4 h, whatever the blocks");
        assertEquals(5, CapacityCalendar.peakHeld(holds, h(4), h(9)));
        assertEquals(0, CapacityCalendar.peakHeld(holds, h(6), h(7)), "the holds end at 6 h: an end is exclusive");
        List<Hold> backToBack = List.of(new Hold(h(0), h(1), 4, null), new Hold(h(1), h(2), 4, null));
        assertEquals(0, CapacityCalendar.peakHeld(backToBack, h(2), h(3)));
        assertEquals(4, CapacityCalendar.peakHeld(backToBack, h(0), h(2)), "back to back, never at once");
    }
}
