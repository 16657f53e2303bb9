package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import city.myriad.allocation.StartEstimate.Running;
import city.myriad.allocation.StartEstimate.Waiting;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The queue played first come, first served on the model's cards taken together. */
class StartEstimateTest {

    static final Instant NOW = Instant.parse("2026-11-30T08:00:00Z");

    @Test
    void free_cards_start_now_and_a_job_larger_than_the_cluster_never_starts() {
        assertEquals(Optional.of(NOW), StartEstimate.earliest(16_000, List.of(new Running(8_000, NOW.plusSeconds(60))),
                List.of(), 8_000, NOW));
        assertEquals(Optional.empty(), StartEstimate.earliest(16_000, List.of(), List.of(), 17_000, NOW));
    }

    @Test
    void a_job_waits_for_the_running_ends_it_needs_then_for_the_queue_ahead_to_start_and_end() {
        List<Running> running = List.of(new Running(4_000, NOW.plusSeconds(300)), new Running(4_000, NOW.plusSeconds(100)));
        // 8 cards, all busy: the first end frees 4, enough for a 4-card job.
        assertEquals(Optional.of(NOW.plusSeconds(100)), StartEstimate.earliest(8_000, running, List.of(), 4_000, NOW));
        // An 8-card job ahead takes both ends (300 s) and runs 1,000 s; an 8-card job after it starts at 1,300 s.
        assertEquals(Optional.of(NOW.plusSeconds(1_300)), StartEstimate.earliest(8_000, running,
                List.of(new Waiting(8_000, 1_000)), 8_000, NOW));
        // A job ahead that can never fit holds nothing.
        assertEquals(Optional.of(NOW.plusSeconds(100)), StartEstimate.earliest(8_000, running,
                List.of(new Waiting(9_000, 1_000)), 4_000, NOW));
    }

    @Test
    void ends_already_past_count_from_now() {
        assertEquals(Optional.of(NOW), StartEstimate.earliest(8_000, List.of(new Running(8_000, NOW.minusSeconds(5))),
                List.of(), 8_000, NOW));
    }

    @Test
    void a_job_waits_for_the_cpu_and_memory_it_needs_even_with_cards_free() {
        StartEstimate.Need node = new StartEstimate.Need(8_000, 192_000, 1_572_864);
        // One card and 120 cores held until +100 s: seven cards free, 72 cores.
        List<Running> running = List.of(new Running(new StartEstimate.Need(1_000, 120_000, 0), NOW.plusSeconds(100)));
        assertEquals(Optional.of(NOW.plusSeconds(100)), StartEstimate.earliest(node, running, List.of(),
                new StartEstimate.Need(1_000, 100_000, 0), NOW));
        assertEquals(Optional.of(NOW), StartEstimate.earliest(node, running, List.of(),
                new StartEstimate.Need(1_000, 72_000, 0), NOW));
        // A job ahead of 60 cores starts now and holds them 500 s: at +100 s 132 cores are free, so 140 wait for both.
        List<StartEstimate.Waiting> ahead = List.of(new StartEstimate.Waiting(new StartEstimate.Need(1_000, 60_000, 0),
                500));
        assertEquals(Optional.of(NOW.plusSeconds(100)), StartEstimate.earliest(node, running, ahead,
                new StartEstimate.Need(1_000, 132_000, 0), NOW));
        assertEquals(Optional.of(NOW.plusSeconds(500)), StartEstimate.earliest(node, running, ahead,
                new StartEstimate.Need(1_000, 140_000, 0), NOW));
        // Memory binds the same way; more than the nodes have never fits.
        assertEquals(Optional.of(NOW.plusSeconds(100)), StartEstimate.earliest(node,
                List.of(new Running(new StartEstimate.Need(1_000, 0, 1_000_000), NOW.plusSeconds(100))), List.of(),
                new StartEstimate.Need(1_000, 0, 600_000), NOW));
        assertEquals(Optional.empty(), StartEstimate.earliest(node, running, List.of(),
                new StartEstimate.Need(1_000, 192_001, 0), NOW));
    }
}
