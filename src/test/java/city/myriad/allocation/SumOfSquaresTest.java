package city.myriad.allocation;

import static city.myriad.allocation.PlacementPoliciesTest.placed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SumOfSquaresTest {

    /** Σ N(g)² over the model's cards with 0 < g < 1000 free, counted from the cards themselves. */
    private static long sumOfSquares(ClusterState s, int model) {
        long[] n = new long[Topology.MILLI_PER_CARD];
        Topology t = s.topology();
        for (int node = 0; node < t.nodes(); node++) {
            if (t.model(node) != model) {
                continue;
            }
            for (int c = 0; c < t.cards(node); c++) {
                int free = s.freeOn(node, c);
                if (free > 0 && free < Topology.MILLI_PER_CARD) {
                    n[free]++;
                }
            }
        }
        long sum = 0;
        for (long k : n) {
            sum += k * k;
        }
        return sum;
    }

    @Test
    void the_change_is_what_placing_the_slice_does_to_the_sum_of_squares() {
        // Two models, so that one model's cards are seen not to count for the other.
        Topology t = Topology.builder().node("a0", "T4", 4, 64_000, 256_000, "r0", "b0")
                .node("a1", "T4", 2, 64_000, 256_000, "r0", "b0")
                .node("b0", "A10", 4, 64_000, 256_000, "r0", "b0").build();
        Random random = new Random(11);
        int[] sizes = {100, 150, 300, 350, 500, 700, 850};
        int checked = 0;
        ClusterState s = null;
        for (int i = 0; i < 3_000; i++) {
            if (i % 30 == 0) {
                s = new ClusterState(t);  // afresh, before the cards are all too full to take more
            }
            int node = random.nextInt(t.nodes());
            int card = random.nextInt(t.cards(node));
            int free = s.freeOn(node, card);
            int milli = sizes[random.nextInt(sizes.length)];
            if (free < milli) {
                continue;
            }
            int model = t.model(node);
            long before = sumOfSquares(s, model);
            long otherBefore = sumOfSquares(s, 1 - model);
            long change = SumOfSquares.change(s, model, free, milli);
            s.allocate(Placement.onNodes(Job.of(i).milliPerCard(milli).build(), new int[] {node}, new int[][] {{card}}));
            assertEquals(sumOfSquares(s, model) - before, change, "slice " + milli + " on a card with " + free + " free");
            assertEquals(otherBefore, sumOfSquares(s, 1 - model));
            checked++;
        }
        assertTrue(checked > 1_000, "placements checked: " + checked);
    }

    @Test
    void a_slice_leaves_a_share_fewer_cards_have_free_while_work_never_ends() {
        // One-card nodes: ten with 300 free (700s placed), one with 700 free, one with 750 free, one whole. Expected
        // tasks: slices of 300 (half), 400 (a sixth) and 700 (a third). A 400 on the 700 leaves 300, on the 750 350
        // (both for the 300s only), on the whole card 600 (for the 300s and 400s): the fragmentation measure prefers
        // the 700 (150 milli-cards unusable against 175 and 200). But ten cards already wait with 300 free for the
        // 300s: the slice goes to the 750 and leaves the first 350.
        Topology.Builder b = Topology.builder();
        for (int i = 0; i < 13; i++) {
            b.node("n" + i, "T4", 1, 64_000, 256_000, "r0", "b0");
        }
        ClusterState s = new ClusterState(b.build());
        for (int i = 0; i < 10; i++) {
            s.allocate(Placement.onNodes(Job.of(i).milliPerCard(700).build(), new int[] {i}, new int[][] {{0}}));
        }
        s.allocate(Placement.onNodes(Job.of(10).milliPerCard(300).build(), new int[] {10}, new int[][] {{0}}));
        s.allocate(Placement.onNodes(Job.of(11).milliPerCard(250).build(), new int[] {11}, new int[][] {{0}}));
        Job slice = Job.of(99).milliPerCard(400).cpu(1_000).memory(1_000).build();

        assertEquals(11, placed(afterSlices(false).place(s, slice)).nodes()[0], "the 750: its 350 would be the only one");
        // Where every job ends the shares come back within a run time: the measure alone, as before.
        assertEquals(10, placed(afterSlices(true).place(s, slice)).nodes()[0], "the 700, by the measure");
    }

    private static FragmentationAwarePolicy afterSlices(boolean ending) {
        FragmentationAwarePolicy policy = new FragmentationAwarePolicy();
        int[] slices = {300, 300, 300, 400, 700, 700};
        for (int i = 0; i < 300; i++) {
            Job.Builder task = Job.of(1000 + i).milliPerCard(slices[i % slices.length]).cpu(1_000).memory(1_000);
            policy.observe((ending ? task.runsFor(3600) : task).build());
        }
        return policy;
    }
}
