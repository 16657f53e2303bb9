package city.myriad.jobs.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.allocation.Reservations;
import city.myriad.catalog.service.ClusterNodes.MaintenanceRef;
import city.myriad.catalog.service.ClusterNodes.NodeRef;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What nodes' states and maintenance windows mean for the core at a refresh of the loop. */
class NodeStatesTest {

    private static final Instant NOW = Instant.parse("2026-12-08T06:00:00Z");

    private static NodeRef node(String name, String state) {
        return new NodeRef(name, "ASCEND-910B", 8, 192_000, 1_572_864, "r1", "b1", state, List.of());
    }

    private static MaintenanceRef window(Instant start, Instant end, String... nodes) {
        return new MaintenanceRef(UUID.randomUUID(), List.of(nodes), start, end);
    }

    private static final List<NodeRef> NODES = List.of(node("n0", "AVAILABLE"), node("n1", "DRAINING"),
            node("n2", "DOWN"), node("n3", "AVAILABLE"), node("n4", "AVAILABLE"));
    private static final LoopTopology BUILT = LoopTopology.of(NODES);

    @Test
    void a_node_out_of_service_takes_nothing_and_only_a_node_down_loses_its_runs() {
        NodeStates s = NodeStates.of(BUILT, NODES, List.of(), NOW);
        assertArrayEquals(new int[] {Reservations.NONE, Reservations.OUT_OF_SERVICE, Reservations.OUT_OF_SERVICE,
                Reservations.NONE, Reservations.NONE}, s.holders());
        assertEquals(Set.of("n2"), s.down(), "a draining node's runs finish there");
        assertTrue(s.anyOut());
        assertTrue(s.noWindows());
    }

    @Test
    void a_window_now_takes_its_nodes_and_one_to_come_keeps_them_from_its_earliest_start() {
        List<MaintenanceRef> windows = List.of(
                window(NOW, NOW.plusSeconds(3600), "n3"),                                     // from now on
                window(NOW.plusSeconds(7200), NOW.plusSeconds(9000), "n4"),                  // to come
                window(NOW.plusSeconds(4000), NOW.plusSeconds(5000), "n4", "unknown-node"),  // earlier, to come
                window(NOW.minusSeconds(3600), NOW, "n0"));                                  // over: ended now
        NodeStates s = NodeStates.of(BUILT, List.of(node("n0", "AVAILABLE"), node("n3", "AVAILABLE"),
                node("n4", "AVAILABLE")), windows, NOW);
        int[] holders = s.holders();
        assertEquals(Reservations.OUT_OF_SERVICE, holders[3], "a window that starts now has begun");
        assertEquals(Reservations.NONE, holders[4], "a window to come takes nothing yet");
        assertEquals(Reservations.NONE, holders[0], "a window that ended now is over");
        assertEquals(Set.of("n3"), s.maintained());
        assertArrayEquals(new int[] {3}, s.inWindow());
        assertArrayEquals(new int[] {4}, s.toCome());
        assertEquals(NOW.plusSeconds(4000), s.maintenanceFrom(4), "the earliest window to come");
        assertNull(s.maintenanceFrom(3), "in its window now, not to come");
        assertTrue(s.anyOut());
        assertFalse(s.noWindows());
        assertEquals(5, s.windowsToCome().length, "one per node of the core");
    }

    @Test
    void nothing_is_out_before_the_first_refresh() {
        NodeStates none = NodeStates.none();
        assertFalse(none.anyOut());
        assertTrue(none.noWindows());
        NodeStates quiet = NodeStates.of(BUILT, List.of(node("n0", "AVAILABLE")), List.of(), NOW);
        assertFalse(quiet.anyOut());
        assertEquals(Reservations.NONE, quiet.holders()[1], "a node not read keeps no state");
    }

    @Test
    void the_holds_get_copies() {
        NodeStates s = NodeStates.of(BUILT, NODES, List.of(window(NOW.plusSeconds(60), NOW.plusSeconds(120), "n0")),
                NOW);
        s.holders()[0] = 42;
        s.windowsToCome()[0] = null;
        assertEquals(Reservations.NONE, s.holders()[0]);
        assertEquals(NOW.plusSeconds(60), s.windowsToCome()[0]);
    }
}
