package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The blocks of a tenant's queue hold what a sorted set would, in its order, through splits and emptied blocks. */
class SortedJobsTest {

    private static List<Integer> ids(Iterable<Job> jobs) {
        List<Integer> ids = new ArrayList<>();
        jobs.forEach(j -> ids.add(j.id()));
        return ids;
    }

    @Test
    void random_adds_and_removes_keep_the_order_and_the_members_of_a_sorted_set() {
        Random random = new Random(11);
        List<Job> pool = new ArrayList<>();
        for (int id = 0; id < 2_000; id++) {
            pool.add(Job.of(id).submittedAt(random.nextInt(500)).runsFor(1 + random.nextInt(50))
                    .cards(1 + random.nextInt(4)).priority(random.nextInt(3) == 0 ? 1 : 0).build());
        }
        SortedJobs blocks = new SortedJobs(PendingQueues.BY_AREA);
        TreeSet<Job> reference = new TreeSet<>(PendingQueues.BY_AREA);
        for (int step = 0; step < 40_000; step++) {
            Job j = pool.get(random.nextInt(pool.size()));
            // Grow for the first half (so blocks split), then shrink (so blocks empty and go).
            boolean add = random.nextInt(10) < (step < 20_000 ? 7 : 3);
            if (add) {
                assertEquals(reference.add(j), blocks.add(j), "add " + j.id() + " at step " + step);
            } else {
                assertEquals(reference.remove(j), blocks.remove(j), "remove " + j.id() + " at step " + step);
            }
            assertEquals(reference.contains(j), blocks.contains(j));
            assertEquals(reference.size(), blocks.size());
            if (step % 1_000 == 0) {
                assertEquals(ids(reference), ids(blocks), "order at step " + step);
            }
        }
        assertTrue(reference.size() < 1_000 && reference.size() > 0, "the walk ended between empty and full");
        assertEquals(ids(reference), ids(blocks));
        for (Job j : new ArrayList<>(reference)) {
            assertTrue(blocks.remove(j));
        }
        assertTrue(blocks.isEmpty());
        assertFalse(blocks.iterator().hasNext());
        assertFalse(blocks.remove(pool.get(0)));
    }

    @Test
    void a_walk_refuses_to_go_on_after_the_set_changed() {
        SortedJobs blocks = new SortedJobs(PendingQueues.BY_SUBMISSION);
        blocks.add(Job.of(1).submittedAt(1).build());
        blocks.add(Job.of(2).submittedAt(2).build());
        Iterator<Job> walk = blocks.iterator();
        assertEquals(1, walk.next().id());
        blocks.add(Job.of(3).submittedAt(3).build());
        assertThrows(ConcurrentModificationException.class, walk::next);
    }
}
