package city.myriad.jobs.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import city.myriad.allocation.Reservations;
import city.myriad.allocation.Topology;
import city.myriad.market.service.JobPricing.ReservationRef;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class ReservationHoldsTest {

    static final int N = Reservations.NONE;
    static final int OUT = Reservations.OUT_OF_SERVICE;
    static final int MAINT = Reservations.MAINTENANCE;
    /** No node has maintenance to come. */
    static final Instant[] NO_MAINTENANCE = new Instant[5];
    static final UUID ACME = UUID.randomUUID();
    static final UUID GLOBEX = UUID.randomUUID();

    /** Nodes 0-3: 8 ASCEND cards each, blocks b1, b1, b2, b2; node 4: 8 H800 cards in b2. */
    static final Topology TOPOLOGY = Topology.builder()
            .node("n0", "ASCEND-910B", 8, 96_000, 1_000_000, "r1", "b1")
            .node("n1", "ASCEND-910B", 8, 96_000, 1_000_000, "r1", "b1")
            .node("n2", "ASCEND-910B", 8, 96_000, 1_000_000, "r2", "b2")
            .node("n3", "ASCEND-910B", 8, 96_000, 1_000_000, "r2", "b2")
            .node("n4", "H800", 8, 96_000, 1_000_000, "r2", "b2")
            .build();
    static final String[] BLOCKS = {"b1", "b1", "b2", "b2", "b2"};

    final Map<UUID, Integer> tenants = new HashMap<>();

    int tenant(UUID id) {
        return tenants.computeIfAbsent(id, k -> tenants.size());
    }

    /** Work whose milli-cards by tenant are {@code busy}'s; no card taken, no job of the tenant anywhere. */
    static ReservationHolds.Work busy(IntFunction<long[]> busy) {
        return work((t, fromS) -> busy.apply(t), t -> new int[TOPOLOGY.nodes()], t -> new boolean[TOPOLOGY.nodes()]);
    }

    static ReservationHolds.Work work(java.util.function.BiFunction<Integer, Double, long[]> milli,
            IntFunction<int[]> cards, IntFunction<boolean[]> own) {
        return new ReservationHolds.Work() {
            @Override
            public long[] othersMilli(int tenant, double fromS) {
                return milli.apply(tenant, fromS);
            }

            @Override
            public int[] othersCards(int tenant) {
                return cards.apply(tenant);
            }

            @Override
            public boolean[] runsJobsOf(int tenant) {
                return own.apply(tenant);
            }
        };
    }

    /** The holds of reservations open now, with none to come. */
    int[] hold(ReservationHolds holds, int[] holder, List<ReservationRef> open, IntFunction<long[]> busy) {
        return holds.hold(holder, NO_MAINTENANCE, open, List.of(), this::tenant, at -> 0, busy(busy)).holder();
    }

    static ReservationRef reservation(UUID tenant, String model, int cards, String block) {
        Instant now = Instant.parse("2026-12-02T12:00:00Z");
        return new ReservationRef(UUID.randomUUID(), tenant, UUID.randomUUID(), UUID.randomUUID(), model, cards, now,
                now.plusSeconds(3600), "ACTIVE", "CNY", block);
    }

    @Test
    void a_reservation_holds_whole_nodes_of_its_model_and_block_enough_for_its_cards() {
        ReservationHolds holds = new ReservationHolds(TOPOLOGY, BLOCKS);
        ReservationRef acme = reservation(ACME, "ASCEND-910B", 12, null);      // 12 cards: two whole nodes
        ReservationRef globex = reservation(GLOBEX, "ASCEND-910B", 8, "b2");   // one node, in b2
        ReservationRef h800 = reservation(GLOBEX, "H800", 16, null);           // more than the cluster has
        int[] holder = hold(holds, new int[] {N, N, N, N, N}, List.of(acme, globex, h800), t -> new long[5]);
        assertArrayEquals(new int[] {0, 0, 1, N, 1}, holder, "the H800 reservation holds the one node there is");
        assertEquals(8, holds.shortCards());
        assertEquals(Map.of(h800.id(), 8), holds.shortBy(), "only the H800 reservation is short");
    }

    @Test
    void a_reservation_short_of_nodes_holds_what_is_in_service_keeps_it_and_is_topped_up_as_nodes_come_back() {
        ReservationHolds holds = new ReservationHolds(TOPOLOGY, BLOCKS);
        ReservationRef acme = reservation(ACME, "ASCEND-910B", 24, null);     // three nodes
        ReservationRef globex = reservation(GLOBEX, "ASCEND-910B", 8, null);  // bought after acme's
        assertArrayEquals(new int[] {0, 0, 0, 1, N}, hold(holds, new int[] {N, N, N, N, N}, List.of(acme, globex),
                t -> new long[5]));
        assertEquals(0, holds.shortCards());
        // Nodes 1 and 2 go down: acme keeps node 0, where its jobs run, and is 16 cards short; globex keeps node 3.
        assertArrayEquals(new int[] {0, OUT, OUT, 1, N}, hold(holds, new int[] {N, OUT, OUT, N, N},
                List.of(acme, globex), t -> new long[5]));
        assertEquals(16, holds.shortCards());
        assertEquals(Map.of(acme.id(), 16), holds.shortBy());
        // Node 2 comes back: acme, short, gets it; node 1 back too: acme is whole again.
        assertArrayEquals(new int[] {0, OUT, 0, 1, N}, hold(holds, new int[] {N, OUT, N, N, N}, List.of(acme, globex),
                t -> new long[5]));
        assertEquals(8, holds.shortCards());
        assertEquals(Map.of(acme.id(), 8), holds.shortBy());
        assertArrayEquals(new int[] {0, 0, 0, 1, N}, hold(holds, new int[] {N, N, N, N, N}, List.of(acme, globex),
                t -> new long[5]));
        assertEquals(0, holds.shortCards());
        assertEquals(Map.of(), holds.shortBy());
    }

    @Test
    void a_reservation_keeps_its_nodes_while_they_are_holdable_and_moves_when_one_leaves_service() {
        ReservationHolds holds = new ReservationHolds(TOPOLOGY, BLOCKS);
        ReservationRef globex = reservation(GLOBEX, "ASCEND-910B", 8, null);
        ReservationRef acme = reservation(ACME, "ASCEND-910B", 8, null);
        assertArrayEquals(new int[] {0, N, N, N, N}, hold(holds, new int[] {N, N, N, N, N}, List.of(globex), t -> new long[5]));
        // A reservation opening later takes the next node; the first keeps node 0.
        assertArrayEquals(new int[] {0, 1, N, N, N},
                hold(holds, new int[] {N, N, N, N, N}, List.of(globex, acme), t -> new long[5]));
        // Node 0 out of service: the first reservation moves to the first node no other keeps; the second keeps node
        // 1 (where its jobs run), though it comes later in the list.
        assertArrayEquals(new int[] {OUT, 1, 0, N, N},
                hold(holds, new int[] {OUT, N, N, N, N}, List.of(globex, acme), t -> new long[5]));
        // A reservation whose window closed holds nothing.
        assertArrayEquals(new int[] {N, 1, N, N, N}, hold(holds, new int[] {N, N, N, N, N}, List.of(acme), t -> new long[5]));
    }

    @Test
    void a_reservation_gets_the_nodes_least_busy_with_other_tenants_work_then_the_first_in_order() {
        ReservationHolds holds = new ReservationHolds(TOPOLOGY, BLOCKS);
        ReservationRef acme = reservation(ACME, "ASCEND-910B", 16, null);
        // Other tenants' on-demand work fills node 0 and 1, half of node 3; node 2 is idle.
        long[] busy = {8_000, 8_000, 0, 4_000, 0};
        java.util.List<Integer> asked = new java.util.ArrayList<>();
        int[] holder = hold(holds, new int[] {N, N, N, N, N}, List.of(acme), t -> {
            asked.add(t);
            return busy;
        });
        assertArrayEquals(new int[] {N, N, 0, 0, N}, holder, "the idle node, then the half-busy one");
        assertEquals(List.of(tenant(ACME)), asked, "asked for the reservation's own tenant");
        // Kept while holdable and whole, however busy the others become; not asked again when nothing is missing.
        asked.clear();
        assertArrayEquals(new int[] {N, N, 0, 0, N}, hold(holds, new int[] {N, N, N, N, N}, List.of(acme),
                t -> {
                    asked.add(t);
                    return new long[] {0, 0, 8_000, 8_000, 0};
                }));
        assertEquals(List.of(), asked);
    }

    static final Instant T0 = Instant.parse("2026-12-02T12:00:00Z");

    static ReservationRef window(UUID tenant, int cards, long fromH, long toH) {
        return new ReservationRef(UUID.randomUUID(), tenant, UUID.randomUUID(), UUID.randomUUID(), "ASCEND-910B",
                cards, T0.plusSeconds(fromH * 3600), T0.plusSeconds(toH * 3600), "CONFIRMED", "CNY", null);
    }

    /** The core's seconds: from T0. */
    static double seconds(Instant at) {
        return at.getEpochSecond() - T0.getEpochSecond();
    }

    @Test
    void a_reservation_to_come_keeps_the_nodes_least_busy_past_its_start_and_holds_them_when_it_opens() {
        ReservationHolds holds = new ReservationHolds(TOPOLOGY, BLOCKS);
        ReservationRef acme = window(ACME, 16, 5, 8);
        // Other tenants' work past the start (5 h): node 0 full, node 2 half; nodes 1 and 3 run only work ending
        // before it, which does not count.
        List<Double> askedFrom = new java.util.ArrayList<>();
        ReservationHolds.Holds h = holds.hold(new int[] {N, N, N, N, N}, NO_MAINTENANCE, List.of(), List.of(acme), this::tenant,
                ReservationHoldsTest::seconds, work((t, fromS) -> {
                    askedFrom.add(fromS);
                    return new long[] {8_000, 0, 4_000, 0, 0};
                }, t -> new int[5], t -> new boolean[5]));
        assertArrayEquals(new int[] {N, N, N, N, N}, h.holder(), "nobody holds anything before the window");
        assertArrayEquals(new int[] {N, 0, N, 0, N}, h.nextHolder());
        assertEquals(List.of(5 * 3600.0), askedFrom, "asked for what runs past the window's start");
        assertEquals(5 * 3600.0, h.nextHoldFromS(1));
        assertEquals(Double.POSITIVE_INFINITY, h.nextHoldFromS(0));
        // Kept while keepable, without asking again; once the window is open, held.
        ReservationHolds.Holds again = holds.hold(new int[] {N, N, N, N, N}, NO_MAINTENANCE, List.of(), List.of(acme), this::tenant,
                ReservationHoldsTest::seconds, busy(t -> {
                    throw new AssertionError("nothing is missing");
                }));
        assertEquals(h, again);
        int[] open = hold(holds, new int[] {N, N, N, N, N}, List.of(acme), t -> new long[] {0, 8_000, 0, 8_000, 0});
        assertArrayEquals(new int[] {N, 0, N, 0, N}, open, "the nodes kept for it, however busy meanwhile");
    }

    @Test
    void a_node_held_now_is_kept_for_a_window_to_come_only_if_its_hold_ends_by_then() {
        ReservationHolds holds = new ReservationHolds(TOPOLOGY, BLOCKS);
        ReservationRef globexNow = window(GLOBEX, 8, 0, 4);      // holds node 0 until 4 h
        ReservationRef globexLong = window(GLOBEX, 8, 0, 10);    // holds node 1 until 10 h
        ReservationRef acmeNext = window(ACME, 24, 4, 8);        // three nodes from 4 h
        ReservationRef initechNext = window(UUID.randomUUID(), 8, 6, 8);  // the one node left
        ReservationHolds.Holds h = holds.hold(new int[] {N, N, N, N, N}, NO_MAINTENANCE, List.of(globexNow, globexLong),
                List.of(initechNext, acmeNext), this::tenant, ReservationHoldsTest::seconds,
                busy(t -> new long[5]));
        int globex = tenant(GLOBEX);
        int acme = tenant(ACME);
        assertArrayEquals(new int[] {globex, globex, N, N, N}, h.holder());
        // acme begins first: node 0 (free by then), nodes 2 and 3; node 1 is held past its start. initech is left
        // with nothing: each node is kept for one window to come.
        assertArrayEquals(new int[] {acme, N, acme, acme, N}, h.nextHolder());
        assertEquals(4 * 3600.0, h.nextHoldFromS(0));
    }

    @Test
    void an_open_reservation_topping_up_takes_a_node_not_kept_for_a_window_to_come_among_alike() {
        ReservationHolds holds = new ReservationHolds(TOPOLOGY, BLOCKS);
        ReservationRef globex = window(GLOBEX, 8, 0, 10);
        ReservationRef acmeNext = window(ACME, 8, 4, 8);
        // globex holds node 0, acme keeps node 1 for 4 h.
        ReservationHolds.Holds h = holds.hold(new int[] {N, N, N, N, N}, NO_MAINTENANCE, List.of(globex), List.of(acmeNext),
                this::tenant, ReservationHoldsTest::seconds, busy(t -> new long[5]));
        assertArrayEquals(new int[] {0, N, N, N, N}, h.holder());
        assertArrayEquals(new int[] {N, 1, N, N, N}, h.nextHolder());
        // Node 0 goes down: globex moves to node 2, not to node 1, which stays kept for acme.
        h = holds.hold(new int[] {OUT, N, N, N, N}, NO_MAINTENANCE, List.of(globex), List.of(acmeNext), this::tenant,
                ReservationHoldsTest::seconds, busy(t -> new long[5]));
        assertArrayEquals(new int[] {OUT, N, 0, N, N}, h.holder());
        assertArrayEquals(new int[] {N, 1, N, N, N}, h.nextHolder());
    }

    @Test
    void cards_other_tenants_work_still_takes_on_a_held_node_are_short_until_a_freer_node_stands_in() {
        ReservationHolds holds = new ReservationHolds(TOPOLOGY, BLOCKS);
        ReservationRef acme = reservation(ACME, "ASCEND-910B", 8, null);
        // The window opens on a full cluster: acme holds node 0, where another tenant's on-demand job takes 3 cards
        // (placed before the window); nodes 1-3 are held by others or out of service.
        int[] taken = {3, 0, 0, 0, 0};
        long[] milli = {3_000, 0, 0, 0, 0};
        ReservationHolds.Work running = work((t, fromS) -> milli, t -> taken, t -> new boolean[5]);
        assertArrayEquals(new int[] {0, 7, OUT, OUT, N}, holds.hold(new int[] {N, 7, OUT, OUT, N}, NO_MAINTENANCE, List.of(acme),
                List.of(), this::tenant, ReservationHoldsTest::seconds, running).holder());
        assertEquals(Map.of(acme.id(), 3), holds.shortBy(), "3 of its 8 cards cannot be used: credited");
        assertEquals(3, holds.shortCards());
        // Node 2 comes back idle: acme takes it instead, and node 0 goes back to the pool with the other's job.
        assertArrayEquals(new int[] {N, 7, 0, OUT, N}, holds.hold(new int[] {N, 7, N, OUT, N}, NO_MAINTENANCE, List.of(acme),
                List.of(), this::tenant, ReservationHoldsTest::seconds, running).holder());
        assertEquals(Map.of(), holds.shortBy());
        // Kept there after the other's job has ended on node 0.
        assertArrayEquals(new int[] {N, 7, 0, OUT, N}, holds.hold(new int[] {N, 7, N, OUT, N}, NO_MAINTENANCE, List.of(acme),
                List.of(), this::tenant, ReservationHoldsTest::seconds, busy(t -> new long[5])).holder());
    }

    @Test
    void a_held_node_where_the_reservations_own_jobs_run_is_kept_though_others_work_takes_cards_there() {
        ReservationHolds holds = new ReservationHolds(TOPOLOGY, BLOCKS);
        ReservationRef acme = reservation(ACME, "ASCEND-910B", 8, null);
        assertArrayEquals(new int[] {0, N, N, N, N}, hold(holds, new int[] {N, N, N, N, N}, List.of(acme),
                t -> new long[5]));
        // Another tenant's job takes 2 cards of node 0 and acme's own job runs there too: moving the hold would not
        // move acme's job, so it stays, short of 2 cards.
        int[] taken = {2, 0, 0, 0, 0};
        boolean[] own = {true, false, false, false, false};
        ReservationHolds.Work running = work((t, fromS) -> new long[] {2_000, 0, 0, 0, 0}, t -> taken, t -> own);
        assertArrayEquals(new int[] {0, N, N, N, N}, holds.hold(new int[] {N, N, N, N, N}, NO_MAINTENANCE, List.of(acme), List.of(),
                this::tenant, ReservationHoldsTest::seconds, running).holder());
        assertEquals(Map.of(acme.id(), 2), holds.shortBy());
    }

    @Test
    void a_reservation_holding_more_cards_than_it_bought_is_short_only_of_what_it_cannot_use_beyond_that() {
        ReservationHolds holds = new ReservationHolds(TOPOLOGY, BLOCKS);
        ReservationRef acme = reservation(ACME, "ASCEND-910B", 12, null);  // two nodes, 16 cards
        int[] taken = {3, 3, 0, 0, 0};
        ReservationHolds.Work running = work((t, fromS) -> new long[] {3_000, 3_000, 0, 0, 0}, t -> taken,
                t -> new boolean[5]);
        // Nodes 2 and 3 out of service: 16 - 6 = 10 usable of 12.
        assertArrayEquals(new int[] {0, 0, OUT, OUT, N}, holds.hold(new int[] {N, N, OUT, OUT, N}, NO_MAINTENANCE, List.of(acme),
                List.of(), this::tenant, ReservationHoldsTest::seconds, running).holder());
        assertEquals(Map.of(acme.id(), 2), holds.shortBy());
        // Node 2 back: the busiest held node (the first of two alike) goes for it; 13 usable, whole.
        assertArrayEquals(new int[] {N, 0, 0, OUT, N}, holds.hold(new int[] {N, N, N, OUT, N}, NO_MAINTENANCE, List.of(acme),
                List.of(), this::tenant, ReservationHoldsTest::seconds, running).holder());
        assertEquals(Map.of(), holds.shortBy());
    }

    @Test
    void a_node_with_maintenance_to_come_is_marked_for_the_core_and_given_to_no_reservation_it_would_cut() {
        ReservationHolds holds = new ReservationHolds(TOPOLOGY, BLOCKS);
        // Node 0's maintenance begins at 6 h, node 2's at 20 h.
        Instant[] maintenance = {T0.plusSeconds(6 * 3600), null, T0.plusSeconds(20 * 3600), null, null};
        ReservationRef acmeNext = window(ACME, 8, 4, 8);       // 4 h to 8 h: node 0 would be cut at 6 h
        ReservationRef globexNow = window(GLOBEX, 8, 0, 10);   // open until 10 h: node 0 would be cut too
        ReservationHolds.Holds h = holds.hold(new int[] {N, N, N, N, N}, maintenance, List.of(globexNow),
                List.of(acmeNext), this::tenant, ReservationHoldsTest::seconds, busy(t -> new long[5]));
        int globex = tenant(GLOBEX);
        int acme = tenant(ACME);
        // globex, topping up, passes over node 0 (cut at 6 h) for node 1; acme's window to come gets node 2 (its
        // maintenance at 20 h is after acme's end), not node 0.
        assertArrayEquals(new int[] {N, globex, N, N, N}, h.holder());
        assertArrayEquals(new int[] {MAINT, N, acme, N, N}, h.nextHolder());
        assertEquals(6 * 3600.0, h.nextHoldFromS(0), "the core is told when node 0 goes out");
        assertEquals(4 * 3600.0, h.nextHoldFromS(2), "a reservation to come before the later maintenance comes first");
        assertEquals(Double.POSITIVE_INFINITY, h.nextHoldFromS(3));
        // Without maintenance the same reservations take node 0 first (the topology's order among alike).
        ReservationHolds plain = new ReservationHolds(TOPOLOGY, BLOCKS);
        ReservationHolds.Holds p = plain.hold(new int[] {N, N, N, N, N}, NO_MAINTENANCE, List.of(globexNow),
                List.of(acmeNext), this::tenant, ReservationHoldsTest::seconds, busy(t -> new long[5]));
        assertArrayEquals(new int[] {globex, N, N, N, N}, p.holder());
        assertArrayEquals(new int[] {N, acme, N, N, N}, p.nextHolder());
    }

    @Test
    void an_open_reservation_moves_off_a_node_whose_maintenance_would_cut_it_unless_its_jobs_run_there() {
        ReservationRef globexNow = window(GLOBEX, 8, 0, 10);   // open until 10 h, holding node 0
        Instant[] maintenance = {T0.plusSeconds(6 * 3600), T0.plusSeconds(7 * 3600), null, null, null};
        int globex = tenant(GLOBEX);
        ReservationHolds holds = new ReservationHolds(TOPOLOGY, BLOCKS);
        assertArrayEquals(new int[] {globex, N, N, N, N}, holds.hold(new int[] {N, N, N, N, N}, NO_MAINTENANCE,
                List.of(globexNow), List.of(), this::tenant, ReservationHoldsTest::seconds, busy(t -> new long[5]))
                .holder(), "before the window was scheduled: node 0");
        // Node 0's maintenance at 6 h would cut it: it moves to node 2 (node 1 is cut at 7 h too; node 4 is H800).
        assertArrayEquals(new int[] {N, N, globex, N, N}, holds.hold(new int[] {N, N, N, N, N}, maintenance,
                List.of(globexNow), List.of(), this::tenant, ReservationHoldsTest::seconds, busy(t -> new long[5]))
                .holder());
        // Its own job on node 0 keeps it there (the job would not move with the hold).
        ReservationHolds withJob = new ReservationHolds(TOPOLOGY, BLOCKS);
        withJob.hold(new int[] {N, N, N, N, N}, NO_MAINTENANCE, List.of(globexNow), List.of(), this::tenant,
                ReservationHoldsTest::seconds, busy(t -> new long[5]));
        boolean[] onNode0 = {true, false, false, false, false};
        assertArrayEquals(new int[] {globex, N, N, N, N}, withJob.hold(new int[] {N, N, N, N, N}, maintenance,
                List.of(globexNow), List.of(), this::tenant, ReservationHoldsTest::seconds,
                work((t, from) -> new long[5], t -> new int[5], t -> onNode0)).holder());
        // No other node it could use (2 and 3 taken by another tenant's work): it stays.
        ReservationHolds busyElsewhere = new ReservationHolds(TOPOLOGY, BLOCKS);
        busyElsewhere.hold(new int[] {N, N, N, N, N}, NO_MAINTENANCE, List.of(globexNow), List.of(), this::tenant,
                ReservationHoldsTest::seconds, busy(t -> new long[5]));
        int[] taken = {0, 0, 8, 8, 0};
        assertArrayEquals(new int[] {globex, N, N, N, N}, busyElsewhere.hold(new int[] {N, N, N, N, N}, maintenance,
                List.of(globexNow), List.of(), this::tenant, ReservationHoldsTest::seconds,
                work((t, from) -> new long[5], t -> taken, t -> new boolean[5])).holder());
    }
}
