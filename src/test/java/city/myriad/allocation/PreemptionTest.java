package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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
        public void evict(RunningJob r) {
            state.release(r.placement);
            preemption().ended(r);
        }

        @Override
        public void restore(RunningJob r) {
            state.allocate(r.placement);
            preemption().started(r);
        }
    });
    private long seq;

    private Preemption preemption() {
        return preemption;
    }

    private RunningJob run(Job job, int node, double start, int... cards) {
        Placement p = Placement.onNodes(job, new int[] {node}, new int[][] {cards});
        state.allocate(p);
        RunningJob r = new RunningJob(p, start, seq++);
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
        RunningJob big = run(spot(2, 8), 1, 0, 0, 1, 2, 3, 4, 5, 6, 7);
        Job head = Job.of(3).tenant(1).runsFor(100).cards(6).build();
        Preemption.Plan plan = preemption.plan(head, 10, Double.POSITIVE_INFINITY);
        assertEquals(List.of(big), plan.victims(), "one victim on n1, not two on n0");
        assertEquals(1, plan.placement().nodes()[0]);
        assertEquals(8, state.wholeFree(1), "the victim is already evicted");
    }

    @Test
    void among_nodes_that_need_as_few_victims_the_one_losing_least_work_is_chosen() {
        run(spot(0, 8), 0, 0, 0, 1, 2, 3, 4, 5, 6, 7);                 // ran 10 s by t = 10
        RunningJob younger = run(spot(1, 8), 1, 6, 0, 1, 2, 3, 4, 5, 6, 7);  // ran 4 s
        Job head = Job.of(2).tenant(1).runsFor(100).cards(8).build();
        Preemption.Plan plan = preemption.plan(head, 10, Double.POSITIVE_INFINITY);
        assertEquals(List.of(younger), plan.victims(), "n0 is looked at first, but n1 loses less");
        assertEquals(1, plan.placement().nodes()[0]);
    }

    @Test
    void a_node_needing_more_victims_loses_to_one_needing_fewer_whatever_their_work() {
        run(spot(0, 4), 0, 9, 0, 1, 2, 3);                             // two young victims on n0
        run(spot(1, 4), 0, 9, 4, 5, 6, 7);
        RunningJob old = run(spot(2, 8), 1, 0, 0, 1, 2, 3, 4, 5, 6, 7);  // one old victim on n1
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

    @Test
    void a_gang_whose_cheapest_possible_victims_lose_more_than_the_wait_spared_evicts_nothing() {
        run(spot(0, 8), 0, 0, 0, 1, 2, 3, 4, 5, 6, 7);
        run(spot(1, 8), 1, 500, 0, 1, 2, 3, 4, 5, 6, 7);
        Job gang = Job.of(2).tenant(1).runsFor(100).cards(12).build();
        // It needs 12 cards freed; the cheapest are n1's at 500 s each: 6,000 card-seconds at least.
        assertNull(preemption.plan(gang, 1_000, 5_999));
        assertEquals(0, state.wholeFree(0) + state.wholeFree(1), "nothing evicted");
        Job same = Job.of(3).tenant(1).runsFor(100).cards(12).build();
        // Worth it now: both victims go (8 x 1,000 + 8 x 500 = 12,000 card-seconds lost).
        assertEquals(2, preemption.plan(same, 1_000, 12_001).victims().size());
    }

    /**
     * Gang preemption is skipped when a bound shows no set of victims can pay; the bound must never pass over a
     * plan the greedy steps would make. With assertions on (as in these tests) {@code Preemption} checks each
     * skip against the greedy steps; here random clusters, victims and gains drive it through both outcomes.
     */
    @Test
    void the_bound_that_skips_gang_preemption_never_passes_over_a_plan_that_pays() {
        Random random = new Random(11);
        int planned = 0;
        int refused = 0;
        for (int round = 0; round < 600; round++) {
            Topology.Builder b = Topology.builder();
            int nodes = 2 + random.nextInt(5);
            for (int n = 0; n < nodes; n++) {
                b.node("n" + n, "A100", 8, 64_000, 512_000, "r" + (n % 2), "b0");
            }
            Topology t = b.build();
            ClusterState s = new ClusterState(t);
            Preemption[] holder = new Preemption[1];
            Preemption p = new Preemption(t, s, new FragmentationAwarePolicy(), new Preemption.WhatIf() {
                @Override
                public void evict(RunningJob r) {
                    s.release(r.placement);
                    holder[0].ended(r);
                }

                @Override
                public void restore(RunningJob r) {
                    s.allocate(r.placement);
                    holder[0].started(r);
                }
            });
            holder[0] = p;
            int id = 0;
            for (int n = 0; n < nodes; n++) {
                int card = 0;
                while (card < 8 && random.nextInt(5) > 0) {
                    int cards = Math.min(8 - card, 1 + random.nextInt(4));
                    boolean slice = cards == 1 && random.nextBoolean();
                    Job.Builder job = Job.of(id++).runsFor(100_000).preemptible(random.nextInt(4) > 0);
                    Job j = slice ? job.cards(1).milliPerCard(100 * (1 + random.nextInt(9))).build() : job.cards(cards).build();
                    int[] taken = new int[cards];
                    for (int c = 0; c < cards; c++) {
                        taken[c] = card + c;
                    }
                    Placement placement = Placement.onNodes(j, new int[] {n}, new int[][] {taken});
                    s.allocate(placement);
                    p.started(new RunningJob(placement, random.nextInt(1_000), id));
                    card += cards;
                }
            }
            long freeBefore = freeMilli(s, nodes);
            Job gang = Job.of(id).tenant(1).runsFor(100).cards(9 + random.nextInt(8 * nodes - 8)).build();
            double gain = Math.pow(10, 3 + 4 * random.nextDouble());
            Preemption.Plan plan = p.plan(gang, 1_000, gain);
            if (plan == null) {
                refused++;
                assertEquals(freeBefore, freeMilli(s, nodes), "a refused plan evicts nothing");
            } else {
                planned++;
                double lost = 0;
                for (RunningJob v : plan.victims()) {
                    lost += (1_000 - v.start) * v.placement.job().totalMilli() / 1000.0;
                }
                assertTrue(lost <= gain, "a plan pays: lost " + lost + " against " + gain);
            }
        }
        assertTrue(planned > 20 && refused > 20, planned + " planned, " + refused + " refused: both outcomes");
    }

    private static long freeMilli(ClusterState s, int nodes) {
        long free = 0;
        for (int n = 0; n < nodes; n++) {
            free += s.freeMilli(n);
        }
        return free;
    }
}
