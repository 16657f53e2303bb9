package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The first head's reservation kept between cycles: when it stands, and what makes the next cycle walk again. */
class HeadMemoTest {

    private final Topology t = nodes(3);
    private final ClusterState s = new ClusterState(t);
    private final TreeSet<RunningJob> byEnd = new TreeSet<>(
            (a, b) -> a.end != b.end ? Double.compare(a.end, b.end) : Long.compare(a.seq, b.seq));
    private final HeadMemo memo = new HeadMemo();
    private final Job head = Job.of(100).runsFor(1_000).cards(8).build();

    private static Topology nodes(int count) {
        Topology.Builder b = Topology.builder();
        for (int n = 0; n < count; n++) {
            b.node("n" + n, "A100", 8, 64_000, 512_000, "r0", "b0");
        }
        return b.build();
    }

    private RunningJob fill(int id, int node, double end) {
        Placement p = Placement.onNodes(Job.of(id).runsFor(end).cards(8).build(), new int[] {node},
                new int[][] {{0, 1, 2, 3, 4, 5, 6, 7}});
        s.allocate(p);
        RunningJob r = new RunningJob(p, 0, id);
        byEnd.add(r);
        return r;
    }

    /** The first head's reservation as a scan at {@code now} makes it, kept in the memo for the next scan. */
    private Head firstHead(double now) {
        memo.beginScan(now);
        return new Heads(t, s, 8, Double.POSITIVE_INFINITY, new Head.Releases(t), Long.MAX_VALUE, memo).reserve(head, now, byEnd, 0);
    }

    /** Nodes full until 300, 100 and 200: the head is reserved node 1 at 100. Returns node 0's job. */
    private RunningJob reservedOnNode1() {
        RunningJob longest = fill(0, 0, 300);
        fill(1, 1, 100);
        fill(2, 2, 200);
        Head h = firstHead(0);
        assertEquals(1, h.node());
        return longest;
    }

    @Test
    void the_same_head_gets_the_kept_reservation_while_its_node_and_the_earlier_ends_are_unchanged() {
        fill(0, 0, 300);
        fill(1, 1, 100);
        Placement early = Placement.onNodes(Job.of(2).runsFor(40).cards(4).build(), new int[] {2},
                new int[][] {{0, 1, 2, 3}});
        s.allocate(early);
        byEnd.add(new RunningJob(early, 0, 2));
        Placement late = Placement.onNodes(Job.of(3).runsFor(200).cards(4).build(), new int[] {2},
                new int[][] {{4, 5, 6, 7}});
        s.allocate(late);
        byEnd.add(new RunningJob(late, 0, 3));
        Head h = firstHead(0);
        assertEquals(1, h.node());
        assertEquals(100, h.shadow());
        // At 50: the job on node 2 that was declared to end at 40 has ended; another starts on node 2. Neither can
        // make a node free before node 1 does.
        s.release(early);
        memo.gone(40);
        s.allocate(Placement.onNodes(Job.of(4).runsFor(500).cards(4).build(), new int[] {2},
                new int[][] {{0, 1, 2, 3}}));
        memo.beginScan(50);
        assertSame(h, memo.lookup(head, 50, s, HeldNodes.NONE), "kept");
        assertNull(memo.lookup(Job.of(101).runsFor(1_000).cards(8).build(), 50, s, HeldNodes.NONE), "another job walks");
        assertNull(memo.lookup(head, 50, s, HeldNodes.of(0)), "other nodes held for earlier heads");
        memo.beginScan(100);
        assertNull(memo.lookup(head, 100, s, HeldNodes.NONE), "its start is no longer ahead");
    }

    @Test
    void a_job_placed_on_or_leaving_the_reserved_node_voids_it() {
        fill(0, 0, 300);
        RunningJob onOne = fill(1, 1, 100);
        fill(2, 2, 200);
        firstHead(0);
        s.release(onOne.placement);
        memo.gone(onOne.end);
        memo.beginScan(100);
        assertNull(memo.lookup(head, 50, s, HeldNodes.NONE));
    }

    @Test
    void a_job_gone_before_its_declared_end_voids_it_because_its_node_may_now_free_first() {
        RunningJob longest = reservedOnNode1();
        // Node 0's job (declared to end at 300) is cancelled at 10: node 0 is free now, before node 1.
        s.release(longest.placement);
        memo.gone(longest.end);
        memo.beginScan(10);
        assertNull(memo.lookup(head, 10, s, HeldNodes.NONE));
    }

    @Test
    void a_job_preempted_during_a_scan_voids_what_the_scan_and_the_last_one_kept() {
        RunningJob victim = reservedOnNode1();
        memo.beginScan(10);
        s.release(victim.placement);
        memo.goneDuringScan(victim.end, 10);
        assertNull(memo.lookup(head, 10, s, HeldNodes.NONE));
    }

    @Test
    void a_scan_that_stops_early_keeps_what_it_did_not_ask_for_until_something_voids_it() {
        RunningJob longest = reservedOnNode1();
        memo.beginScan(10);
        memo.keepUnasked();  // every card taken: the scan stopped before reaching the head
        memo.beginScan(20);
        assertEquals(1, memo.lookup(head, 20, s, HeldNodes.NONE).node(), "kept over the scan that skipped it");
        memo.keepUnasked();
        memo.beginScan(30);
        memo.keepUnasked();
        // Node 0's job leaves at 35, long before its declared end: node 0 frees first now.
        s.release(longest.placement);
        memo.gone(longest.end);
        memo.beginScan(35);
        memo.keepUnasked();
        memo.beginScan(40);
        assertNull(memo.lookup(head, 40, s, HeldNodes.NONE));
    }

    @Test
    void without_keeping_the_unasked_a_scan_forgets_what_it_did_not_ask_for() {
        reservedOnNode1();
        memo.beginScan(10);
        memo.beginScan(20);
        assertNull(memo.lookup(head, 20, s, HeldNodes.NONE));
    }
}
