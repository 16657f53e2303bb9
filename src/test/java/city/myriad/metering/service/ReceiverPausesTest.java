package city.myriad.metering.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.metering.service.ReceiverPauses.Change;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ReceiverPausesTest {

    static final Instant T0 = Instant.parse("2026-12-03T12:00:00Z");
    static final UUID TENANT = UUID.randomUUID();
    static final Duration FIRST = Duration.ofSeconds(30);

    /** A receiver paused at T0 by five failed tries in a row. */
    static ReceiverPauses pausedAtT0() {
        ReceiverPauses pauses = new ReceiverPauses(FIRST);
        for (int i = 1; i < ReceiverPauses.TRIP_AFTER; i++) {
            assertEquals(Change.NONE, pauses.tried(TENANT, UUID.randomUUID(), false, T0));
            assertFalse(pauses.paused(TENANT), "not after " + i);
        }
        assertEquals(Change.PAUSED, pauses.tried(TENANT, UUID.randomUUID(), false, T0));
        return pauses;
    }

    @Test
    void five_failed_tries_in_a_row_pause_the_receiver_and_a_delivery_between_them_starts_the_count_again() {
        ReceiverPauses pauses = new ReceiverPauses(FIRST);
        for (int i = 0; i < 4; i++) {
            pauses.tried(TENANT, UUID.randomUUID(), false, T0);
        }
        assertEquals(Change.NONE, pauses.tried(TENANT, UUID.randomUUID(), true, T0));
        for (int i = 0; i < 4; i++) {
            pauses.tried(TENANT, UUID.randomUUID(), false, T0);
        }
        assertFalse(pauses.paused(TENANT));
        assertEquals(Integer.MAX_VALUE, pauses.allowance(TENANT, T0));
        assertEquals(Change.PAUSED, pauses.tried(TENANT, UUID.randomUUID(), false, T0));
        assertEquals(Set.of(TENANT), pauses.pausedTenants());
    }

    @Test
    void a_paused_receiver_gets_one_probe_after_the_pause_then_twice_as_long_after_each_failed_one() {
        ReceiverPauses pauses = pausedAtT0();
        assertEquals(0, pauses.allowance(TENANT, T0.plus(FIRST).minusMillis(1)));
        Instant first = T0.plus(FIRST);
        assertEquals(1, pauses.allowance(TENANT, first));
        UUID probe = UUID.randomUUID();
        pauses.probing(TENANT, probe);
        assertEquals(0, pauses.allowance(TENANT, first), "one probe at a time");
        // A post from before the pause failing now does not lengthen the pause.
        assertEquals(Change.NONE, pauses.tried(TENANT, UUID.randomUUID(), false, first.plusSeconds(1)));
        assertEquals(0, pauses.allowance(TENANT, first.plusSeconds(1)), "the probe is still out");
        Instant failed = first.plusSeconds(2);
        assertEquals(Change.NONE, pauses.tried(TENANT, probe, false, failed));
        assertEquals(0, pauses.allowance(TENANT, failed.plus(FIRST.multipliedBy(2)).minusMillis(1)));
        assertEquals(1, pauses.allowance(TENANT, failed.plus(FIRST.multipliedBy(2))));
    }

    @Test
    void a_probe_not_sent_gives_its_turn_to_the_next_delivery_and_leaves_the_pause_as_it_was() {
        ReceiverPauses pauses = pausedAtT0();
        Instant first = T0.plus(FIRST);
        UUID unsent = UUID.randomUUID();
        pauses.probing(TENANT, unsent);
        assertEquals(0, pauses.allowance(TENANT, first));
        pauses.skipped(TENANT, UUID.randomUUID());  // not the probe: nothing changes
        assertEquals(0, pauses.allowance(TENANT, first));
        pauses.skipped(TENANT, unsent);
        assertEquals(1, pauses.allowance(TENANT, first), "the next probe at once");
        assertTrue(pauses.paused(TENANT), "still paused: nothing was learned of the receiver");
        // The next probe failing waits twice the first pause, as if the skipped one had not been leased.
        UUID probe = UUID.randomUUID();
        pauses.probing(TENANT, probe);
        pauses.tried(TENANT, probe, false, first);
        assertEquals(0, pauses.allowance(TENANT, first.plus(FIRST.multipliedBy(2)).minusMillis(1)));
        assertEquals(1, pauses.allowance(TENANT, first.plus(FIRST.multipliedBy(2))));
    }

    @Test
    void the_wait_between_probes_stops_growing_at_ten_minutes() {
        ReceiverPauses pauses = pausedAtT0();
        Instant now = T0.plus(FIRST);
        for (int i = 0; i < 10; i++) {
            UUID probe = UUID.randomUUID();
            pauses.probing(TENANT, probe);
            pauses.tried(TENANT, probe, false, now);
            now = now.plus(ReceiverPauses.LONGEST_PAUSE);
        }
        assertEquals(1, pauses.allowance(TENANT, now));
        assertEquals(0, pauses.allowance(TENANT, now.minusMillis(1)));
    }

    @Test
    void a_delivery_or_a_test_event_the_receiver_takes_ends_the_pause() {
        ReceiverPauses pauses = pausedAtT0();
        UUID probe = UUID.randomUUID();
        pauses.probing(TENANT, probe);
        assertEquals(Change.RESUMED, pauses.tried(TENANT, probe, true, T0.plus(FIRST)));
        assertFalse(pauses.paused(TENANT));
        assertEquals(Integer.MAX_VALUE, pauses.allowance(TENANT, T0));

        ReceiverPauses again = pausedAtT0();
        assertEquals(Change.RESUMED, again.reset(TENANT));
        assertTrue(again.pausedTenants().isEmpty());
        assertEquals(Change.NONE, again.reset(TENANT));
    }
}
