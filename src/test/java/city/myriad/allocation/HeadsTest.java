package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The reservations of a cycle's first blocked jobs, and the nodes they keep from later jobs. */
class HeadsTest {

    private static Topology nodesOf8(int count) {
        Topology.Builder b = Topology.builder();
        for (int n = 0; n < count; n++) {
            b.node("n" + n, "A100", 8, 64_000, 512_000, "r0", "b0");
        }
        return b.build();
    }

    /** Jobs running by declared end, as the scheduler keeps them. */
    private final TreeSet<RunningJob> byEnd = new TreeSet<>(RunningJob.BY_END);

    /** Runs a job on all 8 cards of {@code node} from 0 until {@code end}. */
    private void fill(ClusterState s, int id, int node, double end) {
        Placement p = Placement.onNodes(Job.of(id).runsFor(end).cards(8).build(), new int[] {node},
                new int[][] {{0, 1, 2, 3, 4, 5, 6, 7}});
        s.allocate(p);
        byEnd.add(new RunningJob(p, 0, byEnd.size()));
    }

    /** A cluster state where node i is full until {@code ends[i]} (nodes beyond are free). */
    private ClusterState fullUntil(Topology t, double... ends) {
        ClusterState s = new ClusterState(t);
        for (int n = 0; n < ends.length; n++) {
            fill(s, n, n, ends[n]);
        }
        return s;
    }

    private static Heads heads(Topology t, ClusterState s, int limit) {
        return new Heads(t, s, limit, new Head.Releases(t), Long.MAX_VALUE);
    }

    private static Job wholeNode(int id) {
        return Job.of(id).runsFor(1_000).cards(8).build();
    }

    @Test
    void each_blocked_whole_node_job_is_reserved_a_node_of_its_own_in_the_order_they_free() {
        Topology t = nodesOf8(3);
        ClusterState s = fullUntil(t, 300, 100, 200);
        Heads heads = heads(t, s, 8);
        List<Head> reserved = new ArrayList<>();
        for (int id = 10; id < 13; id++) {
            assertTrue(heads.reserves(wholeNode(id), 0));
            Head h = heads.reserve(wholeNode(id), 0, byEnd, 0);
            heads.add(h);
            reserved.add(h);
        }
        assertEquals(List.of(100.0, 200.0, 300.0), reserved.stream().map(Head::shadow).toList());
        assertEquals(List.of(1, 2, 0), reserved.stream().map(Head::node).toList());
        heads.liftAll();
    }

    @Test
    void a_later_job_keeps_off_the_nodes_of_every_head_whose_start_it_would_run_past() {
        Topology t = nodesOf8(2);
        ClusterState s = fullUntil(t, 100, 200);
        Heads heads = heads(t, s, 8);
        heads.add(heads.reserve(wholeNode(10), 0, byEnd, 0));  // n0 at 100
        heads.add(heads.reserve(wholeNode(11), 0, byEnd, 0));  // n1 at 200
        assertEquals(HeldNodes.NONE, heads.keptFrom(Job.of(20).runsFor(50).build(), 0), "ends before both starts");
        assertEquals(HeldNodes.of(0), heads.keptFrom(Job.of(21).runsFor(150).build(), 0));
        assertTrue(s.mayUse(Job.of(21).build(), 0), "naming the kept nodes holds nothing");
        heads.keepFrom(Job.of(21).runsFor(150).build(), 0);
        assertFalse(s.mayUse(Job.of(21).build(), 0), "the first head's node is kept while that job is looked at");
        assertTrue(s.mayUse(Job.of(21).build(), 1));
        assertEquals(HeldNodes.of(0, 1), heads.keptFrom(Job.of(22).runsFor(500).build(), 0));
        heads.keepFrom(Job.of(22).runsFor(500).build(), 0);
        assertFalse(s.mayUse(Job.of(22).build(), 1));
        assertEquals(HeldNodes.NONE, heads.keptFrom(Job.of(23).runsFor(10).build(), 0));
        heads.keepFrom(Job.of(23).runsFor(10).build(), 0);
        assertTrue(s.mayUse(Job.of(23).build(), 0) && s.mayUse(Job.of(23).build(), 1), "holds are lifted again");
        heads.keepFrom(Job.of(24).runsFor(500).build(), 0);
        heads.liftAll();
        assertTrue(s.mayUse(Job.of(24).build(), 0) && s.mayUse(Job.of(24).build(), 1), "the scan leaves no hold");
    }

    @Test
    void reservations_stop_at_the_limit_and_a_gang_head_is_the_only_one() {
        Topology t = nodesOf8(3);
        ClusterState s = fullUntil(t, 100, 200, 300);
        Heads two = heads(t, s, 2);
        two.add(two.reserve(wholeNode(10), 0, byEnd, 0));
        two.add(two.reserve(wholeNode(11), 0, byEnd, 0));
        assertFalse(two.reserves(wholeNode(12), 0));

        Heads gang = heads(t, s, 8);
        Job wide = Job.of(13).runsFor(1_000).cards(12).build();
        Head h = gang.reserve(wide, 0, byEnd, 0);
        assertEquals(-1, h.node());
        assertEquals(200, h.shadow(), "16 whole cards back at 200: 12 for the gang, 4 spare");
        gang.add(h);
        assertFalse(gang.reserves(wholeNode(14), 0));
        assertTrue(gang.delaysGang(Job.of(15).runsFor(500).cards(5).build(), 0), "past its start, more than the spare");
        assertFalse(gang.delaysGang(Job.of(16).runsFor(500).cards(4).build(), 0));
        assertFalse(gang.delaysGang(Job.of(17).runsFor(100).cards(8).build(), 0), "ends before the gang starts");
    }

    @Test
    void a_gang_after_a_one_node_head_that_can_never_start_is_reserved_in_aggregate_not_by_that_heads_walk() {
        Topology t = nodesOf8(3);
        ClusterState s = fullUntil(t, 100, 200, 300);
        Heads heads = heads(t, s, 8);
        // More CPU than any node has: no node ever fits it, so it protects nothing and the gang is the first head.
        Head never = heads.reserve(Job.of(10).runsFor(1_000).cards(1).cpu(100_000).build(), 0, byEnd, 0);
        assertTrue(Double.isInfinite(never.shadow()));
        heads.add(never);
        // The gang asks at least that much in every respect, but it is no one-node job: its cards count in aggregate.
        Head gang = heads.reserve(Job.of(11).runsFor(1_000).cards(12).cpu(100_000).build(), 0, byEnd, 0);
        assertEquals(-1, gang.node());
        assertEquals(200, gang.shadow(), "16 whole cards back at 200");
    }

    @Test
    void past_the_limit_a_whole_node_job_that_has_waited_long_enough_is_still_reserved_a_node() {
        Topology t = nodesOf8(4);
        ClusterState s = fullUntil(t, 100, 200, 300, 400);
        Heads heads = new Heads(t, s, 1, 7_200, new Head.Releases(t), Long.MAX_VALUE, null);
        double now = 10_000;
        heads.add(heads.reserve(Job.of(10).submittedAt(now).runsFor(50).build(), now, byEnd, 0));  // the limit's one
        Job waitedLong = Job.of(11).submittedAt(now - 7_200).runsFor(1_000).cards(8).build();
        assertFalse(heads.reserves(Job.of(12).submittedAt(now - 1).runsFor(1_000).cards(8).build(), now),
                "a whole-node job that has not waited 2 hours yet");
        assertFalse(heads.reserves(Job.of(13).submittedAt(0).runsFor(1_000).cards(4).build(), now),
                "half a node finds room without a node kept for it");
        assertFalse(heads.reserves(Job.of(14).submittedAt(0).runsFor(1_000).cards(16).build(), now),
                "a gang past the first head is never reserved for");
        assertTrue(heads.reserves(waitedLong, now));
        Head h = heads.reserve(waitedLong, now, byEnd, 0);
        heads.add(h);
        assertEquals(200, h.shadow(), "the first head has node 0; the whole-node job gets node 1, free at 200");
        assertEquals(1, h.node());
        assertEquals(HeldNodes.of(0, 1), heads.keptFrom(Job.of(20).runsFor(10_000).build(), now));

        Heads none = new Heads(t, s, 1, Double.POSITIVE_INFINITY, new Head.Releases(t), Long.MAX_VALUE, null);
        none.add(none.reserve(Job.of(10).submittedAt(now).runsFor(50).build(), now, byEnd, 0));
        assertFalse(none.reserves(waitedLong, now), "without the rule the limit is the limit");
    }

    @Test
    void a_walk_gone_on_with_for_the_next_head_of_one_shape_finds_what_a_fresh_walk_would() {
        Topology t = nodesOf8(4);
        ClusterState s = fullUntil(t, 400, 100, 300, 200);
        Heads heads = heads(t, s, 8);
        heads.add(heads.reserve(wholeNode(10), 0, byEnd, 0));  // a new walk: n1 at 100
        Head second = heads.reserve(wholeNode(11), 0, byEnd, 0);  // the same shape: the walk goes on
        // A fresh walk with the first head's node kept:
        ClusterState.Hold hold = s.holdForHead(1);
        Head fresh = Head.reserve(wholeNode(11), 0, t, s, byEnd);
        s.lift(hold);
        assertEquals(fresh, second);
        assertEquals(3, second.node());
        assertEquals(200, second.shadow());
    }
}
