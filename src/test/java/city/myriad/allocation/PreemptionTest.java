package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which preemptible jobs to evict for a non-preemptible one, and only when it pays. */
class PreemptionTest {

    private final Topology topology = Topology.builder()
            .node("n0", "A100", 8, 64_000, 512_000, "r0", "b0")
            .node("n1", "A100", 8, 64_000, 512_000, "r0", "b0").build();
    private final ClusterState state = new ClusterState(topology);
    private final PlacementPolicy policy = new BestFitPolicy();
    private final Preemption preemption = new Preemption(topology, state, policy, new Preemption.WhatIf() {
        @Override
        public void evict(Scheduler.Running r) {
            state.release(r.placement);
            preemption().ended(r);
        }

        @Override
        public void restore(Scheduler.Running r) {
            state.allocate(r.placement);
            preemption().started(r);
        }
    });
    private long seq;

    private Preemption preemption() {
        return preemption;
    }

    private Scheduler.Running run(Job job, int node, double start, int... cards) {
        Placement p = Placement.onNodes(job, new int[] {node}, new int[][] {cards});
        state.allocate(p);
        Scheduler.Running r = new Scheduler.Running(p, start, seq++);
        preemption.started(r);
        return r;
    }

    private static Job spot(int id, int cards) {
        return Job.of(id).runsFor(100_000).cards(cards).preemptible(true).build();
    }

    @Test
    void the_node_that_needs_the_fewest_victims_is_chosen_and_they_are_evicted() {
        run(spot(0, 4), 0, 0, 0, 1, 2, 3);
        run(spot(1, 4), 0, 0, 4, 5, 6, 7);
        Scheduler.Running big = run(spot(2, 8), 1, 0, 0, 1, 2, 3, 4, 5, 6, 7);
        Job head = Job.of(3).tenant(1).runsFor(100).cards(6).build();
        Preemption.Plan plan = preemption.plan(head, 10, Double.POSITIVE_INFINITY);
        assertEquals(List.of(big), plan.victims(), "one victim on n1, not two on n0");
        assertEquals(1, plan.placement().nodes()[0]);
        assertEquals(8, state.wholeFree(1), "the victim is already evicted");
    }

    @Test
    void among_nodes_that_need_as_few_victims_the_one_losing_least_work_is_chosen() {
        run(spot(0, 8), 0, 0, 0, 1, 2, 3, 4, 5, 6, 7);                 // ran 10 s by t = 10
        Scheduler.Running younger = run(spot(1, 8), 1, 6, 0, 1, 2, 3, 4, 5, 6, 7);  // ran 4 s
        Job head = Job.of(2).tenant(1).runsFor(100).cards(8).build();
        Preemption.Plan plan = preemption.plan(head, 10, Double.POSITIVE_INFINITY);
        assertEquals(List.of(younger), plan.victims(), "n0 is looked at first, but n1 loses less");
        assertEquals(1, plan.placement().nodes()[0]);
    }

    @Test
    void a_node_needing_more_victims_loses_to_one_needing_fewer_whatever_their_work() {
        run(spot(0, 4), 0, 9, 0, 1, 2, 3);                             // two young victims on n0
        run(spot(1, 4), 0, 9, 4, 5, 6, 7);
        Scheduler.Running old = run(spot(2, 8), 1, 0, 0, 1, 2, 3, 4, 5, 6, 7);  // one old victim on n1
        Job head = Job.of(3).tenant(1).runsFor(100).cards(8).build();
        assertEquals(List.of(old), preemption.plan(head, 10, Double.POSITIVE_INFINITY).victims());
    }

    @Test
    void nothing_is_evicted_when_the_lost_work_outweighs_the_wait_spared() {
        run(spot(0, 8), 0, 0, 0, 1, 2, 3, 4, 5, 6, 7);
        run(spot(1, 8), 1, 0, 0, 1, 2, 3, 4, 5, 6, 7);
        Job head = Job.of(2).tenant(1).runsFor(100).cards(8).build();
        // 8 cards x 1,000 s lost against 8 cards x 500 s of waiting spared.
        assertNull(preemption.plan(head, 1_000, 8 * 500));
        assertEquals(0, state.wholeFree(0) + state.wholeFree(1), "nothing evicted");
        assertNull(preemption.plan(head, 1_010, 8 * 490), "remembered: nothing was released or started since");
        Job later = Job.of(3).tenant(1).runsFor(100).cards(8).build();
        assertEquals(1, preemption.plan(later, 1_000, 8 * 2_000).victims().size(), "worth it for a longer wait");
    }

    @Test
    void a_gang_across_nodes_evicts_only_the_victims_it_needs() {
        run(spot(0, 8), 0, 0, 0, 1, 2, 3, 4, 5, 6, 7);
        run(spot(1, 4), 1, 0, 0, 1, 2, 3);
        Job gang = Job.of(2).tenant(1).runsFor(100).cards(12).build();
        Preemption.Plan plan = preemption.plan(gang, 10, Double.POSITIVE_INFINITY);
        assertEquals(List.of(0), plan.victims().stream().map(v -> v.placement.job().id()).toList(),
                "n0's job frees 8 cards, with n1's 4 free ones enough; n1's victim is given back");
        assertEquals(12, plan.placement().job().gpus());
    }
}
