package city.myriad.jobs.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import city.myriad.allocation.StartEstimate;
import city.myriad.jobs.repository.JobQueueRepository.QuotaRun;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class QuotaRoomTest {

    static final Instant NOW = Instant.parse("2026-12-06T08:00:00Z");
    static final UUID TENANT = UUID.randomUUID();
    static final UUID PROJECT = UUID.randomUUID();
    static final UUID OTHER_PROJECT = UUID.randomUUID();
    static final UUID OTHER_TENANT = UUID.randomUUID();

    static StartEstimate.Waiting job(long cards, long seconds) {
        return new StartEstimate.Waiting(StartEstimate.Need.cards(cards * 1000), seconds, false, "t", false, null);
    }

    static QuotaRun run(UUID tenant, UUID project, String jobClass, long cards, long endsInSeconds) {
        return new QuotaRun(tenant, project, jobClass, cards * 1000, NOW.plusSeconds(endsInSeconds));
    }

    static List<Instant> earliest(List<StartEstimate.Waiting> queue) {
        return queue.stream().map(StartEstimate.Waiting::notBefore).toList();
    }

    @Test
    void a_job_waits_for_every_limit_that_binds_it_in_queue_order_and_unbound_jobs_are_left_alone() {
        // The tenant may run 8 cards of the model (any class that is not borrowed); its project 4 ON_DEMAND.
        QuotaRoom.Limit tenant8 = new QuotaRoom.Limit(TENANT, null, 8000);
        QuotaRoom.Limit project4 = new QuotaRoom.Limit(PROJECT, "ON_DEMAND", 4000);
        List<QuotaRun> running = List.of(
                run(TENANT, PROJECT, "ON_DEMAND", 4, 3600),         // counts against both, ends 09:00
                run(TENANT, OTHER_PROJECT, "SPOT", 2, 1800),         // the tenant's only (class-less), ends 08:30
                run(OTHER_TENANT, UUID.randomUUID(), "ON_DEMAND", 8, 60));  // nobody's limit here
        List<StartEstimate.Waiting> queue = List.of(
                job(2, 600),      // other project, on demand: tenant's 8 has 2 free now
                job(8, 600),      // another tenant's: no limit binds it
                job(2, 1800),     // the project's: its 4 are full until 09:00, and then the tenant's has room
                job(2, 600),      // the tenant's: full until the spot run ends at 08:30
                job(9, 600));     // more than the tenant's 8: left as it is (submission refuses such a job)
        List<List<QuotaRoom.Limit>> binding = List.of(List.of(tenant8), List.of(), List.of(tenant8, project4),
                List.of(tenant8), List.of(tenant8));
        List<StartEstimate.Waiting> out = QuotaRoom.apply(queue, binding, running, NOW);
        // The tenant's 8, in queue order: 0 takes the 2 free at once (until 08:10); 2 takes them when 0 ends, 08:10;
        // 3 the spot run's 2 at 08:30. Then the project's 4 (full until 09:00) moves 2 to 09:00.
        assertEquals(Arrays.asList(null, null, NOW.plusSeconds(3600), NOW.plusSeconds(1800), null), earliest(out));
        assertSame(queue.get(1), out.get(1));
        assertSame(queue.get(4), out.get(4));
    }

    @Test
    void nothing_bound_gives_the_queue_back_as_it_was() {
        List<StartEstimate.Waiting> queue = List.of(job(1, 60), job(2, 60));
        assertSame(queue, QuotaRoom.apply(queue, List.of(List.of(), List.of()), List.of(), NOW));
    }

    @Test
    void a_class_limit_counts_only_its_class_and_a_job_already_waiting_longer_keeps_its_own_earliest() {
        QuotaRoom.Limit spot2 = new QuotaRoom.Limit(PROJECT, "SPOT", 2000);
        List<QuotaRun> running = List.of(run(TENANT, PROJECT, "SPOT", 2, 600), run(TENANT, PROJECT, "ON_DEMAND", 6,
                7200));
        StartEstimate.Waiting later = new StartEstimate.Waiting(StartEstimate.Need.cards(1000), 60, false, "t", true,
                NOW.plusSeconds(3000));
        List<StartEstimate.Waiting> out = QuotaRoom.apply(List.of(job(1, 60), later), List.of(List.of(spot2),
                List.of(spot2)), running, NOW);
        // The ON_DEMAND run is not counted: both wait for the SPOT run's end only; the second not before its own.
        assertEquals(List.of(NOW.plusSeconds(600), NOW.plusSeconds(3000)), earliest(out));
    }
}
