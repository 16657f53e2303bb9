package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The profile's shapes grouped for a node's score: slots per slice size, whole-card groups, sums per model. */
class ShapeGroupsTest {

    /** Model A100 (8-card nodes) and H800 (4-card nodes). */
    private final Topology topology = Topology.builder()
            .node("a0", "A100", 8, 64_000, 512_000, "r0", "b0")
            .node("h1", "H800", 4, 64_000, 512_000, "r0", "b0").build();
    private final long a100 = 1L << topology.model(0);
    private final long h800 = 1L << topology.model(1);

    /** A profile of these jobs in turn, 256 of them after the first (the profile is rebuilt on those). */
    private static DemandProfile profileOf(List<Job.Builder> kinds) {
        DemandProfile p = new DemandProfile(true);
        for (int i = 0; i <= DemandProfile.REBUILD_EVERY; i++) {
            p.observe(kinds.get(i % kinds.size()).build());
        }
        return p;
    }

    private static List<Job.Builder> kinds(Job.Builder... builders) {
        return new ArrayList<>(List.of(builders));
    }

    @Test
    void shapes_of_one_slice_share_a_slot_and_whole_cards_group_by_count_and_whether_they_fit_one_node() {
        DemandProfile p = profileOf(kinds(
                Job.of(1).cards(1).milliPerCard(500),
                Job.of(2).cards(1).milliPerCard(500).models(a100),   // another shape, the same slot
                Job.of(3).cards(1).milliPerCard(250),
                Job.of(4).cards(2),
                Job.of(5).cards(8),                                   // fits an A100 node
                Job.of(6).cards(8).models(h800)));                    // bound to 4-card nodes: a gang
        ShapeGroups g = new ShapeGroups(topology, p);

        assertEquals(2, g.slots());
        int[] slices = g.sliceMilli.clone();
        Arrays.sort(slices);
        assertArrayEquals(new int[] {250, 500}, slices);
        assertEquals(5, g.count());  // two slots; 2 cards; 8 cards on one node; 8 cards across nodes
        List<String> whole = new ArrayList<>();
        for (int i = 0; i < g.wholeCards.length; i++) {
            whole.add(g.wholeCards[i] + (g.wholeOneNode[i] ? " one node" : " gang"));
        }
        assertEquals(3, whole.size());
        assertTrue(whole.containsAll(List.of("2 one node", "8 one node", "8 gang")), whole.toString());
    }

    @Test
    void each_row_lists_the_shapes_of_its_model_and_group_and_sums_their_weight() {
        DemandProfile p = profileOf(kinds(Job.of(1).cards(1), Job.of(2).cards(1).models(a100), Job.of(3).cards(2)));
        ShapeGroups g = new ShapeGroups(topology, p);
        int groups = g.count();
        int a = topology.model(0);
        int h = topology.model(1);

        double aWeight = 0;
        double hWeight = 0;
        for (int row = a * groups; row < (a + 1) * groups; row++) {
            aWeight += g.weight[row];
            for (int j = g.start[row]; j < g.start[row + 1]; j++) {
                assertTrue((p.models[g.shapes[j]] & a100) != 0);
            }
        }
        for (int row = h * groups; row < (h + 1) * groups; row++) {
            hWeight += g.weight[row];
            for (int j = g.start[row]; j < g.start[row + 1]; j++) {
                assertTrue((p.models[g.shapes[j]] & h800) != 0, "a shape bound to A100 is not in an H800 row");
            }
        }
        assertEquals(1.0, aWeight, 1e-9);
        assertEquals(g.modelWeight[a], aWeight, 1e-12);
        assertEquals(2.0 / 3, hWeight, 0.01);
        assertEquals(g.modelWeight[h], hWeight, 1e-12);
        // These jobs declare no run time (they never end): a model's share is the weight of the shapes it may run.
        assertEquals(1.0, g.modelShare[a], 1e-12);
        assertEquals(hWeight, g.modelShare[h], 1e-9);
    }

    @Test
    void a_group_is_served_at_once_only_where_the_nodes_cpu_and_memory_fit_its_largest_shape() {
        DemandProfile p = profileOf(kinds(Job.of(1).cards(1).cpu(4_000).memory(8_000),
                Job.of(2).cards(1).cpu(16_000).memory(8_000)));
        ShapeGroups g = new ShapeGroups(topology, p);
        int row = topology.model(0) * g.count();  // the one group of one-card shapes

        // Where every job ends, the largest shape's CPU and memory are the test.
        assertTrue(g.serves(row, 8_000, 16_000, 8_000, 0));
        assertFalse(g.serves(row, 8_000, 15_999, 8_000, 0));
        assertFalse(g.serves(row, 8_000, 16_000, 7_999, 0));
        // Where jobs never end, the CPU must also carry tasks for all the usable cards.
        assertFalse(g.serves(row, 8_000, 16_000, 8_000, 1));
        assertTrue(g.serves(row, 8_000, 1_000_000, 1_000_000, 1));
    }
}
