package city.myriad.jobs.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.catalog.service.ClusterNodes.NodeRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A cluster's nodes as the loop builds its core on them: cards in service only, indexes, and when it goes stale. */
class LoopTopologyTest {

    static NodeRef node(String name, int cards, List<Integer> out) {
        return new NodeRef(name, "ASCEND-910B", cards, 192_000, 1_572_864, "r1", "b-" + name, "AVAILABLE", out);
    }

    @Test
    void the_core_is_given_each_nodes_cards_in_service_numbered_from_zero() {
        LoopTopology t = LoopTopology.of(List.of(node("a", 8, List.of()), node("b", 4, List.of(1)),
                node("c", 2, List.of(0, 1))));
        assertEquals(3, t.core().nodes());
        assertEquals(8 + 3, t.core().totalCards(), "b's card 1 and both of c's are out");
        assertArrayEquals(new int[] {0, 2, 3}, t.cardsInService()[1], "the core's cards 0-2 are b's own 0, 2, 3");
        assertEquals(0, t.cardsInService()[2].length, "c is given as a node without cards");
        assertEquals(Map.of("b", List.of(1), "c", List.of(0, 1)), t.cardsOut());
        assertEquals(1, t.indexOf("b"));
        assertNull(t.indexOf("z"));
        assertEquals("b-c", t.blockOf(2));
        assertEquals("c", t.core().nodeName(2));

        assertNotNull(t.hardware(), "while a card is out, the whole hardware is known");
        assertEquals(8 + 4 + 2, t.hardware().totalCards());
        assertNull(LoopTopology.of(List.of(node("a", 8, List.of()))).hardware(), "and only then");
    }

    @Test
    void what_it_hands_out_are_copies() {
        LoopTopology t = LoopTopology.of(List.of(node("a", 2, List.of())));
        t.cardsInService()[0][0] = 7;
        t.blocks()[0] = "elsewhere";
        assertEquals(0, t.cardsInService()[0][0]);
        assertEquals("b-a", t.blocks()[0]);
    }

    @Test
    void the_core_is_stale_once_a_node_is_added_removed_or_other_hardware_but_not_for_a_state() {
        List<NodeRef> nodes = List.of(node("a", 8, List.of()), node("b", 8, List.of()));
        LoopTopology t = LoopTopology.of(nodes);
        assertTrue(t.builtOn(nodes));
        assertTrue(t.builtOn(List.of(nodes.get(1), nodes.get(0))), "the order read does not matter");
        NodeRef drained = new NodeRef("b", "ASCEND-910B", 8, 192_000, 1_572_864, "r1", "b-b", "DRAINING", List.of());
        assertTrue(t.builtOn(List.of(nodes.get(0), drained)), "a state is applied as a hold, not a rebuild");

        assertFalse(t.builtOn(List.of(nodes.get(0))), "removed");
        assertFalse(t.builtOn(List.of(nodes.get(0), nodes.get(1), node("c", 8, List.of()))), "added");
        assertFalse(t.builtOn(List.of(nodes.get(0), node("b", 8, List.of(3)))), "a card taken out");
        assertFalse(t.builtOn(List.of(nodes.get(0), new NodeRef("b", "ASCEND-910B", 8, 96_000, 1_572_864, "r1",
                "b-b", "AVAILABLE", List.of()))), "re-imported with less CPU");
        assertFalse(t.builtOn(List.of(nodes.get(0), node("c", 8, List.of()))), "another node in its place");
    }
}
