package city.myriad.allocation;

import static city.myriad.allocation.PlacementPoliciesTest.placed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.IntBinaryOperator;
import org.junit.jupiter.api.Test;

class SumOfSquaresTest {

    /** Σ N(g)² over the model's cards with 0 < g < 1000 free, counted from the cards themselves. */
    private static long sumOfSquares(ClusterState s, int model) {
        return sumOfSquares(s, model, s::freeOn);
    }

    /** Σ N(g)² over the model's cards, g the share {@code share} gives each card (node, card), 0 < g < 1000. */
    private static long sumOfSquares(ClusterState s, int model, IntBinaryOperator share) {
        long[] n = new long[Topology.MILLI_PER_CARD];
        Topology t = s.topology();
        for (int node = 0; node < t.nodes(); node++) {
            if (t.model(node) != model) {
                continue;
            }
            for (int c = 0; c < t.cards(node); c++) {
                int free = share.applyAsInt(node, c);
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
        ClusterState s = new ClusterState(oneCardNodes(13));
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

    /** Σ N'(g)² over the model's cards, N'(g) the cards with g free beyond their planned waste, from the cards. */
    private static long unplannedSumOfSquares(ClusterState s, int model) {
        return sumOfSquares(s, model, (node, c) -> {
            int g = s.unplannedFreeOn(node, c);
            assertTrue(g >= 0 && g <= s.freeOn(node, c), "planned waste within the free share");
            return g;
        });
    }

    @Test
    void planned_waste_and_slices_change_the_unplanned_counts_as_the_cards_say() {
        Topology t = Topology.builder().node("a0", "T4", 4, 64_000, 256_000, "r0", "b0")
                .node("a1", "T4", 2, 64_000, 256_000, "r0", "b0").build();
        Random random = new Random(5);
        int[] sizes = {150, 300, 450, 850};
        ClusterState s = null;
        int slices = 0;
        int planned = 0;
        for (int i = 0; i < 3_000; i++) {
            if (i % 25 == 0) {
                s = new ClusterState(t);
            }
            int node = random.nextInt(t.nodes());
            int card = random.nextInt(t.cards(node));
            if (random.nextInt(3) == 0) {
                long before = unplannedSumOfSquares(s, 0);
                long least = Long.MAX_VALUE;
                for (int g = 50; g < Topology.MILLI_PER_CARD; g++) {
                    if (s.cardsWithUnplannedFree(0, g) > 0) {
                        least = Math.min(least, SumOfSquares.change(s, 0, g, 50));
                    }
                }
                if (SumOfSquares.planWaste(s, 0, 50)) {
                    planned++;
                    assertEquals(least, unplannedSumOfSquares(s, 0) - before, "an item goes where the sum grows least");
                } else {
                    assertEquals(Long.MAX_VALUE, least, "no item only where no card has room for one");
                }
                continue;
            }
            int free = s.freeOn(node, card);
            int milli = sizes[random.nextInt(sizes.length)];
            if (free < milli) {
                continue;
            }
            int unplanned = s.unplannedFreeOn(node, card);
            long before = unplannedSumOfSquares(s, 0);
            long change = SumOfSquares.change(s, 0, unplanned, milli);
            s.allocate(Placement.onNodes(Job.of(i).milliPerCard(milli).build(), new int[] {node}, new int[][] {{card}}));
            assertEquals(unplannedSumOfSquares(s, 0) - before, change,
                    "slice " + milli + " on a card with " + free + " free, " + unplanned + " unplanned");
            for (int g = 0; g <= Topology.MILLI_PER_CARD; g++) {
                int counted = 0;
                for (int n = 0; n < t.nodes(); n++) {
                    for (int c = 0; c < t.cards(n); c++) {
                        counted += s.unplannedFreeOn(n, c) == g ? 1 : 0;
                    }
                }
                assertEquals(counted, s.cardsWithUnplannedFree(0, g), "cards with " + g + " unplanned");
            }
            slices++;
        }
        assertTrue(slices > 500 && planned > 300, "slices " + slices + ", items planned " + planned);
    }

    @Test
    void planned_waste_goes_to_the_crowded_leftover_and_a_slice_takes_it_back() {
        // Ten one-card nodes with 150 free (850s placed), one with 400 free. An imaginary 50 on a 150 leaves the first
        // 100 and one 150 fewer of ten; on the 400 it would leave the first 350 for the only 400: the rule puts it on
        // a 150.
        ClusterState s = new ClusterState(oneCardNodes(11));
        for (int i = 0; i < 10; i++) {
            s.allocate(Placement.onNodes(Job.of(i).milliPerCard(850).build(), new int[] {i}, new int[][] {{0}}));
        }
        s.allocate(Placement.onNodes(Job.of(10).milliPerCard(600).build(), new int[] {10}, new int[][] {{0}}));

        assertTrue(SumOfSquares.planWaste(s, 0, 50));
        assertEquals(9, s.cardsWithUnplannedFree(0, 150));
        assertEquals(1, s.cardsWithUnplannedFree(0, 100));
        assertEquals(1, s.cardsWithUnplannedFree(0, 400));
        assertEquals(150, s.freeOn(0, 0), "planned waste changes no free share");
        assertEquals(100, s.unplannedFreeOn(0, 0));
        // A 150 on that card takes its unplanned 100 and the planned 50.
        assertEquals(-1, SumOfSquares.change(s, 0, 100, 150), "the only 100 gone, nothing left");
        s.allocate(Placement.onNodes(Job.of(20).milliPerCard(150).build(), new int[] {0}, new int[][] {{0}}));
        assertEquals(0, s.unplannedFreeOn(0, 0));
        assertEquals(0, s.cardsWithUnplannedFree(0, 100));
        assertEquals(1, s.cardsWithUnplannedFree(0, 0), "the card, now full");
    }

    @Test
    void the_policy_prices_a_slice_by_the_shares_beyond_the_planned_waste() {
        // One-card nodes: five with 150 free (850s placed), one with 400 free, one whole. A 250 on the 400 leaves a
        // sixth 150; on the whole card a 750. Counted as they are, the five 150s make the sixth dear and the slice
        // goes to the whole card. Once those 150s are planned waste (what an optimal packing leaves), a 150 left
        // is the first of its kind and the slice fills the 400.
        Topology t = oneCardNodes(7);
        ClusterState counted = new ClusterState(t);
        ClusterState planned = new ClusterState(t);
        for (ClusterState s : new ClusterState[] {counted, planned}) {
            for (int i = 0; i < 5; i++) {
                s.allocate(Placement.onNodes(Job.of(i).milliPerCard(850).build(), new int[] {i}, new int[][] {{0}}));
            }
            s.allocate(Placement.onNodes(Job.of(5).milliPerCard(600).build(), new int[] {5}, new int[][] {{0}}));
        }
        for (int i = 0; i < 5; i++) {
            assertTrue(planned.planWaste(0, 150, 150));
        }
        Job slice = Job.of(99).milliPerCard(250).cpu(1_000).memory(1_000).build();

        assertEquals(6, placed(afterSlices(false).place(counted, slice)).nodes()[0], "the whole card");
        assertEquals(5, placed(afterSlices(false).place(planned, slice)).nodes()[0], "the 400");
    }

    @Test
    void planned_waste_is_booked_for_slices_allocated_not_for_placements_only_tried() {
        // Endless 850s and 300s: an optimal packing leaves about 92 milli-cards a slice (DemandProfileTest).
        Topology t = oneCardNodes(40);
        FragmentationAwarePolicy policy = new FragmentationAwarePolicy();
        Job[] slices = new Job[512];
        for (int i = 0; i < slices.length; i++) {
            slices[i] = Job.of(i).milliPerCard(i % 2 == 0 ? 850 : 300).cpu(1_000).memory(1_000).build();
            policy.observe(slices[i]);
        }
        ClusterState s = new ClusterState(t);
        for (int i = 0; i < 20; i++) {
            placed(policy.place(s, slices[i]));  // tried, as preemption tries a head, and dropped
        }
        assertEquals(0, plannedMilli(s), "nothing booked for placements only tried");
        for (int i = 0; i < 20; i++) {
            Placement p = placed(policy.place(s, slices[i]));
            s.allocate(p);
            policy.allocated(s, p);
        }
        long planned = plannedMilli(s);
        assertTrue(planned >= 20 * 92 - 2 * 100 && planned <= 20 * 92 + 100,
                "about 92 milli-cards planned a slice allocated, got " + planned);
    }

    /** Nodes of one T4 card each, with CPU and memory to spare. */
    private static Topology oneCardNodes(int nodes) {
        Topology.Builder b = Topology.builder();
        for (int i = 0; i < nodes; i++) {
            b.node("n" + i, "T4", 1, 64_000, 256_000, "r0", "b0");
        }
        return b.build();
    }

    /** The planned waste on all cards: their free shares less the shares beyond it. */
    private static long plannedMilli(ClusterState s) {
        long planned = 0;
        Topology t = s.topology();
        for (int node = 0; node < t.nodes(); node++) {
            for (int c = 0; c < t.cards(node); c++) {
                planned += s.freeOn(node, c) - s.unplannedFreeOn(node, c);
            }
        }
        return planned;
    }
}
