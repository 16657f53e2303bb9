package city.myriad.market;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import city.myriad.market.model.ReservationUse;
import city.myriad.market.model.ReservationUse.Run;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A reservation's utilization, computed by hand: runs clipped to the window and to each UTC day. */
class ReservationUseTest {

    static final long HOUR = 3_600_000L;

    static Instant at(String t) {
        return Instant.parse("2026-12-" + t + ":00Z");
    }

    @Test
    void runs_count_within_the_window_up_to_now_split_by_utc_day() {
        // 8 cards from 22:00 to 02:00 (now); a whole-node run from before the window to 23:00 (1 h counted), half a
        // card from 23:30 to 00:30 (across midnight), 4 cards running since 00:30.
        ReservationUse use = ReservationUse.of(8, at("06T22:00"), at("07T02:00"), List.of(
                new Run(8000, at("06T21:00"), at("06T23:00")),
                new Run(500, at("06T23:30"), at("07T00:30")),
                new Run(4000, at("07T00:30"), null)));
        assertEquals(32 * HOUR, use.total().reservedCardMillis());
        assertEquals(8 * HOUR + HOUR / 2 + 6 * HOUR, use.total().usedCardMillis(), "8 + 0.5 + 6 card-hours");
        assertEquals(new BigDecimal("0.4531"), use.total().utilization(), "14.5 / 32 = 0.453125, half-even");
        assertEquals(2, use.days().size());
        ReservationUse.Span first = use.days().get(0);
        assertEquals(LocalDate.parse("2026-12-06"), first.day());
        assertEquals(16 * HOUR, first.reservedCardMillis(), "22:00 to midnight");
        assertEquals(8 * HOUR + HOUR / 4, first.usedCardMillis());
        assertEquals(new BigDecimal("0.5156"), first.utilization());
        ReservationUse.Span second = use.days().get(1);
        assertEquals(LocalDate.parse("2026-12-07"), second.day());
        assertEquals(16 * HOUR, second.reservedCardMillis());
        assertEquals(6 * HOUR + HOUR / 4, second.usedCardMillis());
        assertEquals(new BigDecimal("0.3906"), second.utilization());
    }

    @Test
    void nothing_is_reserved_before_the_window_and_use_never_passes_what_was_reserved() {
        ReservationUse none = ReservationUse.of(8, at("06T22:00"), at("06T22:00"), List.of());
        assertEquals(0, none.total().reservedCardMillis());
        assertNull(none.total().utilization());
        assertEquals(List.of(), none.days());
        // Two whole-node runs at once on an 8-card reservation (a start recorded a moment early, say): 100%, not 200%.
        ReservationUse capped = ReservationUse.of(8, at("06T10:00"), at("06T11:00"), List.of(
                new Run(8000, at("06T10:00"), at("06T11:00")), new Run(8000, at("06T10:00"), null)));
        assertEquals(new BigDecimal("1.0000"), capped.total().utilization());
        ReservationUse idle = ReservationUse.of(8, at("06T10:00"), at("06T11:00"),
                List.of(new Run(8000, at("06T11:00"), null)));
        assertEquals(new BigDecimal("0.0000"), idle.total().utilization(), "a run from the stretch's end counts nothing");
    }
}
