package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WholeNodeSlotsTest {

    /** Four H800 nodes of 8 cards and 128 cores. */
    static Topology fourNodes() {
        Topology.Builder b = Topology.builder();
        for (int i = 0; i < 4; i++) {
            b.node("n" + i, "H800", 8, 128_000, 1_024_000, "r0", "b0");
        }
        return b.build();
    }

    /** 300 tasks seen: every {@code wholeEvery}-th (none if 0) takes 8 cards and 32 cores, the others one card and 4. */
    static DemandProfile demand(int wholeEvery, boolean neverEnding) {
        DemandProfile p = new DemandProfile(true);
        for (int i = 0; i < 300; i++) {
            Job.Builder task = wholeEvery > 0 && i % wholeEvery == 0 ? Job.of(i).cards(8).cpu(32_000).memory(1000)
                    : Job.of(i).cpu(4_000).memory(1000);
            p.observe((neverEnding ? task : task.runsFor(3600)).build());
        }
        return p;
    }

    static double weightOfWholeNodeShape(DemandProfile p) {
        for (int i = 0; i < p.gpus.length; i++) {
            if (p.gpus[i] == 8) {
                return p.weight[i];
            }
        }
        return 0;
    }

    static void fill(ClusterState s, int node, int cards, long cpu) {
        int[] used = new int[cards];
        for (int c = 0; c < cards; c++) {
            used[c] = c;
        }
        s.allocate(Placement.onNodes(Job.of(100 + node).cards(cards).cpu(cpu).memory(1000).build(), new int[] {node},
                new int[][] {used}));
    }

    @Test
    void breaking_a_whole_node_costs_its_cards_times_the_chance_that_the_whole_node_tasks_to_come_need_it() {
        ClusterState s = new ClusterState(fourNodes());
        fill(s, 0, 8, 32_000);
        fill(s, 1, 8, 32_000);
        fill(s, 2, 7, 28_000);  // one card free: no slot
        DemandProfile p = demand(10, true);  // 30 of 300 take a whole node
        WholeNodeSlots slots = new WholeNodeSlots(p);
        assertTrue(slots.startDecision(s));
        // 9 cards free; a task asks 1.7 cards on average, so about 5 more fit, a tenth of them whole-node (as of the
        // profile's last rebuild): λ = 0.5.
        double lambda = weightOfWholeNodeShape(p) * 9000 / p.meanMilli();
        assertEquals(0.5, lambda, 0.05);
        double chance = 1 - Math.exp(-lambda);  // that at least one comes for the one slot left
        assertEquals(8000 * chance, slots.price(s, 3, 1, 7, 124_000, 1_023_000), 1e-6, "breaking the last whole node");
        assertEquals(0, slots.price(s, 2, 1, 0, 124_000, 1_023_000), "a node that holds no slot costs nothing");
        assertEquals(0, slots.price(s, 3, 8, 0, 96_000, 1_023_000), "a whole-node task takes a slot wherever it goes");
        // CPU is part of a slot: leaving 8 cards but 30 cores breaks it too.
        assertEquals(8000 * chance, slots.price(s, 3, 0, 8, 30_000, 1_023_000), 1e-6, "CPU taken");
    }

    @Test
    void while_whole_nodes_are_plenty_for_the_demand_to_come_breaking_one_costs_next_to_nothing() {
        ClusterState s = new ClusterState(fourNodes());
        DemandProfile p = demand(100, true);  // 3 of 300: about 0.35 of the 30 tasks that fit
        WholeNodeSlots slots = new WholeNodeSlots(p);
        assertTrue(slots.startDecision(s));
        // Four slots against a Poisson count of mean 0.35: P(N >= 4) is 4.6e-4, a two-hundredth of a card.
        double price = slots.price(s, 0, 1, 7, 124_000, 1_023_000);
        assertTrue(price > 0 && price < 5, "price " + price);
    }

    @Test
    void where_every_job_ends_or_no_shape_takes_a_whole_node_nothing_is_priced() {
        ClusterState s = new ClusterState(fourNodes());
        assertFalse(new WholeNodeSlots(demand(10, false)).startDecision(s), "every job ends");
        assertFalse(new WholeNodeSlots(demand(0, true)).startDecision(s), "only one-card tasks");
    }

    @Test
    void the_slots_follow_the_cluster_as_jobs_come_and_go() {
        ClusterState s = new ClusterState(fourNodes());
        WholeNodeSlots slots = new WholeNodeSlots(demand(10, true));
        fill(s, 0, 8, 32_000);
        fill(s, 1, 8, 32_000);
        slots.startDecision(s);
        double twoLeft = slots.price(s, 3, 1, 7, 124_000, 1_023_000);
        fill(s, 2, 8, 32_000);
        slots.startDecision(s);
        double oneLeft = slots.price(s, 3, 1, 7, 124_000, 1_023_000);
        assertTrue(oneLeft > twoLeft, oneLeft + " > " + twoLeft);
        s.release(Placement.onNodes(Job.of(102).cards(8).cpu(32_000).memory(1000).build(), new int[] {2},
                new int[][] {{0, 1, 2, 3, 4, 5, 6, 7}}));
        slots.startDecision(s);
        assertEquals(twoLeft, slots.price(s, 3, 1, 7, 124_000, 1_023_000), 1e-9);
    }

    @Test
    void more_changes_than_the_cluster_recalls_between_two_decisions_are_counted_by_reading_every_node() {
        ClusterState s = new ClusterState(fourNodes());
        DemandProfile p = demand(10, true);
        WholeNodeSlots slots = new WholeNodeSlots(p);
        slots.startDecision(s);
        Placement onOne = Placement.onNodes(Job.of(7).cpu(4_000).memory(1000).build(), new int[] {1}, new int[][] {{0}});
        fill(s, 0, 8, 32_000);  // then twice as many changes on node 1 as the cluster recalls: node 0's is forgotten
        s.allocate(onOne);
        for (int i = 0; i < ClusterState.CHANGE_LOG; i++) {
            s.release(onOne);
            s.allocate(onOne);
        }
        slots.startDecision(s);
        WholeNodeSlots fresh = new WholeNodeSlots(p);
        fresh.startDecision(s);
        double lastTwo = fresh.price(s, 3, 1, 7, 124_000, 1_023_000);
        assertEquals(lastTwo, slots.price(s, 3, 1, 7, 124_000, 1_023_000), 1e-9);
        assertTrue(lastTwo > 0, "two slots left (node 2 and 3) against λ = 0.5: " + lastTwo);
    }

    @Test
    void the_poisson_tail() {
        assertEquals(1, WholeNodeSlots.atLeast(2.0, 0));
        assertEquals(1 - Math.exp(-2.0), WholeNodeSlots.atLeast(2.0, 1), 1e-12);
        assertEquals(1 - Math.exp(-2.0) * (1 + 2 + 2), WholeNodeSlots.atLeast(2.0, 3), 1e-12);
        assertEquals(0, WholeNodeSlots.atLeast(0, 1));
        // Above λ = 200 the normal approximation: P(N >= λ) is about one half, within 3% of the exact 0.5188.
        assertEquals(0.5188, WholeNodeSlots.atLeast(400, 400), 0.015);
        assertEquals(0, WholeNodeSlots.atLeast(10, 10_000));
    }
}
