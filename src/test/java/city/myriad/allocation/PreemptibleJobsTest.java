package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The candidate victims: what the preemptible jobs hold per node and model, and the work each would lose. */
class PreemptibleJobsTest {

    /** Nodes 0 and 2 of A100, node 1 of H800; 8 cards, 64 cores and 512 GiB each. */
    private final Topology topology = Topology.builder()
            .node("a0", "A100", 8, 64_000, 512_000, "r0", "b0")
            .node("h1", "H800", 8, 64_000, 512_000, "r0", "b0")
            .node("a2", "A100", 8, 64_000, 512_000, "r0", "b0").build();
    private final PreemptibleJobs jobs = new PreemptibleJobs(topology);
    private long seq;

    private RunningJob run(Job job, int[] nodes, int[][] cards, double start) {
        RunningJob r = new RunningJob(Placement.onNodes(job, nodes, cards), start, seq++);
        jobs.started(r);
        return r;
    }

    @Test
    void only_preemptible_jobs_are_counted_per_node_and_per_model_and_a_gangs_share_goes_to_each_of_its_nodes() {
        int a100 = topology.model(0);
        int h800 = topology.model(1);
        run(Job.of(1).cards(2).build(), new int[] {0}, new int[][] {{0, 1}}, 0);  // on demand: not a victim
        RunningJob gang = run(Job.of(2).cards(4).cpu(8_000).memory(4_000).preemptible(true).build(),
                new int[] {1, 2}, new int[][] {{0, 1}, {0, 1}}, 0);

        assertEquals(-1, jobs.next(3));
        assertEquals(1, jobs.next(0));
        assertEquals(2, jobs.next(2));
        assertEquals(List.of(), jobs.on(0));
        assertEquals(List.of(gang), jobs.runningOn(1));
        assertEquals(2_000, jobs.milliOn(1));
        assertEquals(4_000, jobs.cpuOn(2));
        assertEquals(2_000, jobs.memoryOn(2));
        assertEquals(2_000, jobs.milliOfModel(a100));
        assertEquals(2_000, jobs.milliOfModel(h800));

        int changed = jobs.changes(1);
        jobs.ended(gang);
        assertEquals(-1, jobs.next(0));
        assertEquals(0, jobs.milliOn(1));
        assertEquals(0, jobs.cpuOn(2));
        assertEquals(0, jobs.milliOfModel(a100));
        assertEquals(changed + 1, jobs.changes(1));
    }

    @Test
    void a_victims_lost_work_is_its_run_time_times_the_larger_of_its_cards_and_its_cpu_or_memory_share_in_cards() {
        // One card, but half the node's cores: it keeps 4 cards' worth of the node from others.
        RunningJob cpuHeavy = run(Job.of(1).cards(1).cpu(32_000).preemptible(true).build(), new int[] {0},
                new int[][] {{0}}, 100);
        RunningJob plain = run(Job.of(2).cards(2).cpu(1_000).preemptible(true).build(), new int[] {0},
                new int[][] {{1, 2}}, 100);

        assertEquals(10 * 4_000, jobs.lost(cpuHeavy, 110), 1e-6);
        assertEquals(10 * 2_000, jobs.lost(plain, 110), 1e-6);
        PreemptibleJobs.Victim v = jobs.on(0).get(0);
        assertEquals(jobs.lost(cpuHeavy, 110), v.lost(110), 1e-6);
        assertEquals(10 * 4_000, v.lostPerCard(110), 1e-6);
    }
}
