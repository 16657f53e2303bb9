package city.myriad.jobs.service;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.catalog.service.ClusterSupply.NodeShape;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeNeedsTest {

    /** Ten nodes of 8 cards, 192 cores and 1.5 TiB; two of 4 cards, 256 cores and 2 TiB. */
    static final List<NodeShape> NODES = List.of(new NodeShape(8, 192_000, 1_572_864, 10),
            new NodeShape(4, 256_000, 2_097_152, 2));

    @Test
    void a_job_on_one_node_needs_a_node_with_its_cards_cpu_and_memory_together() {
        assertTrue(NodeNeeds.canEverRun(8_000, 192_000, 1_572_864, NODES));
        assertFalse(NodeNeeds.canEverRun(8_000, 192_001, 0, NODES), "no 8-card node has more CPU");
        assertTrue(NodeNeeds.canEverRun(4_000, 256_000, 0, NODES), "a 4-card node has");
        assertFalse(NodeNeeds.canEverRun(4_000, 256_000, 2_097_153, NODES));
        assertTrue(NodeNeeds.canEverRun(500, 250_000, 0, NODES), "half a card on the 4-card node");
        assertFalse(NodeNeeds.canEverRun(500, 256_001, 0, NODES));
        assertTrue(NodeNeeds.canEverRun(8_000, 0, 0, NODES));
    }

    @Test
    void a_gang_needs_enough_nodes_whose_cpu_and_memory_carry_its_share_for_their_cards() {
        // 24 cores a card: every 8-card node carries 8 cards, the 4-card ones 4: 88 cards in all.
        assertTrue(NodeNeeds.canEverRun(88_000, 88 * 24_000, 0, NODES));
        assertFalse(NodeNeeds.canEverRun(89_000, 0, 0, NODES), "88 cards in all");
        // 32 cores a card: an 8-card node carries 6 cards (192 / 32), a 4-card node 4 (and 128 of its 256 cores).
        assertTrue(NodeNeeds.canEverRun(68_000, 68 * 32_000, 0, NODES));
        assertFalse(NodeNeeds.canEverRun(69_000, 69 * 32_000, 0, NODES));
        // Memory binds the same way: 64 GiB a card against 192 GiB per 8-card node.
        List<NodeShape> small = List.of(new NodeShape(8, 192_000, 196_608, 4));
        assertTrue(NodeNeeds.canEverRun(12_000, 0, 12 * 65_536, small), "3 cards a node, 4 nodes");
        assertFalse(NodeNeeds.canEverRun(13_000, 0, 13 * 65_536, small));
    }

    @Test
    void a_gang_share_is_rounded_up_as_the_core_rounds_it() {
        // 3 cards a node would need ceil(100001 x 3 / 9) = 33,334 milli-cores; the nodes have 33,333.
        List<NodeShape> nodes = List.of(new NodeShape(3, 33_333, 10, 3));
        assertTrue(NodeNeeds.canEverRun(9_000, 99_999, 0, nodes));
        assertFalse(NodeNeeds.canEverRun(9_000, 100_001, 0, nodes));
    }
}
