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

class ArrayRoomTest {

    static final Instant NOW = Instant.parse("2026-12-06T08:00:00Z");
    static final UUID THROTTLED = UUID.randomUUID();
    static final UUID FREE = UUID.randomUUID();

    static StartEstimate.Waiting job(long cards, long seconds, Instant notBefore) {
        return new StartEstimate.Waiting(StartEstimate.Need.cards(cards * 1000), seconds, false, "t", false,
                notBefore);
    }

    @Test
    void each_job_of_a_throttled_array_waits_for_a_slot_in_queue_order_whatever_its_cards() {
        // At most 2 at once; one runs until 08:30. Slots: one free now, the other at 08:30.
        Map<UUID, ArrayRoom.Use> uses = Map.of(THROTTLED, new ArrayRoom.Use(2, List.of(NOW.plusSeconds(1800))));
        List<StartEstimate.Waiting> queue = List.of(
                job(8, 3600, null),                   // takes the free slot now, until 09:00
                job(1, 60, null),                     // another array's (no limit read): untouched
                job(1, 600, null),                    // the 08:30 slot
                job(1, 600, NOW.plusSeconds(7200)),   // a slot at 08:40, but its own notBefore is 10:00 (kept)
                job(1, 600, null));                   // the slot freed at 08:40
        List<UUID> arrayOf = Arrays.asList(THROTTLED, FREE, THROTTLED, THROTTLED, THROTTLED);
        List<StartEstimate.Waiting> out = ArrayRoom.apply(queue, arrayOf, uses, NOW);
        assertSame(queue.get(0), out.get(0));
        assertSame(queue.get(1), out.get(1));
        assertEquals(NOW.plusSeconds(1800), out.get(2).notBefore());
        assertSame(queue.get(3), out.get(3), "its own notBefore is later than the slot");
        // Slots free next at 08:40 (job 2's end) and 09:00 (job 0's): job 3, in its turn, takes the 08:40 one (held
        // from its 10:00), so the last waits for 09:00.
        assertEquals(NOW.plusSeconds(3600), out.get(4).notBefore());
    }

    @Test
    void a_queue_without_throttled_arrays_is_returned_as_it_is() {
        List<StartEstimate.Waiting> queue = List.of(job(1, 60, null));
        assertSame(queue, ArrayRoom.apply(queue, Arrays.asList(FREE), Map.of(), NOW));
    }
}
