package city.myriad.jobs.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import city.myriad.allocation.Job;
import city.myriad.allocation.Placement;
import city.myriad.allocation.Topology;
import city.myriad.jobs.model.JobPlacement;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoredPlacementsTest {

    static final Topology TOPOLOGY = Topology.builder()
            .node("hz-n0001", "ASCEND-910B", 8, 96_000, 1_000_000, "r1", "b1")
            .node("hz-n0002", "ASCEND-910B", 8, 96_000, 1_000_000, "r1", "b1")
            .build();
    static final ObjectMapper JSON = new ObjectMapper();
    static final int[] ALL = {0, 1, 2, 3, 4, 5, 6, 7};

    @Test
    void a_placement_is_stored_by_node_name_and_read_back_as_the_same_cards() {
        StoredPlacements placements = new StoredPlacements(TOPOLOGY, Map.of("hz-n0001", 0, "hz-n0002", 1),
                new int[][] {ALL, ALL}, JSON);
        Job job = Job.of(7).cards(3).build();
        Placement p = new Placement(job, new int[] {1, 0}, new int[][] {{0, 1}, {5}}, new long[2], new long[2]);
        String stored = placements.write(p);
        assertEquals(new JobPlacement(List.of(new JobPlacement.NodeCards("hz-n0002", List.of(0, 1)),
                new JobPlacement.NodeCards("hz-n0001", List.of(5))), p.milli()), placements.read(stored));
        Placement back = placements.of(job, stored);
        assertArrayEquals(new int[] {1, 0}, back.nodes());
        assertArrayEquals(new int[][] {{0, 1}, {5}}, back.cards());
    }

    @Test
    void a_stored_placement_on_a_node_the_topology_no_longer_has_reads_as_none() {
        StoredPlacements before = new StoredPlacements(TOPOLOGY, Map.of("hz-n0001", 0, "hz-n0002", 1),
                new int[][] {ALL, ALL}, JSON);
        Job job = Job.of(7).cards(1).build();
        String stored = before.write(new Placement(job, new int[] {1}, new int[][] {{2}}, new long[1], new long[1]));
        Topology after = Topology.builder().node("hz-n0001", "ASCEND-910B", 8, 96_000, 1_000_000, "r1", "b1").build();
        assertNull(new StoredPlacements(after, Map.of("hz-n0001", 0), new int[][] {ALL}, JSON).of(job, stored));
        assertNull(before.read(null));
    }

    @Test
    void a_node_with_a_card_out_keeps_its_own_card_numbers_in_the_row_and_the_core_numbers_its_cards_in_service() {
        // hz-n0002's card 3 is out: the core has 7 cards there, its 3..6 the node's 4..7.
        Topology core = Topology.builder()
                .node("hz-n0001", "ASCEND-910B", 8, 96_000, 1_000_000, "r1", "b1")
                .node("hz-n0002", "ASCEND-910B", 7, 96_000, 1_000_000, "r1", "b1")
                .build();
        StoredPlacements placements = new StoredPlacements(core, Map.of("hz-n0001", 0, "hz-n0002", 1),
                new int[][] {ALL, {0, 1, 2, 4, 5, 6, 7}}, JSON);
        Job job = Job.of(9).cards(3).build();
        String stored = placements.write(new Placement(job, new int[] {1}, new int[][] {{2, 3, 6}}, new long[1],
                new long[1]));
        assertEquals(List.of(2, 4, 7), placements.read(stored).nodes().get(0).cards());
        assertArrayEquals(new int[][] {{2, 3, 6}}, placements.of(job, stored).cards());

        Map<String, List<Integer>> out = Map.of("hz-n0002", List.of(3));
        assertEquals(false, placements.onCardOut(stored, out));
        String onCard3 = "{\"nodes\":[{\"node\":\"hz-n0002\",\"cards\":[3,4]}],\"shareMilli\":1000}";
        assertEquals(true, placements.onCardOut(onCard3, out));
        assertEquals(false, placements.onCardOut(onCard3, Map.of()));
        // A card the node no longer has at all (a re-import with fewer cards) is -1: the core refuses to resume it.
        String beyond = "{\"nodes\":[{\"node\":\"hz-n0001\",\"cards\":[9]}],\"shareMilli\":1000}";
        assertArrayEquals(new int[][] {{-1}}, placements.of(Job.of(10).cards(1).build(), beyond).cards());
    }
}
