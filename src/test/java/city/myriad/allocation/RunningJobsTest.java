package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The running jobs by id and by declared end, and the count of their changes that kept reservations compare. */
class RunningJobsTest {

    /** Node 0 of model A100, node 1 of model H800, 8 cards each. */
    private static Topology twoModels() {
        return Topology.builder()
                .node("a", "A100", 8, 64_000, 512_000, "r0", "b0")
                .node("h", "H800", 8, 64_000, 512_000, "r0", "b0")
                .build();
    }

    private static Placement on(int node, Job job) {
        return Placement.onNodes(job, new int[] {node}, new int[][] {{0}});
    }

    private static RunningJob start(RunningJobs running, Placement p, double t) {
        RunningJob r = running.prepare(p, t);
        running.add(r);
        return r;
    }

    private static List<Integer> ids(Iterable<RunningJob> runs) {
        List<Integer> ids = new ArrayList<>();
        runs.forEach(r -> ids.add(r.job().id()));
        return ids;
    }

    @Test
    void runs_are_walked_by_declared_end_then_start_order_and_jobs_without_a_run_time_are_not_walked() {
        Topology t = twoModels();
        RunningJobs running = new RunningJobs(t);
        start(running, on(0, Job.of(1).runsFor(300).build()), 0);
        start(running, on(1, Job.of(2).runsFor(100).build()), 0);
        start(running, on(0, Job.of(3).runsFor(50).build()), 50);  // ends at 100 too, started later
        start(running, on(0, Job.of(4).runsFor(Double.POSITIVE_INFINITY).build()), 0);

        assertEquals(List.of(2, 3, 1), ids(running.endingFor(Job.of(9).build())));
        assertEquals(4, running.size());
        assertEquals(3, running.withEnd());
    }

    @Test
    void a_job_bound_to_one_model_walks_only_the_runs_on_that_models_nodes() {
        Topology t = twoModels();
        RunningJobs running = new RunningJobs(t);
        start(running, on(0, Job.of(1).runsFor(300).build()), 0);
        start(running, on(1, Job.of(2).runsFor(100).build()), 0);
        long h800 = 1L << t.model(1);

        assertEquals(List.of(2), ids(running.endingFor(Job.of(9).models(h800).build())));
        assertEquals(List.of(1), ids(running.endingFor(Job.of(9).models(1L << t.model(0)).build())));
        // A job without cards, or allowed either model, walks them all.
        assertEquals(List.of(2, 1), ids(running.endingFor(Job.of(9).cards(0).models(h800).build())));
        assertEquals(List.of(2, 1), ids(running.endingFor(Job.of(9).models(h800 | 1L << t.model(0)).build())));
    }

    @Test
    void a_run_freed_for_a_what_if_leaves_the_walk_but_not_the_ids_until_restored_and_every_change_counts() {
        RunningJobs running = new RunningJobs(twoModels());
        long before = running.version();
        RunningJob r = start(running, on(0, Job.of(1).runsFor(300).build()), 0);
        long started = running.version();
        assertTrue(started > before);

        running.freed(r);
        assertEquals(List.of(), ids(running.endingFor(r.job())));
        assertEquals(1, running.size());
        assertTrue(running.version() > started);

        long freed = running.version();
        running.restored(r);
        assertEquals(List.of(1), ids(running.endingFor(r.job())));
        assertTrue(running.version() > freed);

        running.freed(r);
        assertSame(r, running.remove(1));
        assertNull(running.remove(1));
        assertEquals(0, running.size());
    }

    @Test
    void a_job_runs_once_at_a_time_and_its_runs_are_numbered_in_start_order() {
        RunningJobs running = new RunningJobs(twoModels());
        Job job = Job.of(1).runsFor(300).build();
        RunningJob first = start(running, on(0, job), 0);
        assertThrows(IllegalArgumentException.class, () -> running.prepare(on(1, job), 10));

        running.freed(running.remove(1));
        RunningJob again = start(running, on(1, job), 10);
        assertTrue(again.seq > first.seq);
        assertEquals(310, again.end);
    }
}
