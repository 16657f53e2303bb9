package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The blocked head's reservation: when, and for a one-node head where, it will start as running jobs end. */
class HeadTest {

    private static Topology twoNodesOf8() {
        return Topology.builder().node("n0", "A100", 8, 64_000, 512_000, "r0", "b0")
                .node("n1", "A100", 8, 64_000, 512_000, "r0", "b0").build();
    }

    /** Starts {@code job} on {@code node} at {@code start}, as the scheduler would, and keeps it by its end. */
    private static RunningJob run(ClusterState s, List<RunningJob> byEnd, Job job, int node, double start,
            int... cards) {
        Placement p = Placement.onNodes(job, new int[] {node}, new int[][] {cards});
        s.allocate(p);
        RunningJob r = new RunningJob(p, start, byEnd.size());
        byEnd.add(r);
        return r;
    }

    @Test
    void a_one_node_head_is_reserved_the_node_that_frees_first() {
        Topology t = twoNodesOf8();
        ClusterState s = new ClusterState(t);
        List<RunningJob> byEnd = new ArrayList<>();
        run(s, byEnd, Job.of(0).runsFor(100).cards(6).build(), 1, 0, 0, 1, 2, 3, 4, 5);   // n1 frees 6 at t=100
        run(s, byEnd, Job.of(1).runsFor(500).cards(8).build(), 0, 0, 0, 1, 2, 3, 4, 5, 6, 7);
        Head h = Head.reserve(Job.of(2).cards(4).build(), 10, t, s, byEnd);
        assertEquals(100, h.shadow());
        assertEquals(1, h.node());
    }

    @Test
    void a_head_that_fits_now_is_reserved_now() {
        Topology t = twoNodesOf8();
        ClusterState s = new ClusterState(t);
        Head h = Head.reserve(Job.of(0).cards(8).build(), 42, t, s, List.of());
        assertEquals(42, h.shadow());
        assertEquals(0, h.node());
    }

    @Test
    void a_gang_across_nodes_counts_cards_in_aggregate_and_keeps_the_spare_for_backfill() {
        Topology t = twoNodesOf8();
        ClusterState s = new ClusterState(t);
        List<RunningJob> byEnd = new ArrayList<>();
        run(s, byEnd, Job.of(0).runsFor(50).cards(4).build(), 0, 0, 0, 1, 2, 3);
        run(s, byEnd, Job.of(1).runsFor(80).cards(4).build(), 1, 0, 0, 1, 2, 3);
        Head h = Head.reserve(Job.of(2).cards(10).build(), 0, t, s, byEnd);  // 8 free now, 12 at t=50
        assertEquals(50, h.shadow());
        assertEquals(-1, h.node());
        assertEquals(2_000, h.extra(), "two cards spare at the shadow, for backfill");
        assertEquals(1_000, h.spend(1_000).extra());
    }

    @Test
    void a_gang_that_must_stay_in_one_block_is_reserved_when_one_block_holds_it_not_when_all_do() {
        // Two blocks of two 8-card nodes. Block b0 frees 8 cards at t=50 and 8 more at t=300; block b1 frees 8 at 100.
        Topology t = Topology.builder().node("n0", "A100", 8, 64_000, 512_000, "r0", "b0")
                .node("n1", "A100", 8, 64_000, 512_000, "r0", "b0")
                .node("n2", "A100", 8, 64_000, 512_000, "r1", "b1")
                .node("n3", "A100", 8, 64_000, 512_000, "r1", "b1").build();
        ClusterState s = new ClusterState(t);
        List<RunningJob> byEnd = new ArrayList<>();
        run(s, byEnd, Job.of(0).runsFor(50).cards(8).build(), 0, 0, 0, 1, 2, 3, 4, 5, 6, 7);
        run(s, byEnd, Job.of(1).runsFor(100).cards(8).build(), 2, 0, 0, 1, 2, 3, 4, 5, 6, 7);
        run(s, byEnd, Job.of(2).runsFor(300).cards(8).build(), 1, 0, 0, 1, 2, 3, 4, 5, 6, 7);
        run(s, byEnd, Job.of(3).runsFor(400).cards(8).build(), 3, 0, 0, 1, 2, 3, 4, 5, 6, 7);
        Job anywhere = Job.of(4).cards(16).build();
        Job oneBlock = Job.of(5).cards(16).oneBlock(true).build();
        assertEquals(100, Head.reserve(anywhere, 0, t, s, byEnd).shadow(), "16 cards back in all at t=100");
        Head h = Head.reserve(oneBlock, 0, t, s, byEnd);
        assertEquals(300, h.shadow(), "16 cards back in one block (b0) only at t=300");
        assertEquals(0, h.extra(), "b0 has nothing spare then: the cards free in b1 do not count");
        // With n1 and n2 empty, b0 holds it at t=50 (one node free in each block does not), and b1's free node is not
        // its spare.
        ClusterState emptied = new ClusterState(t);
        List<RunningJob> fewer = new ArrayList<>();
        run(emptied, fewer, Job.of(0).runsFor(50).cards(8).build(), 0, 0, 0, 1, 2, 3, 4, 5, 6, 7);
        run(emptied, fewer, Job.of(3).runsFor(400).cards(8).build(), 3, 0, 0, 1, 2, 3, 4, 5, 6, 7);
        Head early = Head.reserve(oneBlock, 0, t, emptied, fewer);
        assertEquals(50, early.shadow());
        assertEquals(0, early.extra());
        assertEquals(0, Head.reserve(anywhere, 0, t, emptied, fewer).shadow(), "across blocks it fits now: n1 and n2");
    }

    @Test
    void a_walk_goes_on_for_another_tenants_job_only_while_no_tenant_holds_a_node() {
        Topology t = twoNodesOf8();
        ClusterState s = new ClusterState(t);
        List<RunningJob> byEnd = new ArrayList<>();
        run(s, byEnd, Job.of(0).runsFor(100).cards(8).build(), 0, 0, 0, 1, 2, 3, 4, 5, 6, 7);
        run(s, byEnd, Job.of(1).runsFor(200).cards(8).build(), 1, 0, 0, 1, 2, 3, 4, 5, 6, 7);
        Job first = Job.of(2).tenant(0).cards(4).build();
        Job other = Job.of(3).tenant(1).cards(4).build();
        Head.Walk walk = new Head.Walk(first, t, s, byEnd, new Head.Releases(t));
        assertEquals(new Head(100, 0, first.allowedModels(), 0), walk.next());
        assertTrue(walk.covers(other), "nobody holds a node: every job may use the same nodes");
        // n0 is kept for the first head, so the walk goes on to the next node that frees: n1 at t=200.
        ClusterState.Hold hold = s.holdForHead(0);
        assertEquals(new Head(200, 1, other.allowedModels(), 0), walk.next(other));
        s.lift(hold);

        s.applyReservations(node -> node == 1 ? 0 : Reservations.NONE);  // tenant 0 holds n1
        Head.Walk held = new Head.Walk(first, t, s, byEnd, new Head.Releases(t));
        held.next();
        assertFalse(held.covers(other), "tenant 1 may not use n1, which tenant 0's walk counted on");
        assertTrue(held.covers(Job.of(4).tenant(0).cards(6).build()), "the same tenant asking more: it goes on");
    }
}
