package city.myriad.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.allocation.FirstFitPolicy;
import city.myriad.allocation.Job;
import city.myriad.allocation.SchedulerOptions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The service's start estimate (and first come, first served beside it), measured in a replay against the real starts. */
class StartEstimatesTest {

    /** Replays {@link SchedulingTest#BLOCKED_HEAD} with EASY backfilling and returns each job's estimates and start. */
    static List<StartEstimates.Row> blockedHead() {
        StartEstimates estimates = new StartEstimates(SchedulingTest.oneNodeOf8(), SchedulerOptions.myriad());
        new Replay(SchedulingTest.oneNodeOf8(), SchedulingTest.BLOCKED_HEAD, new FirstFitPolicy(), SchedulerOptions.easy())
                .withEstimates(estimates).run(Progress.none());
        return estimates.rows(SchedulingTest.BLOCKED_HEAD);
    }

    @Test
    void each_job_is_told_what_the_service_would_tell_it_at_its_submission_and_its_real_start_is_kept() {
        List<StartEstimates.Row> rows = blockedHead();
        // Job 0 finds the node empty; job 1 (8 cards) needs job 0's 6 cards back at t=100: both estimates exact.
        assertRow(rows.get(0), 0, 0, 0);
        assertRow(rows.get(1), 100, 100, 100);
        // Job 2 (2 cards, 50 s) at t=2: in the core's order its smaller area goes before job 1 and 2 cards are free
        // now, and backfilling starts it now; first come, first served it would be behind job 1 (100..150).
        assertRow(rows.get(2), 2, 150, 2);
        // Job 3 (2 cards, 500 s) is larger than job 1 in area: behind it either way, and it starts when job 1 ends.
        assertRow(rows.get(3), 150, 150, 150);
    }

    @Test
    void the_figures_count_the_error_as_real_start_minus_estimate_over_all_jobs_and_those_that_waited() {
        Map<String, Object> f = StartEstimates.figures(blockedHead());
        assertEquals(4, f.get("estimate_jobs"));
        assertEquals(2, f.get("estimate_jobs_waited"), "jobs 1 and 3 waited more than a minute");
        assertEquals(1.0, f.get("estimate_within_1min"));
        assertEquals(0.0, f.get("estimate_waited_error_p50_s"));
        assertEquals(0.75, f.get("estimate_fcfs_within_1min"), "job 2 started 148 s before first come, first served");
        assertEquals(1.0, f.get("estimate_fcfs_no_later"));
    }

    @Test
    void a_job_without_cards_gets_no_estimate() {
        List<Job> jobs = List.of(Job.of(0).runsFor(10).cards(0).cpu(1_000).build());
        StartEstimates estimates = new StartEstimates(SchedulingTest.oneNodeOf8(), SchedulerOptions.myriad());
        new Replay(SchedulingTest.oneNodeOf8(), jobs, new FirstFitPolicy(), SchedulerOptions.easy())
                .withEstimates(estimates).run(Progress.none());
        assertEquals(List.of(), estimates.rows(jobs));
    }

    @Test
    void a_job_that_never_ends_holds_its_cards_for_ever_in_the_estimate() {
        List<Job> jobs = List.of(Job.of(0).runsFor(Double.POSITIVE_INFINITY).cards(8).build(),
                Job.of(1).submittedAt(5).runsFor(10).cards(8).build());
        StartEstimates estimates = new StartEstimates(SchedulingTest.oneNodeOf8(), SchedulerOptions.myriad());
        new Replay(SchedulingTest.oneNodeOf8(), jobs, new FirstFitPolicy(), SchedulerOptions.easy())
                .withEstimates(estimates).run(Progress.none());
        StartEstimates.Row behind = estimates.rows(jobs).get(1);
        assertTrue(behind.estimate() > 3e9, "a century or more: " + behind.estimate());
        assertTrue(Double.isNaN(behind.started()), "and it never starts");
        assertEquals(1, StartEstimates.figures(estimates.rows(jobs)).get("estimate_jobs"));
    }

    private static void assertRow(StartEstimates.Row row, double estimate, double fcfs, double started) {
        int id = row.job().id();
        assertEquals(estimate, row.estimate(), 1e-6, "job " + id + ": the service's estimate");
        assertEquals(fcfs, row.fcfs(), 1e-6, "job " + id + ": first come, first served");
        assertEquals(started, row.started(), 1e-6, "job " + id + ": real start");
    }
}
