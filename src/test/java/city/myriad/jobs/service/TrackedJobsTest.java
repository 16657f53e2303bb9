package city.myriad.jobs.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.allocation.Job;
import city.myriad.jobs.model.JobClass;
import city.myriad.jobs.model.JobPlacement;
import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.model.Reasons;
import city.myriad.jobs.service.TrackedJobs.Tracked;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The jobs a cluster's loop tracks: waiting or running, their time limits in order, ids that outlive a rebuild. */
class TrackedJobsTest {

    private static final Instant NOW = LoopAdmissionTest.NOW;

    /** A queued job of 600 s declared, as the loop reads it. */
    private static JobRow queued() {
        return LoopAdmissionTest.job(UUID.randomUUID(), JobClass.ON_DEMAND, 1, null);
    }

    /** The row of {@code row} started at {@code at} on {@code placement}. */
    private static JobRow startedAt(JobRow row, Instant at, String placement) {
        return row.run(JobState.RUNNING, Reasons.SCHEDULED, row.attempt() + 1, placement, at, null, 0, 0, false, at);
    }

    private static Tracked trackedInCore(TrackedJobs jobs, JobRow row) {
        Tracked t = jobs.track(row);
        jobs.bind(t, Job.of(jobs.nextCoreId()).tenant(jobs.tenantIndex(row.tenantId())).submittedAt(0)
                .runsFor(row.maxRunSeconds()).cards(1).milliPerCard(1000).models(1).build());
        return t;
    }

    /** A tracked job running since {@code start}, its time limit set, as the loop has it after a start. */
    private static Tracked runningSince(TrackedJobs jobs, Instant start) {
        Tracked t = trackedInCore(jobs, queued());
        t.row = startedAt(t.row, start, null);
        jobs.runs(t);
        jobs.limitFrom(t);
        return t;
    }

    @Test
    void a_job_waits_until_it_runs_and_waits_again_in_its_turn_once_stopped() {
        TrackedJobs jobs = new TrackedJobs();
        Tracked a = trackedInCore(jobs, queued());
        Tracked b = trackedInCore(jobs, queued());
        Tracked c = trackedInCore(jobs, queued());
        assertEquals(List.of(a, b, c), List.copyOf(jobs.waiting()));

        jobs.runs(a);
        assertTrue(a.running);
        assertEquals(List.of(b, c), List.copyOf(jobs.waiting()));
        assertEquals(3, jobs.all().size(), "a running job is still tracked");

        jobs.stops(a);
        assertFalse(a.running);
        assertEquals(List.of(b, c, a), List.copyOf(jobs.waiting()), "back at the end of the waiting jobs");
    }

    @Test
    void time_limits_come_due_in_the_order_they_pass_and_only_once_passed() {
        TrackedJobs jobs = new TrackedJobs();
        Tracked late = runningSince(jobs, NOW);                      // limit NOW + 600
        Tracked early = runningSince(jobs, NOW.minusSeconds(100));  // limit NOW + 500
        Tracked waiting = trackedInCore(jobs, queued());
        jobs.limitFrom(waiting);
        assertNull(waiting.limitAt(), "a job that does not run has no time limit");
        assertEquals(NOW.plusSeconds(500), early.limitAt());

        assertNull(jobs.firstPastLimit(NOW.plusSeconds(499)));
        assertSame(early, jobs.firstPastLimit(NOW.plusSeconds(500)), "a limit is due from the instant it passes");
        assertSame(early, jobs.firstPastLimit(NOW.plusSeconds(700)), "the earliest first");

        List<Tracked> due = new ArrayList<>();
        for (Tracked t = jobs.firstPastLimit(NOW.plusSeconds(700)); t != null; t = jobs.firstPastLimit(
                NOW.plusSeconds(700))) {
            due.add(t);
            jobs.stops(t);  // as the loop ends it: its limit goes with it
        }
        assertEquals(List.of(early, late), due);
        assertNull(early.limitAt());
        assertTrue(jobs.waiting().contains(late));
    }

    @Test
    void a_limit_follows_the_rows_start_when_the_row_changes() {
        TrackedJobs jobs = new TrackedJobs();
        Tracked t = runningSince(jobs, NOW);
        t.row = startedAt(t.row, NOW.plusSeconds(1000), null);  // read again: started later than the loop thought
        jobs.limitFrom(t);
        assertNull(jobs.firstPastLimit(NOW.plusSeconds(600)), "the old limit is gone");
        assertSame(t, jobs.firstPastLimit(NOW.plusSeconds(1600)));
    }

    @Test
    void an_untracked_job_is_found_nowhere() {
        TrackedJobs jobs = new TrackedJobs();
        Tracked t = runningSince(jobs, NOW);
        int coreId = t.core.id();
        assertSame(t, jobs.get(t.row.id()));
        assertSame(t, jobs.ofCore(coreId));

        jobs.untrack(t);
        assertNull(jobs.get(t.row.id()));
        assertNull(jobs.ofCore(coreId));
        assertTrue(jobs.all().isEmpty());
        assertNull(jobs.firstPastLimit(NOW.plusSeconds(10_000)), "its time limit went with it");
    }

    @Test
    void core_ids_and_tenants_indexes_go_on_across_a_rebuild() {
        TrackedJobs jobs = new TrackedJobs();
        UUID acme = UUID.randomUUID();
        UUID globex = UUID.randomUUID();
        assertEquals(0, jobs.tenantIndex(acme));
        assertEquals(1, jobs.tenantIndex(globex));
        assertEquals(0, jobs.tenantIndex(acme), "given once");
        Tracked before = trackedInCore(jobs, queued());

        jobs.clear();
        assertTrue(jobs.all().isEmpty());
        assertTrue(jobs.waiting().isEmpty());
        assertNull(jobs.ofCore(before.core.id()));
        Tracked after = trackedInCore(jobs, queued());
        assertTrue(after.core.id() > before.core.id(), "a core id is never given twice");
        assertEquals(1, jobs.tenantIndex(globex));
    }

    @Test
    void a_stored_placement_is_read_once_for_each_placement_the_row_names() {
        TrackedJobs jobs = new TrackedJobs();
        Tracked t = trackedInCore(jobs, queued());
        List<String> reads = new ArrayList<>();
        java.util.function.Function<String, JobPlacement> reader = stored -> {
            reads.add(stored);
            return stored == null ? null : new JobPlacement(List.of(new JobPlacement.NodeCards(stored, List.of(0))),
                    1000);
        };
        assertNull(t.placement(reader));
        t.row = startedAt(t.row, NOW, "n1");
        assertEquals("n1", t.placement(reader).nodes().get(0).node());
        assertEquals("n1", t.placement(reader).nodes().get(0).node());
        t.row = startedAt(t.row, NOW, "n2");
        assertEquals("n2", t.placement(reader).nodes().get(0).node());
        assertEquals(List.of("n1", "n2"), reads, "nothing read for no placement, each placement once");
    }
}
