package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.allocation.StartEstimate.Running;
import city.myriad.allocation.StartEstimate.Waiting;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The queue played first come, first served on the model's cards taken together. */
class StartEstimateTest {

    static final Instant NOW = Instant.parse("2026-11-30T08:00:00Z");

    @Test
    void free_cards_start_now_and_a_job_larger_than_the_cluster_never_starts() {
        assertEquals(Optional.of(NOW), StartEstimate.earliest(16_000, List.of(new Running(8_000, NOW.plusSeconds(60))),
                List.of(), 8_000, NOW));
        assertEquals(Optional.empty(), StartEstimate.earliest(16_000, List.of(), List.of(), 17_000, NOW));
    }

    @Test
    void a_job_waits_for_the_running_ends_it_needs_then_for_the_queue_ahead_to_start_and_end() {
        List<Running> running = List.of(new Running(4_000, NOW.plusSeconds(300)), new Running(4_000, NOW.plusSeconds(100)));
        // 8 cards, all busy: the first end frees 4, enough for a 4-card job.
        assertEquals(Optional.of(NOW.plusSeconds(100)), StartEstimate.earliest(8_000, running, List.of(), 4_000, NOW));
        // An 8-card job ahead takes both ends (300 s) and runs 1,000 s; an 8-card job after it starts at 1,300 s.
        assertEquals(Optional.of(NOW.plusSeconds(1_300)), StartEstimate.earliest(8_000, running,
                List.of(new Waiting(8_000, 1_000)), 8_000, NOW));
        // A job ahead that can never fit holds nothing.
        assertEquals(Optional.of(NOW.plusSeconds(100)), StartEstimate.earliest(8_000, running,
                List.of(new Waiting(9_000, 1_000)), 4_000, NOW));
    }

    @Test
    void ends_already_past_count_from_now() {
        assertEquals(Optional.of(NOW), StartEstimate.earliest(8_000, List.of(new Running(8_000, NOW.minusSeconds(5))),
                List.of(), 8_000, NOW));
    }

    @Test
    void a_job_waits_for_the_cpu_and_memory_it_needs_even_with_cards_free() {
        StartEstimate.Need node = new StartEstimate.Need(8_000, 192_000, 1_572_864);
        // One card and 120 cores held until +100 s: seven cards free, 72 cores.
        List<Running> running = List.of(new Running(new StartEstimate.Need(1_000, 120_000, 0), NOW.plusSeconds(100)));
        assertEquals(Optional.of(NOW.plusSeconds(100)), StartEstimate.earliest(node, running, List.of(),
                new StartEstimate.Need(1_000, 100_000, 0), NOW));
        assertEquals(Optional.of(NOW), StartEstimate.earliest(node, running, List.of(),
                new StartEstimate.Need(1_000, 72_000, 0), NOW));
        // A job ahead of 60 cores starts now and holds them 500 s: at +100 s 132 cores are free, so 140 wait for both.
        List<StartEstimate.Waiting> ahead = List.of(new StartEstimate.Waiting(new StartEstimate.Need(1_000, 60_000, 0),
                500));
        assertEquals(Optional.of(NOW.plusSeconds(100)), StartEstimate.earliest(node, running, ahead,
                new StartEstimate.Need(1_000, 132_000, 0), NOW));
        assertEquals(Optional.of(NOW.plusSeconds(500)), StartEstimate.earliest(node, running, ahead,
                new StartEstimate.Need(1_000, 140_000, 0), NOW));
        // Memory binds the same way; more than the nodes have never fits.
        assertEquals(Optional.of(NOW.plusSeconds(100)), StartEstimate.earliest(node,
                List.of(new Running(new StartEstimate.Need(1_000, 0, 1_000_000), NOW.plusSeconds(100))), List.of(),
                new StartEstimate.Need(1_000, 0, 600_000), NOW));
        assertEquals(Optional.empty(), StartEstimate.earliest(node, running, List.of(),
                new StartEstimate.Need(1_000, 192_001, 0), NOW));
    }

    // Node by node: the queue planned on each node's own cards, CPU and memory.

    private static final StartEstimate.Need NODE_OF_8 = new StartEstimate.Need(8_000, 192_000, 1_572_864);

    private static StartEstimate.Placed on(int node, long cardsMilli, long endsInS) {
        return new StartEstimate.Placed(new int[] {node}, new StartEstimate.Need[] {StartEstimate.Need.cards(cardsMilli)},
                NOW.plusSeconds(endsInS));
    }

    @Test
    void on_nodes_a_whole_node_job_waits_for_one_node_to_free_where_the_pool_sees_eight_cards_now() {
        List<StartEstimate.Need> nodes = List.of(NODE_OF_8, NODE_OF_8);
        // Four cards free on each node now; node 1 frees the rest at +300 s, node 0 at +900 s.
        List<StartEstimate.Placed> running = List.of(on(0, 4_000, 900), on(1, 4_000, 300));
        assertEquals(Optional.of(NOW.plusSeconds(300)), StartEstimate.earliestOnNodes(nodes, running, List.of(),
                new Waiting(8_000, 600), NOW));
        assertEquals(Optional.of(NOW), StartEstimate.earliest(16_000, List.of(new Running(4_000, NOW.plusSeconds(900)),
                new Running(4_000, NOW.plusSeconds(300))), List.of(), 8_000, NOW), "the pool: eight cards free now");
        assertEquals(Optional.of(NOW), StartEstimate.earliestOnNodes(nodes, running, List.of(),
                new Waiting(4_000, 600), NOW), "half a node fits now");
    }

    @Test
    void on_nodes_a_small_job_behind_a_waiting_whole_node_job_starts_now_if_it_ends_before_that_job_starts() {
        List<StartEstimate.Need> nodes = List.of(NODE_OF_8);
        List<StartEstimate.Placed> running = List.of(on(0, 4_000, 100));   // four cards free now, eight at +100 s
        List<Waiting> ahead = List.of(new Waiting(8_000, 1_000));          // planned at +100 s until +1,100 s
        assertEquals(Optional.of(NOW), StartEstimate.earliestOnNodes(nodes, running, ahead, new Waiting(2_000, 50), NOW),
                "done by +50 s: it delays nobody");
        assertEquals(Optional.of(NOW.plusSeconds(1_100)), StartEstimate.earliestOnNodes(nodes, running, ahead,
                new Waiting(2_000, 200), NOW), "it would still run at +100 s: after the whole-node job");
    }

    @Test
    void on_nodes_a_gang_takes_the_whole_cards_each_node_keeps_free_through_its_run() {
        List<StartEstimate.Need> nodes = List.of(NODE_OF_8, NODE_OF_8, NODE_OF_8);
        // Node 0 is free now and a whole-node job ahead takes it until +10,000 s; node 1 frees at +300 s, node 2 at +100 s.
        List<StartEstimate.Placed> running = List.of(on(1, 8_000, 300), on(2, 8_000, 100));
        List<Waiting> ahead = List.of(new Waiting(8_000, 10_000));
        assertEquals(Optional.of(NOW.plusSeconds(300)), StartEstimate.earliestOnNodes(nodes, running, ahead,
                new Waiting(16_000, 600), NOW), "nodes 1 and 2, once node 1 frees");
        assertEquals(Optional.of(NOW.plusSeconds(10_000)), StartEstimate.earliestOnNodes(nodes, running, ahead,
                new Waiting(24_000, 600), NOW), "all three: once the job ahead has run on node 0");
        // Behind a gang of 16 planned on nodes 1 and 2 from +300 s to +10,300 s, a gang of 16 finds only node 0 free
        // at +10,000 s, and nodes 1 and 2 back at +10,300 s.
        assertEquals(Optional.of(NOW.plusSeconds(10_300)), StartEstimate.earliestOnNodes(nodes, running,
                List.of(new Waiting(8_000, 10_000), new Waiting(16_000, 10_000)), new Waiting(16_000, 600), NOW));
        assertEquals(Optional.empty(), StartEstimate.earliestOnNodes(nodes, running, List.of(), new Waiting(25_000, 60),
                NOW));
    }

    @Test
    void on_nodes_cpu_binds_per_node() {
        List<StartEstimate.Need> nodes = List.of(NODE_OF_8, NODE_OF_8);
        // 100 cores taken on each node: 92 free on each, 184 in all.
        List<StartEstimate.Placed> running = List.of(
                new StartEstimate.Placed(new int[] {0}, new StartEstimate.Need[] {new StartEstimate.Need(1_000, 100_000, 0)},
                        NOW.plusSeconds(400)),
                new StartEstimate.Placed(new int[] {1}, new StartEstimate.Need[] {new StartEstimate.Need(1_000, 100_000, 0)},
                        NOW.plusSeconds(200)));
        assertEquals(Optional.of(NOW.plusSeconds(200)), StartEstimate.earliestOnNodes(nodes, running, List.of(),
                new Waiting(new StartEstimate.Need(1_000, 150_000, 0), 60), NOW), "no node has 150 cores before +200 s");
        assertEquals(Optional.of(NOW), StartEstimate.earliestOnNodes(nodes, running, List.of(),
                new Waiting(new StartEstimate.Need(1_000, 90_000, 0), 60), NOW));
        assertEquals(Optional.empty(), StartEstimate.earliestOnNodes(nodes, running, List.of(),
                new Waiting(new StartEstimate.Need(1_000, 192_001, 0), 60), NOW));
    }

    @Test
    void on_nodes_a_gang_that_must_stay_in_one_block_counts_one_block_at_a_time_and_a_draining_node_takes_nothing() {
        // Blocks 0 (nodes 0, 1) and 1 (nodes 2, 3); nodes 0 and 2 free, node 1 frees at +500 s, node 3 at +200 s.
        List<StartEstimate.Need> nodes = List.of(NODE_OF_8, NODE_OF_8, NODE_OF_8, NODE_OF_8);
        int[] blockOf = {0, 0, 1, 1};
        List<StartEstimate.Placed> running = List.of(on(1, 8_000, 500), on(3, 8_000, 200));
        assertEquals(Optional.of(NOW), StartEstimate.earliestOnNodes(nodes, blockOf, running, List.of(),
                new Waiting(StartEstimate.Need.cards(16_000), 600, false), NOW), "across blocks: nodes 0 and 2, now");
        assertEquals(Optional.of(NOW.plusSeconds(200)), StartEstimate.earliestOnNodes(nodes, blockOf, running,
                List.of(), new Waiting(StartEstimate.Need.cards(16_000), 600, true), NOW), "block 1, once node 3 frees");
        assertEquals(Optional.empty(), StartEstimate.earliestOnNodes(nodes, blockOf, running, List.of(),
                new Waiting(StartEstimate.Need.cards(24_000), 600, true), NOW), "no block has 24 cards");
        // Node 3 draining (nothing new on it): block 1 never holds 16, so block 0 once node 1 frees.
        List<StartEstimate.Need> draining = List.of(NODE_OF_8, NODE_OF_8, NODE_OF_8, new StartEstimate.Need(0, 0, 0));
        assertEquals(Optional.of(NOW.plusSeconds(500)), StartEstimate.earliestOnNodes(draining, blockOf, running,
                List.of(), new Waiting(StartEstimate.Need.cards(16_000), 600, true), NOW));
    }

    static Waiting of(String tenant, long cardsMilli, long runS, boolean preemptible) {
        return new Waiting(StartEstimate.Need.cards(cardsMilli), runS, false, tenant, preemptible);
    }

    @Test
    void on_nodes_a_node_held_for_a_reservation_is_its_tenants_and_spot_works_until_the_window_ends() {
        List<StartEstimate.Need> nodes = List.of(NODE_OF_8, NODE_OF_8);
        // Node 0 held by acme's window until +7,200 s; node 1 runs a job until +3,000 s.
        List<StartEstimate.Hold> holds = List.of(new StartEstimate.Hold(0, "acme", null, NOW.plusSeconds(7_200)));
        List<StartEstimate.Placed> running = List.of(on(1, 8_000, 3_000));
        int[] blocks = {0, 0};
        assertEquals(Optional.of(NOW.plusSeconds(3_000)), StartEstimate.earliestOnNodes(nodes, blocks, running, holds,
                List.of(), of("globex", 8_000, 600, false), NOW), "globex's on-demand job: node 1 once it frees");
        assertEquals(Optional.of(NOW), StartEstimate.earliestOnNodes(nodes, blocks, running, holds, List.of(),
                of("acme", 8_000, 600, false), NOW), "acme's own job: its held node, now");
        assertEquals(Optional.of(NOW), StartEstimate.earliestOnNodes(nodes, blocks, running, holds, List.of(),
                of("globex", 8_000, 600, true), NOW), "globex's spot job may use a held node");
        assertEquals(Optional.of(NOW), StartEstimate.earliestOnNodes(nodes, blocks, running, List.of(), List.of(),
                of("globex", 8_000, 600, false), NOW), "without the hold: node 0, now");
        // A gang of 16 of globex's needs both nodes: after the window.
        assertEquals(Optional.of(NOW.plusSeconds(7_200)), StartEstimate.earliestOnNodes(nodes, blocks, running, holds,
                List.of(), of("globex", 16_000, 600, false), NOW));
        assertEquals(Optional.of(NOW.plusSeconds(3_000)), StartEstimate.earliestOnNodes(nodes, blocks, running, holds,
                List.of(), of("acme", 16_000, 600, false), NOW));
        // A hold already over bars nothing.
        assertEquals(Optional.of(NOW), StartEstimate.earliestOnNodes(nodes, blocks, running,
                List.of(new StartEstimate.Hold(0, "acme", null, NOW.minusSeconds(1))), List.of(),
                of("globex", 8_000, 600, false), NOW));
    }

    @Test
    void on_nodes_a_job_that_may_not_start_before_its_window_plans_from_there_and_holds_nothing_before() {
        List<StartEstimate.Need> nodes = List.of(NODE_OF_8);
        int[] blocks = {0};
        Waiting reserved = new Waiting(StartEstimate.Need.cards(8_000), 3_600, false, "acme", false,
                NOW.plusSeconds(7_200));
        assertEquals(Optional.of(NOW.plusSeconds(7_200)), StartEstimate.earliestOnNodes(nodes, blocks, List.of(),
                List.of(), List.of(), reserved, NOW));
        // Behind it, a job that ends by the window starts now; a longer one after the reserved job's run.
        List<Optional<Instant>> starts = StartEstimate.startsOnNodes(nodes, blocks, List.of(), List.of(),
                List.of(reserved, of("globex", 8_000, 7_200, false), of("globex", 8_000, 7_201, false)), NOW);
        assertEquals(List.of(Optional.of(NOW.plusSeconds(7_200)), Optional.of(NOW), Optional.of(NOW.plusSeconds(10_800))),
                starts);
        // The pooled play starts it at its window too, its cards counted taken from its turn (pessimistic behind).
        assertEquals(List.of(Optional.of(NOW.plusSeconds(7_200)), Optional.of(NOW.plusSeconds(10_800))),
                StartEstimate.startsPooled(new StartEstimate.Need(8_000, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4),
                        List.of(), List.of(reserved, of("globex", 8_000, 600, false)), NOW));
        // A window already open bars nothing.
        assertEquals(Optional.of(NOW), StartEstimate.earliestOnNodes(nodes, blocks, List.of(), List.of(), List.of(),
                new Waiting(StartEstimate.Need.cards(8_000), 3_600, false, "acme", false, NOW.minusSeconds(60)), NOW));
    }

    @Test
    void on_nodes_a_node_kept_for_a_window_to_come_takes_others_work_that_ends_before_it_opens() {
        List<StartEstimate.Need> nodes = List.of(NODE_OF_8);
        int[] blocks = {0};
        // Kept for acme's window from +3,600 s to +10,800 s.
        List<StartEstimate.Hold> holds = List.of(new StartEstimate.Hold(0, "acme", NOW.plusSeconds(3_600),
                NOW.plusSeconds(10_800)));
        assertEquals(Optional.of(NOW), StartEstimate.earliestOnNodes(nodes, blocks, List.of(), holds, List.of(),
                of("globex", 8_000, 3_600, false), NOW), "done by the window: now");
        assertEquals(Optional.of(NOW.plusSeconds(10_800)), StartEstimate.earliestOnNodes(nodes, blocks, List.of(),
                holds, List.of(), of("globex", 8_000, 3_601, false), NOW), "one second into the window: after it");
        assertEquals(Optional.of(NOW), StartEstimate.earliestOnNodes(nodes, blocks, List.of(), holds, List.of(),
                of("acme", 8_000, 36_000, false), NOW));
        // In a queue: globex's short job ahead runs first; acme's long one behind it starts when it ends.
        List<Optional<Instant>> starts = StartEstimate.startsOnNodes(nodes, blocks, List.of(), holds,
                List.of(of("globex", 8_000, 1_800, false), of("acme", 8_000, 36_000, false),
                        of("globex", 8_000, 600, false)), NOW);
        assertEquals(List.of(Optional.of(NOW), Optional.of(NOW.plusSeconds(1_800)),
                Optional.of(NOW.plusSeconds(37_800))), starts);
    }

    @Test
    void on_nodes_a_maintenance_window_bars_every_job_spot_and_its_own_tenants_alike() {
        List<StartEstimate.Need> nodes = List.of(NODE_OF_8, NODE_OF_8);
        int[] blocks = {0, 0};
        // Node 0 in maintenance from +3,600 s to +7,200 s; node 1 in a window under way until +1,800 s.
        List<StartEstimate.Hold> holds = List.of(
                StartEstimate.Hold.maintenance(0, NOW.plusSeconds(3_600), NOW.plusSeconds(7_200)),
                StartEstimate.Hold.maintenance(1, null, NOW.plusSeconds(1_800)));
        assertEquals(Optional.of(NOW), StartEstimate.earliestOnNodes(nodes, blocks, List.of(), holds, List.of(),
                of("acme", 8_000, 3_600, false), NOW), "done by the window: node 0, now");
        assertEquals(Optional.of(NOW.plusSeconds(1_800)), StartEstimate.earliestOnNodes(nodes, blocks, List.of(),
                holds, List.of(), of("acme", 8_000, 3_601, false), NOW), "past it: node 1 once its window is over");
        assertEquals(Optional.of(NOW.plusSeconds(1_800)), StartEstimate.earliestOnNodes(nodes, blocks, List.of(),
                holds, List.of(), of("acme", 8_000, 3_601, true), NOW), "a spot job's run is planned uncut too");
        assertEquals(Optional.of(NOW.plusSeconds(1_800)), StartEstimate.earliestOnNodes(nodes, blocks, List.of(),
                holds, List.of(), of("acme", 16_000, 600, false), NOW), "a gang of both: between the windows");
        assertEquals(Optional.of(NOW.plusSeconds(7_200)), StartEstimate.earliestOnNodes(nodes, blocks, List.of(),
                holds, List.of(), of("acme", 16_000, 1_801, false), NOW), "too long for that: once both are back");
        // The same with another tenant's reservation to come (a gang's run reaching a change one microsecond was
        // once planned as if it ended before it).
        List<StartEstimate.Hold> reserved = List.of(new StartEstimate.Hold(0, "globex", NOW.plusSeconds(3_600),
                NOW.plusSeconds(7_200)), StartEstimate.Hold.maintenance(1, null, NOW.plusSeconds(1_800)));
        assertEquals(Optional.of(NOW.plusSeconds(1_800)), StartEstimate.earliestOnNodes(nodes, blocks, List.of(),
                reserved, List.of(), of("acme", 16_000, 1_800, false), NOW));
        assertEquals(Optional.of(NOW.plusSeconds(7_200)), StartEstimate.earliestOnNodes(nodes, blocks, List.of(),
                reserved, List.of(), of("acme", 16_000, 1_801, false), NOW));
        // A window ended bars nothing.
        assertEquals(Optional.of(NOW), StartEstimate.earliestOnNodes(nodes, blocks, List.of(),
                List.of(StartEstimate.Hold.maintenance(0, null, NOW.minusSeconds(1))), List.of(),
                of("acme", 16_000, 600, true), NOW));
    }

    @Test
    void one_plan_of_the_whole_queue_gives_each_job_the_start_its_own_estimate_behind_the_jobs_before_it_gives() {
        // Two blocks of three 8-card nodes, some running work; queues of one-node jobs, CPU-heavy jobs, gangs (some in
        // one block) and jobs that never fit, in random order.
        List<StartEstimate.Need> nodes = List.of(NODE_OF_8, NODE_OF_8, NODE_OF_8, NODE_OF_8, NODE_OF_8,
                new StartEstimate.Need(4_000, 96_000, 786_432));
        int[] blockOf = {0, 0, 0, 1, 1, 1};
        List<StartEstimate.Placed> running = List.of(on(0, 8_000, 700), on(1, 3_000, 200), on(3, 5_000, 1_500),
                on(5, 2_000, 50));
        for (long seed = 1; seed <= 5; seed++) {
            Random random = new Random(seed);
            List<Waiting> queue = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                long cards = switch (random.nextInt(6)) {
                    case 0 -> 500;
                    case 1, 2 -> 1_000L * (1 + random.nextInt(8));
                    case 3 -> 16_000;
                    case 4 -> 1_000L * (9 + random.nextInt(24));
                    default -> random.nextInt(10) == 0 ? 60_000 : 2_000;  // 60 cards: more than there are
                };
                queue.add(new Waiting(new StartEstimate.Need(cards, random.nextInt(3) == 0 ? 150_000 : 8_000, 0),
                        60L * (1 + random.nextInt(120)), random.nextBoolean(), random.nextBoolean() ? "acme" : "globex",
                        random.nextInt(4) == 0));
            }
            // Node 2 held by acme's window until +2,000 s, node 4 kept for globex's from +3,000 s to +9,000 s.
            List<StartEstimate.Hold> holds = seed % 2 == 0 ? List.of() : List.of(
                    new StartEstimate.Hold(2, "acme", null, NOW.plusSeconds(2_000)),
                    new StartEstimate.Hold(4, "globex", NOW.plusSeconds(3_000), NOW.plusSeconds(9_000)));
            List<Optional<Instant>> starts = StartEstimate.startsOnNodes(nodes, blockOf, running, holds, queue, NOW);
            assertEquals(queue.size(), starts.size());
            int never = 0;
            for (int k = 0; k < queue.size(); k++) {
                assertEquals(StartEstimate.earliestOnNodes(nodes, blockOf, running, holds, queue.subList(0, k),
                        queue.get(k), NOW), starts.get(k), "seed " + seed + ", job " + k);
                never += starts.get(k).isEmpty() ? 1 : 0;
            }
            assertTrue(never < queue.size(), "most of the queue can run");
        }
    }

    @Test
    void one_pooled_play_of_the_whole_queue_gives_each_job_the_start_its_own_pooled_estimate_gives() {
        StartEstimate.Need capacity = new StartEstimate.Need(48_000, 1_152_000, 9_437_184);
        List<Running> running = List.of(new Running(new StartEstimate.Need(8_000, 100_000, 0), NOW.plusSeconds(700)),
                new Running(new StartEstimate.Need(3_000, 600_000, 0), NOW.plusSeconds(200)),
                new Running(new StartEstimate.Need(5_000, 8_000, 1_000_000), NOW.minusSeconds(5)));
        for (long seed = 1; seed <= 5; seed++) {
            Random random = new Random(seed);
            List<Waiting> queue = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                long cards = switch (random.nextInt(5)) {
                    case 0 -> 500;
                    case 1, 2 -> 1_000L * (1 + random.nextInt(8));
                    case 3 -> 1_000L * (9 + random.nextInt(40));
                    default -> random.nextInt(3) == 0 ? 60_000 : 2_000;  // 60 cards: more than there are
                };
                queue.add(new Waiting(new StartEstimate.Need(cards, random.nextInt(3) == 0 ? 700_000 : 8_000,
                        random.nextInt(4) == 0 ? 9_000_000 : 0), 60L * (1 + random.nextInt(120))));
            }
            List<Optional<Instant>> starts = StartEstimate.startsPooled(capacity, running, queue, NOW);
            assertEquals(queue.size(), starts.size());
            int never = 0;
            for (int k = 0; k < queue.size(); k++) {
                assertEquals(StartEstimate.earliest(capacity, running, queue.subList(0, k), queue.get(k).need(), NOW),
                        starts.get(k), "seed " + seed + ", job " + k);
                never += starts.get(k).isEmpty() ? 1 : 0;
            }
            assertTrue(never > 0 && never < queue.size(), "some of the queue never fits, most can run: " + never);
        }
    }
}
