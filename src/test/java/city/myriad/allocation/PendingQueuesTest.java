package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The order a cycle looks at waiting jobs in: priority, then aged jobs oldest first, then fair share (alone, or
 * weighing the smallest area first), then age.
 */
class PendingQueuesTest {

    private static List<Integer> order(PendingQueues q, double t) {
        List<Integer> ids = new ArrayList<>();
        for (Iterator<Job> it = q.ordered(t); it.hasNext(); ) {
            ids.add(it.next().id());
        }
        return ids;
    }

    @Test
    void tenants_interleave_by_usage_per_weight_and_a_heavy_user_goes_last() {
        FairShare share = new FairShare(3600);
        share.charge(Job.of(99).tenant(0).runsFor(3600).cards(8).build(), 0);  // tenant 0 has used a lot already
        PendingQueues q = new PendingQueues(true, 86_400, Scheduler.Order.SUBMISSION, share);
        q.add(Job.of(0).tenant(0).submittedAt(0).runsFor(600).build());
        q.add(Job.of(1).tenant(0).submittedAt(1).runsFor(600).build());
        q.add(Job.of(2).tenant(1).submittedAt(2).runsFor(600).build());
        q.add(Job.of(3).tenant(1).submittedAt(3).runsFor(600).build());
        assertEquals(List.of(2, 3, 0, 1), order(q, 10));
        assertEquals(4, q.size());
    }

    @Test
    void priority_comes_first_and_an_aged_job_passes_fair_share() {
        FairShare share = new FairShare(3600);
        share.charge(Job.of(99).tenant(0).runsFor(3600).cards(8).build(), 0);
        PendingQueues q = new PendingQueues(true, 1_000, Scheduler.Order.SUBMISSION, share);
        q.add(Job.of(0).tenant(0).submittedAt(0).runsFor(600).build());      // heavy tenant, but waiting 1,500 s
        q.add(Job.of(1).tenant(1).submittedAt(1_400).runsFor(600).build());  // light tenant, fresh
        q.add(Job.of(2).tenant(0).submittedAt(1_450).runsFor(600).priority(1).build());
        assertEquals(List.of(2, 1, 0), order(q, 900), "before the aging threshold, fair share decides");
        assertEquals(List.of(2, 0, 1), order(q, 1_500));
    }

    @Test
    void removing_a_job_that_is_not_waiting_changes_nothing() {
        PendingQueues q = new PendingQueues(false, 86_400, Scheduler.Order.SMALLEST_AREA, new FairShare(3600));
        Job a = Job.of(0).build();
        q.add(a);
        q.add(a);
        assertEquals(1, q.size());
        assertTrue(q.remove(a));
        assertFalse(q.remove(a));
        assertEquals(0, q.size());
        assertFalse(q.ordered(0).hasNext());
    }

    @Test
    void smallest_area_goes_first_and_usage_weighs_only_between_jobs_of_like_size() {
        FairShare share = new FairShare(3600);
        share.charge(Job.of(99).tenant(0).runsFor(3600).cards(8).build(), 0);  // tenant 0 has used a lot already
        PendingQueues q = new PendingQueues(true, 86_400, Scheduler.Order.SMALLEST_AREA, share);
        q.add(Job.of(0).tenant(0).submittedAt(0).runsFor(36_000).cards(8).build());  // heavy tenant, huge
        q.add(Job.of(1).tenant(0).submittedAt(1).runsFor(60).build());               // heavy tenant, tiny
        q.add(Job.of(2).tenant(1).submittedAt(2).runsFor(3_600).cards(2).build());   // light tenant, mid
        q.add(Job.of(3).tenant(1).submittedAt(3).runsFor(60).build());               // light tenant, tiny
        // Tiny first, the light tenant's before the heavy one's; the mid job before the huge one.
        assertEquals(List.of(3, 1, 2, 0), order(q, 10));
    }

    @Test
    void an_aged_job_deep_in_a_queue_by_size_comes_first_and_only_once() {
        PendingQueues q = new PendingQueues(true, 1_000, Scheduler.Order.SMALLEST_AREA, new FairShare(3600));
        q.add(Job.of(0).tenant(0).submittedAt(0).runsFor(86_400).cards(8).build());  // largest, oldest: aged
        q.add(Job.of(1).tenant(0).submittedAt(300).runsFor(60).build());              // not aged at 1,250
        q.add(Job.of(2).tenant(1).submittedAt(200).runsFor(7_200).cards(4).build());  // aged too, younger
        q.add(Job.of(3).tenant(1).submittedAt(1_400).runsFor(600).build());
        q.add(Job.of(4).tenant(1).submittedAt(1_450).runsFor(60).priority(1).build());
        // Priority first; then the aged, oldest first (though largest); then smallest first.
        assertEquals(List.of(4, 1, 3, 2, 0), order(q, 900), "before anything aged: smallest area first");
        assertEquals(List.of(4, 0, 2, 1, 3), order(q, 1_250));
        assertEquals(List.of(4, 0, 2, 1, 3), order(q, 1_250), "asked again: the same, each job once");
        q.remove(Job.of(0).tenant(0).submittedAt(0).runsFor(86_400).cards(8).build());
        assertEquals(List.of(4, 2, 1, 3), order(q, 1_300), "an aged job that leaves is gone");
        assertEquals(4, q.size());
    }

    @Test
    void aged_jobs_of_a_higher_priority_go_before_older_aged_jobs_of_a_lower_one() {
        PendingQueues q = new PendingQueues(true, 1_000, Scheduler.Order.SMALLEST_AREA, new FairShare(3600));
        q.add(Job.of(0).tenant(0).submittedAt(0).runsFor(600).build());
        q.add(Job.of(1).tenant(0).submittedAt(100).runsFor(600).priority(1).build());
        q.add(Job.of(2).tenant(1).submittedAt(1_900).runsFor(60).priority(1).build());  // young
        q.add(Job.of(3).tenant(1).submittedAt(50).runsFor(60).build());
        assertEquals(List.of(1, 2, 0, 3), order(q, 2_000));
    }
}
