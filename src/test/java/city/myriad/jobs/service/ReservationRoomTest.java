package city.myriad.jobs.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import city.myriad.allocation.StartEstimate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ReservationRoomTest {

    static final Instant NOW = Instant.parse("2026-12-06T08:00:00Z");
    static final UUID A = UUID.randomUUID();
    static final UUID B = UUID.randomUUID();

    static StartEstimate.Waiting reserved(long cards, long seconds, Instant window) {
        return new StartEstimate.Waiting(StartEstimate.Need.cards(cards * 1000), seconds, false, "t", false, window);
    }

    static StartEstimate.Waiting onDemand(long cards, long seconds) {
        return new StartEstimate.Waiting(StartEstimate.Need.cards(cards * 1000), seconds, false, "t", false, null);
    }

    @Test
    void each_reserved_job_waits_for_its_own_reservations_cards_in_queue_order_and_others_are_left_alone() {
        // A: 8 cards, 6 taken until 09:00. B: 4 cards, free, its window opening at 08:30.
        Map<UUID, ReservationRoom.Use> uses = Map.of(
                A, new ReservationRoom.Use(8000, List.of(new StartEstimate.Running(6000, NOW.plusSeconds(3600)))),
                B, new ReservationRoom.Use(4000, List.of()));
        List<StartEstimate.Waiting> queue = List.of(
                reserved(2, 600, NOW),                        // fits beside the 6 at once
                onDemand(8, 600),                             // not a reservation's: untouched
                reserved(4, 1800, NOW),                       // A full until 09:00
                reserved(4, 600, NOW.plusSeconds(1800)),      // B: its window
                reserved(6, 600, NOW),                        // A: 6 once the 4 ahead of it ends, 09:30
                reserved(9, 600, NOW));                       // more than A has: left to the loop to fail
        List<UUID> of = Arrays.asList(A, null, A, B, A, A);

        List<StartEstimate.Waiting> out = ReservationRoom.apply(queue, of, uses, NOW);

        assertEquals(NOW, out.get(0).notBefore());
        assertSame(queue.get(1), out.get(1));
        assertEquals(NOW.plusSeconds(3600), out.get(2).notBefore());
        assertEquals(NOW.plusSeconds(1800), out.get(3).notBefore());
        assertEquals(NOW.plusSeconds(5400), out.get(4).notBefore(), "the 4 ahead of it hold A from 09:00 to 09:30");
        assertEquals(NOW, out.get(5).notBefore(), "never fits: its own notBefore kept");
    }

    @Test
    void a_queue_without_reserved_jobs_is_returned_as_it_is() {
        List<StartEstimate.Waiting> queue = List.of(onDemand(1, 60));
        assertSame(queue, ReservationRoom.apply(queue, Arrays.asList((UUID) null), Map.of(), NOW));
    }
}
