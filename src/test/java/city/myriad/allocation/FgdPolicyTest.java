package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.api.Test;

/** The FGD baseline on cases small enough to compute by hand. */
class FgdPolicyTest {

    static Placement placed(PlacementResult r) {
        return assertInstanceOf(PlacementResult.Placed.class, r).placement();
    }

    @Test
    void a_slice_goes_where_fragmentation_grows_least() {
        Topology t = Topology.builder().node("a", "H800", 2, 64_000, 512_000, "r0", "b0")
                .node("b", "H800", 2, 64_000, 512_000, "r0", "b0").build();
        ClusterState s = new ClusterState(t);
        FgdPolicy fgd = new FgdPolicy();
        for (int i = 0; i < 100; i++) {
            fgd.observe(Job.of(100 + i).cpu(1000).memory(1000).build());  // typical task: one whole card
        }
        s.allocate(Placement.onNodes(Job.of(0).milliPerCard(500).cpu(1000).memory(1000)
                .build(), new int[] {0}, new int[][] {{0}}));
        // Node a is [500, 1000] free: its 500 is a fragment for whole-card tasks (F = 500). A half slice on a's card 0
        // leaves [0, 1000] (F = 0, delta -500); on a's card 1, [500, 500] (no whole card: F = 1000, delta +500); on
        // node b, [500, 1000] (F = 500, delta +500).
        Placement p = placed(fgd.place(s, Job.of(1).milliPerCard(500).cpu(1000).memory(1000).build()));
        assertArrayEquals(new int[] {0}, p.nodes());
        assertArrayEquals(new int[] {0}, p.cards()[0]);
    }

    @Test
    void nodes_of_a_model_a_typical_task_cannot_use_count_as_its_fragments() {
        Topology t = Topology.builder().node("x", "A100", 1, 64_000, 512_000, "r0", "b0")
                .node("y", "H800", 2, 64_000, 512_000, "r0", "b0").build();
        ClusterState s = new ClusterState(t);
        FgdPolicy fgd = new FgdPolicy();
        long a100 = 1L << t.modelId("A100");
        for (int i = 0; i < 100; i++) {
            fgd.observe(Job.of(100 + i).models(a100).cpu(1000).memory(1000).build());  // typical task: one A100 card
        }
        // On x the free A100 card is usable by the typical task (F = 0 before and after: delta 0). On y both H800
        // cards are fragments for it (F = 2000), and taking one leaves F = 1000: delta -1000. FGD takes y, where
        // best fit would take x (nothing left over).
        assertArrayEquals(new int[] {1}, placed(fgd.place(s, Job.of(1).cpu(1000).memory(1000).build())).nodes());
        assertArrayEquals(new int[] {0}, placed(new BestFitPolicy().place(s, Job.of(1).cpu(1000).memory(1000)
                .build())).nodes());
    }
}
