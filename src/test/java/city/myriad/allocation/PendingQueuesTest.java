package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order a cycle looks at waiting jobs in: priority, then aged jobs oldest first, then fair share, then age. */
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
        PendingQueues q = new PendingQueues(true, 86_400, share);
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
        PendingQueues q = new PendingQueues(true, 1_000, share);
        q.add(Job.of(0).tenant(0).submittedAt(0).runsFor(600).build());      // heavy tenant, but waiting 1,500 s
        q.add(Job.of(1).tenant(1).submittedAt(1_400).runsFor(600).build());  // light tenant, fresh
        q.add(Job.of(2).tenant(0).submittedAt(1_450).runsFor(600).priority(1).build());
        assertEquals(List.of(2, 0, 1), order(q, 1_500));
        assertEquals(List.of(2, 1, 0), order(q, 900), "before the aging threshold, fair share decides");
    }

    @Test
    void removing_a_job_that_is_not_waiting_changes_nothing() {
        PendingQueues q = new PendingQueues(false, 86_400, new FairShare(3600));
        Job a = Job.of(0).build();
        q.add(a);
        q.add(a);
        assertEquals(1, q.size());
        assertTrue(q.remove(a));
        assertFalse(q.remove(a));
        assertEquals(0, q.size());
        assertFalse(q.ordered(0).hasNext());
    }
}
