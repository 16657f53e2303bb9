package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** One rule, one test: what each placement policy does in a situation a reader can picture. */
class PlacementPoliciesTest {

    static Topology twoBlocks() {
        Topology.Builder b = Topology.builder();
        // Block b0: racks r0 (2 nodes) and r1 (2 nodes); block b1: rack r2 (4 nodes). 8 cards a node.
        b.node("n0", "H800", 8, 64_000, 512_000, "r0", "b0").node("n1", "H800", 8, 64_000, 512_000, "r0", "b0");
        b.node("n2", "H800", 8, 64_000, 512_000, "r1", "b0").node("n3", "H800", 8, 64_000, 512_000, "r1", "b0");
        for (int i = 4; i < 8; i++) {
            b.node("n" + i, "H800", 8, 64_000, 512_000, "r2", "b1");
        }
        return b.build();
    }

    /** H800: two 8-card nodes in one rack. A10: sixteen 1-card nodes in two racks. One block each. */
    static Topology h800RackAndA10Racks() {
        Topology.Builder b = Topology.builder();
        b.node("h0", "H800", 8, 64_000, 512_000, "rh", "bh").node("h1", "H800", 8, 64_000, 512_000, "rh", "bh");
        for (int i = 0; i < 16; i++) {
            b.node("a" + i, "A10", 1, 8_000, 64_000, i < 8 ? "ra0" : "ra1", "ba");
        }
        return b.build();
    }

    /** The default after 300 one-card tasks of this CPU, each never ending or each running an hour. */
    static FragmentationAwarePolicy afterOneCardTasks(long cpuMilli, boolean neverEnding) {
        FragmentationAwarePolicy policy = new FragmentationAwarePolicy();
        for (int i = 0; i < 300; i++) {
            Job.Builder task = Job.of(1000 + i).cpu(cpuMilli).memory(1000);
            policy.observe((neverEnding ? task : task.runsFor(3600)).build());
        }
        return policy;
    }

    static Placement placed(PlacementResult r) {
        return assertInstanceOf(PlacementResult.Placed.class, r).placement();
    }

    /** Takes half of the first card of every node: each keeps a half-free card beside its whole ones. */
    private static void halfOfFirstCardTaken(ClusterState s) {
        for (int node = 0; node < s.topology().nodes(); node++) {
            Job half = Job.of(node + 1).milliPerCard(500).build();
            s.allocate(Placement.onNodes(half, new int[] {node}, new int[][] {{0}}));
        }
    }

    @Test
    void a_gang_that_must_stay_in_one_block_waits_while_the_free_nodes_span_blocks_and_is_refused_if_no_block_holds_it() {
        Topology t = twoBlocks();  // b0: n0-n3, b1: n4-n7, 32 cards each
        int[] all = {0, 1, 2, 3, 4, 5, 6, 7};
        for (PlacementPolicy policy : new PlacementPolicy[] {new FragmentationAwarePolicy(), new FgdPolicy(),
                new BestFitPolicy(), new FirstFitPolicy()}) {
            String name = policy.getClass().getSimpleName();
            ClusterState s = new ClusterState(t);
            Placement[] whole = new Placement[8];
            for (int n : new int[] {0, 1, 2, 4, 5, 6}) {
                whole[n] = Placement.onNodes(Job.of(100 + n).cards(8).build(), new int[] {n}, new int[][] {all});
                s.allocate(whole[n]);
            }
            // Free: n3 in b0 and n7 in b1, 16 cards, 8 in each block.
            Job oneBlock = Job.of(1).cards(16).oneBlock(true).build();
            assertInstanceOf(PlacementResult.Deferred.class, policy.place(s, oneBlock), name);
            assertArrayEquals(new int[] {3, 7}, placed(policy.place(s, Job.of(2).cards(16).build())).nodes(),
                    name + ": a gang free to span blocks runs now");
            s.release(whole[0]);
            assertArrayEquals(new int[] {0, 3}, placed(policy.place(s, oneBlock)).nodes(), name + ": b0 holds it now");
            PlacementResult tooWide = policy.place(s, Job.of(3).cards(40).oneBlock(true).build());
            assertEquals(PlacementResult.Reason.NO_BLOCK_LARGE_ENOUGH,
                    assertInstanceOf(PlacementResult.Rejected.class, tooWide, name).reason());
            assertInstanceOf(PlacementResult.Deferred.class, policy.place(s, Job.of(4).cards(40).build()), name);
        }
    }

    @Test
    void a_fractional_slice_joins_a_shared_card_instead_of_breaking_a_whole_one() {
        Topology t = twoBlocks();
        ClusterState s = new ClusterState(t);
        FragmentationAwarePolicy policy = new FragmentationAwarePolicy();
        for (int i = 0; i < 300; i++) {
            policy.observe(Job.of(1000 + i).cards(i % 3 == 0 ? 8 : 1).cpu(1000).memory(1000)
                    .build());  // demand: mostly whole cards and full nodes
        }
        s.allocate(placed(policy.place(s, Job.of(1).milliPerCard(500).cpu(1000).memory(1000).build())));
        Placement second = placed(policy.place(s, Job.of(2).milliPerCard(500).cpu(1000).memory(1000).build()));
        // The second half card lands on the half-used card (500 free there): no whole card is broken.
        assertEquals(500, s.freeOn(second.nodes()[0], second.cards()[0][0]));
    }

    @Test
    void a_node_weighs_its_free_shares_against_the_tasks_that_may_run_on_its_model_only() {
        // Two nodes alike but for their model, each with one whole card and one with half its share taken.
        Topology t = Topology.builder().node("a10", "A10", 2, 64_000, 512_000, "r0", "b0")
                .node("t4", "T4", 2, 64_000, 512_000, "r0", "b0").build();
        ClusterState s = new ClusterState(t);
        FragmentationAwarePolicy policy = new FragmentationAwarePolicy();
        long a10 = 1L << t.models().indexOf("A10");
        for (int i = 0; i < 300; i++) {
            // Whole cards, half of them bound to the A10: every task that may run on either node asks a whole card.
            Job.Builder task = Job.of(1000 + i).cpu(1000).memory(1000);
            policy.observe((i % 2 == 0 ? task.models(a10) : task).build());
        }
        halfOfFirstCardTaken(s);
        placed(policy.place(s, Job.of(3).build()));  // a decision readies the profile's per-model weights
        // The half share is what a whole-card task cannot use, on both alike: the T4 is not judged half as wasteful
        // because the A10's bound tasks never look at it.
        assertEquals(500, policy.fragmentation(s, 0), 1e-9);
        assertEquals(500, policy.fragmentation(s, 1), 1e-9);
    }

    @Test
    void a_group_of_shapes_counts_at_once_where_the_cpu_serves_them_all_and_shape_by_shape_where_it_may_not() {
        // Three nodes of two cards alike but for their CPU, each with one whole card and half of the other free.
        Topology t = Topology.builder().node("tight", "A10", 2, 10_000, 512_000, "r0", "b0")
                .node("ample", "A10", 2, 64_000, 512_000, "r0", "b0")
                .node("between", "A10", 2, 30_000, 512_000, "r0", "b0").build();
        ClusterState s = new ClusterState(t);
        FragmentationAwarePolicy policy = new FragmentationAwarePolicy();
        for (int i = 0; i < 300; i++) {
            // One-card tasks that never end, half of 1 core and half of 20: two shapes of one group (a whole card).
            policy.observe(Job.of(1000 + i).cpu(i % 2 == 0 ? 1_000 : 20_000).memory(1000).build());
        }
        halfOfFirstCardTaken(s);
        placed(policy.place(s, Job.of(4).cpu(1_000).memory(1000).build()));  // readies the profile's sums
        DemandProfile p = policy.profile();
        assertEquals(2, p.weight.length);
        double heavy = p.cpu[0] == 20_000 ? p.weight[0] : p.weight[1];  // about half (the profile's last rebuild)
        // Tight: the 20-core shape fits nowhere on the node, so its weight finds all 1,500 free milli-cards unusable,
        // the other's the 500 of the broken card.
        assertEquals(heavy * 1500 + (1 - heavy) * 500, policy.fragmentation(s, 0), 1e-9);
        // Ample: 64 cores carry either shape on the whole card with room to spare; the group counts at once.
        assertEquals(500, policy.fragmentation(s, 1), 1e-9);
        // Between: 30 cores fail the quick test for the group (40: 20 for the whole card and 20 for a task more), yet
        // carry one 20-core task, all its whole card: shape by shape, the same 500.
        assertEquals(500, policy.fragmentation(s, 2), 1e-9);
    }

    @Test
    void a_task_goes_where_the_cpu_left_can_still_carry_the_free_cards() {
        Topology t = Topology.builder().node("lean", "H800", 3, 30_000, 512_000, "r0", "b0")
                .node("rich", "H800", 3, 60_000, 512_000, "r0", "b0").build();
        ClusterState s = new ClusterState(t);
        FragmentationAwarePolicy policy = new FragmentationAwarePolicy();
        for (int i = 0; i < 300; i++) {
            policy.observe(Job.of(1000 + i).cpu(10_000).memory(1000).build());  // one card, 10 cores each
        }
        // On "lean" the 15-core task would leave 2 cards and 15 cores: CPU for one more such task, so one card
        // stranded. On "rich" 45 cores carry both. Cards alone cannot tell the nodes apart.
        Placement p = placed(policy.place(s, Job.of(1).cpu(15_000).memory(1000).build()));
        assertEquals(1, p.nodes()[0], "the node whose CPU still carries its free cards");
    }

    @Test
    void cpu_that_carries_only_lighter_tasks_than_any_seen_counts_the_cards_as_stranded() {
        // Both nodes have 10.3 cores a free card, so a 12-core task takes as much of either's CPU per card. After it
        // "three" keeps 2 cards and 19 cores, "six" 5 cards and 50 cores.
        Topology t = Topology.builder().node("three", "H800", 3, 31_000, 512_000, "r0", "b0")
                .node("six", "H800", 6, 62_000, 512_000, "r0", "b0").build();
        FragmentationAwarePolicy same = new FragmentationAwarePolicy();
        FragmentationAwarePolicy varied = new FragmentationAwarePolicy();
        for (int i = 0; i < 300; i++) {
            same.observe(Job.of(1000 + i).cpu(10_000).memory(1000).build());
            varied.observe(Job.of(1000 + i).cpu(i % 2 == 0 ? 9_000 : 11_000).memory(1000).build());
        }
        Job task = Job.of(1).cpu(12_000).memory(1000).build();
        // Every task seen asked 10 cores: 19 cores carry one, so a card on "three" would be stranded; 50 carry five.
        assertEquals(1, placed(same.place(new ClusterState(t), task)).nodes()[0], "six");
        // Half asked 9 cores: two of those fit in 19, so "three" strands nothing and, the best fit, is taken.
        assertEquals(0, placed(varied.place(new ClusterState(t), task)).nodes()[0], "three");
    }

    @Test
    void a_task_heavier_on_cpu_than_others_leaves_a_node_short_of_cpu_to_the_lighter_ones_while_work_never_ends() {
        Topology t = Topology.builder().node("short", "H800", 8, 128_000, 1_024_000, "r0", "b0")
                .node("fresh", "H800", 8, 128_000, 1_024_000, "r0", "b0").build();
        ClusterState s = new ClusterState(t);
        // A 4-card job of 107 cores leaves "short" 4 cards and 21 cores: 5 cores a card, "fresh" has 16.
        s.allocate(Placement.onNodes(Job.of(1).cards(4).cpu(107_000).memory(1000).build(), new int[] {0},
                new int[][] {{0, 1, 2, 3}}));
        FragmentationAwarePolicy endless = new FragmentationAwarePolicy();
        FragmentationAwarePolicy ending = new FragmentationAwarePolicy();
        FragmentationAwarePolicy alike = new FragmentationAwarePolicy();
        for (int i = 0; i < 300; i++) {
            Job.Builder task = Job.of(1000 + i).cpu(i % 4 == 0 ? 12_000 : 4_000).memory(1000);
            endless.observe(task.build());
            ending.observe(task.runsFor(3600).build());
            alike.observe(Job.of(1000 + i).cpu(9_000).memory(1000).build());
        }
        Job moderate = Job.of(2).cpu(9_000).memory(1000).build();
        // Three tasks in four ask 4 cores, one 12. 9 cores are 1.7 cards' worth of "short": the task would take the
        // CPU of a card it does not use, one that the tasks asking 4 cores could have used. The expected shapes alone
        // would put it there (it leaves 12 cores, as many 12-core tasks as 21 did, on fewer free cards); it goes
        // to "fresh".
        assertEquals(1, placed(endless.place(s, moderate)).nodes()[0], "fresh");
        // A 4-core task takes less than its card's share there: it fills "short".
        assertEquals(0, placed(endless.place(s, Job.of(3).cpu(4_000).memory(1000).build())).nodes()[0], "short");
        // Where no demand asks less CPU a card, or every job ends, nobody lighter is kept waiting for: best fit.
        assertEquals(0, placed(alike.place(s, moderate)).nodes()[0], "short, when nobody is lighter");
        assertEquals(0, placed(ending.place(s, moderate)).nodes()[0], "short, when every job ends");
    }

    @Test
    void a_task_that_would_strand_more_cards_than_it_takes_waits_while_work_never_ends() {
        Topology t = Topology.builder().node("g", "H800", 4, 40_000, 512_000, "r0", "b0").build();
        FragmentationAwarePolicy endless = afterOneCardTasks(10_000, true);
        FragmentationAwarePolicy ending = afterOneCardTasks(10_000, false);
        Job hungry = Job.of(1).cpu(36_000).memory(1000).build();
        // 36 cores leave 4 beside 3 free cards: none of the expected tasks fits there again, 3,000 milli-cards lost
        // for 1,000 taken.
        PlacementResult r = endless.place(new ClusterState(t), hungry);
        assertEquals(PlacementResult.Reason.WOULD_STRAND_CARDS, assertInstanceOf(PlacementResult.Deferred.class, r).reason());
        // 20 cores leave 20, which carry two of the 3 free cards: 800 counted lost (0.8 of a card) for 1,000 taken.
        placed(endless.place(new ClusterState(t), Job.of(2).cpu(20_000).memory(1000).build()));
        // Where every job ends, stranded cards come back within a run time: the job is placed.
        placed(ending.place(new ClusterState(t), hungry));
    }

    @Test
    void cpu_only_work_goes_to_the_first_node_with_no_free_card_past_roomy_gpu_nodes() {
        // Tasks that end (as in the service): g0 and g1 have CPU to spare for their cards, so the job scores 0 there
        // too, but leaves their cards free. Of the nodes with no free card (the full GPU node f, then the CPU-only
        // nodes c0 and c1), the first in order wins; the scan may stop there, and must not stop before it.
        Topology t = Topology.builder().node("g0", "H800", 2, 256_000, 512_000, "r0", "b0")
                .node("g1", "H800", 2, 256_000, 512_000, "r0", "b0")
                .node("f", "H800", 1, 64_000, 512_000, "r0", "b0")
                .node("c0", "", 0, 32_000, 512_000, "r0", "b0").node("c1", "", 0, 32_000, 512_000, "r0", "b0").build();
        FragmentationAwarePolicy policy = afterOneCardTasks(8_000, false);
        ClusterState s = new ClusterState(t);
        s.allocate(Placement.onNodes(Job.of(1).cpu(8_000).memory(1000).build(), new int[] {2}, new int[][] {{0}}));
        Job cpuOnly = Job.of(2).cards(0).milliPerCard(0).cpu(16_000).memory(1000).build();
        assertEquals(2, placed(policy.place(s, cpuOnly)).nodes()[0], "f, the first node with no free card");
        ClusterState empty = new ClusterState(t);
        assertEquals(3, placed(policy.place(empty, cpuOnly)).nodes()[0], "with f's card free: c0");
    }

    @Test
    void cpu_only_work_never_strands_cards_while_work_never_ends() {
        Topology gpuOnly = Topology.builder().node("g", "H800", 2, 20_000, 512_000, "r0", "b0").build();
        Topology withCpuNode = Topology.builder().node("g", "H800", 2, 20_000, 512_000, "r0", "b0")
                .node("c", "", 0, 32_000, 512_000, "r0", "b0").build();
        FragmentationAwarePolicy policy = new FragmentationAwarePolicy();
        for (int i = 0; i < 300; i++) {
            policy.observe(Job.of(1000 + i).cpu(8_000).memory(1000).build());
        }
        Job cpuOnly = Job.of(1).cards(0).milliPerCard(0).cpu(16_000).memory(1000).build();
        // On the GPU node it would leave 4 cores beside 2 free cards that need 8 each: it waits rather than strand them.
        PlacementResult r = policy.place(new ClusterState(gpuOnly), cpuOnly);
        assertEquals(PlacementResult.Reason.WOULD_STRAND_CARDS, assertInstanceOf(PlacementResult.Deferred.class, r).reason());
        assertEquals(1, placed(policy.place(new ClusterState(withCpuNode), cpuOnly)).nodes()[0], "the CPU-only node");
    }

    @Test
    void a_cpu_heavy_task_free_to_run_on_any_model_goes_to_the_model_with_cpu_to_spare_while_work_never_ends() {
        // Same cards, nothing bound to a model; "lean" has 8 cores a card, "rich" 24.
        Topology t = Topology.builder().node("lean", "L40", 8, 64_000, 512_000, "r0", "b0")
                .node("rich", "H800", 8, 192_000, 512_000, "r1", "b0").build();
        FragmentationAwarePolicy endless = afterOneCardTasks(4_000, true);
        FragmentationAwarePolicy ending = afterOneCardTasks(4_000, false);
        Job hungry = Job.of(1).cpu(16_000).memory(1000).build();
        // On either node the 48 or 176 cores left carry the 7 free cards for the expected tasks: the node alone
        // cannot tell them apart, and the tie goes to the first. Over the whole model, though, 16 cores are two
        // cards' worth of "lean" and two thirds of one of "rich": on "lean" the job takes the CPU of a card it does
        // not use.
        assertEquals(1, placed(endless.place(new ClusterState(t), hungry)).nodes()[0], "rich");
        // Where every job ends that CPU comes back within a run time: no price, the first node.
        assertEquals(0, placed(ending.place(new ClusterState(t), hungry)).nodes()[0], "lean");
    }

    /**
     * "whole" and "touched" are H800 nodes of 8 cards and 128 cores; "touched" runs 6 cards and 88 cores, so 2 cards
     * and 40 cores are free there. "other", an A800 node, is full. The demand seen (never ending): one task in a
     * hundred takes a whole node (8 cards, 32 cores), a quarter of the rest ask one card and 20 cores, the others one
     * card and 4 cores.
     */
    static ClusterState lastWholeNode(FragmentationAwarePolicy policy) {
        Topology t = Topology.builder().node("whole", "H800", 8, 128_000, 1_024_000, "r0", "b0")
                .node("touched", "H800", 8, 128_000, 1_024_000, "r0", "b0")
                .node("other", "A800", 8, 128_000, 1_024_000, "r0", "b0").build();
        ClusterState s = new ClusterState(t);
        s.allocate(Placement.onNodes(Job.of(1).cards(6).cpu(88_000).memory(1000).build(), new int[] {1},
                new int[][] {{0, 1, 2, 3, 4, 5}}));
        s.allocate(Placement.onNodes(Job.of(2).cards(8).cpu(128_000).memory(1000).build(), new int[] {2},
                new int[][] {{0, 1, 2, 3, 4, 5, 6, 7}}));
        for (int i = 0; i < 300; i++) {
            Job.Builder task = i % 100 == 0 ? Job.of(1000 + i).cards(8).cpu(32_000).memory(1000)
                    : Job.of(1000 + i).cpu(i % 4 == 1 ? 20_000 : 4_000).memory(1000);
            policy.observe(task.build());
        }
        return s;
    }

    @Test
    void a_task_free_to_run_anywhere_keeps_the_last_whole_node_for_the_whole_node_tasks_still_to_come() {
        FragmentationAwarePolicy policy = new FragmentationAwarePolicy();
        ClusterState s = lastWholeNode(policy);
        long h800 = 1L << s.topology().modelId("H800");
        // By the next task alone (FGD's measure) a 4-core task does better on "whole": 128 cores carry six 20-core
        // tasks, so two of its 8 cards are stranded for them, and one task fewer of 4 cores leaves 7 cards and 124
        // cores, one stranded; on "touched" nothing changes for them. The whole-node tasks are one in a hundred.
        // By that measure "whole" gains a card at the 20-core tasks' weight, a quarter, and loses its 8 cards for the
        // whole-node tasks at theirs, a hundredth: a fifth of a card against 0.07. But about nine more tasks fit,
        // and the chance that one of them needs the last whole node is 9%: 0.09 of 8 cards, 0.7 of a card, is more
        // than that gain. The task free to run anywhere goes to "touched".
        assertEquals(1, placed(policy.place(s, Job.of(3).cpu(4_000).memory(1000).build())).nodes()[0], "touched");
        // A task bound to one model is not steered by that price (design/whole-node-slots.md): the next task decides.
        assertEquals(0, placed(policy.place(s, Job.of(4).models(h800).cpu(4_000).memory(1000).build())).nodes()[0],
                "whole, for a task bound to H800");
    }

    @Test
    void a_card_of_no_share_is_placed_as_work_of_no_card() {
        // FORMAT.md allows gpu_milli 0 with a card: it holds no share, so it prices and teaches nothing.
        Topology t = Topology.builder().node("a", "L40", 8, 64_000, 512_000, "r0", "b0")
                .node("b", "H800", 8, 64_000, 512_000, "r0", "b0").build();
        FragmentationAwarePolicy policy = afterOneCardTasks(4_000, true);
        Job noShare = Job.of(1).milliPerCard(0).cpu(1_000).memory(1000).build();
        policy.observe(noShare);
        placed(policy.place(new ClusterState(t), noShare));
    }

    @Test
    void a_small_task_fills_a_node_too_small_for_the_multi_card_tasks_instead_of_breaking_a_bigger_one() {
        Topology t = Topology.builder().node("big", "H800", 8, 64_000, 512_000, "r0", "b0")
                .node("small", "H800", 2, 64_000, 512_000, "r0", "b0").build();
        ClusterState s = new ClusterState(t);
        s.allocate(Placement.onNodes(Job.of(0).cpu(1000).memory(1000).build(), new int[] {0}, new int[][] {{0}}));
        FragmentationAwarePolicy policy = new FragmentationAwarePolicy();
        for (int i = 0; i < 300; i++) {
            policy.observe(Job.of(1000 + i).cards(i % 2 == 0 ? 4 : 1).cpu(1000).memory(1000).build());
        }
        // A 4-card task must run on one node and never fits "small": its cards serve only small tasks, while
        // "big" keeps 7 whole cards, room for a 4-card task and three small ones.
        Placement p = placed(policy.place(s, Job.of(1).cpu(1000).memory(1000).build()));
        assertEquals(1, p.nodes()[0], "the 2-card node");
    }

    @Test
    void a_gang_larger_than_a_node_goes_to_one_rack_and_leaves_the_big_block_whole() {
        Topology t = twoBlocks();
        ClusterState s = new ClusterState(t);
        s.allocate(placed(new FirstFitPolicy().place(s, Job.of(0).cpu(1000).memory(1000)
                .build())));  // takes card 0 of n0 (rack r0)
        Placement gang = placed(new FragmentationAwarePolicy().place(s, Job.of(1).cards(16).cpu(1000).memory(1000)
                .build()));
        // Rack r1 holds 16 whole cards alone, in block b0, which it fills best; block b1 stays whole for a
        // 32-card gang; the partly used rack r0 is not split.
        assertArrayEquals(new int[] {2, 3}, gang.nodes(), "two whole nodes of rack r1");
    }

    @Test
    void a_rack_name_found_in_two_blocks_is_two_racks() {
        Topology.Builder b = Topology.builder();
        // Block b0: racks r0 and r1, one node each. Block b1: a rack also named r0, with two nodes.
        b.node("n0", "H800", 8, 64_000, 512_000, "r0", "b0").node("n1", "H800", 8, 64_000, 512_000, "r1", "b0");
        b.node("n2", "H800", 8, 64_000, 512_000, "r0", "b1").node("n3", "H800", 8, 64_000, 512_000, "r0", "b1");
        Placement gang = placed(new FragmentationAwarePolicy().place(new ClusterState(b.build()),
                Job.of(1).cards(16).cpu(1000).memory(1000).build()));
        // In b0 the gang spans two racks, in b1 one. Counted by name, b0's r0 would seem to hold 24 free cards, one
        // rack as in b1, and the tie would go to the first block.
        assertArrayEquals(new int[] {2, 3}, gang.nodes(), "both nodes of b1's rack");
    }

    @Test
    void a_gang_free_to_run_on_any_model_leaves_the_model_that_bound_jobs_need() {
        Topology t = h800RackAndA10Racks();
        long h800 = 1L << t.modelId("H800");
        FragmentationAwarePolicy policy = new FragmentationAwarePolicy();
        for (int i = 0; i < 300; i++) {
            // Half the demand may run only on H800; the rest anywhere.
            policy.observe(Job.of(1000 + i).models(i % 2 == 0 ? h800 : Job.ANY_MODEL).cpu(1000).memory(1000).build());
        }
        Placement gang = placed(policy.place(new ClusterState(t), Job.of(1).cards(16).cpu(1000).memory(1000).build()));
        // One rack of H800 would be the tighter topology, but the jobs bound to H800 need those cards: the gang
        // takes the sixteen A10 nodes instead.
        for (int n : gang.nodes()) {
            assertEquals("A10", t.models().get(t.model(n)), "node " + n);
        }
    }

    @Test
    void a_gang_goes_by_topology_between_models_alike() {
        Topology t = h800RackAndA10Racks();
        FragmentationAwarePolicy policy = new FragmentationAwarePolicy();
        for (int i = 0; i < 300; i++) {
            policy.observe(Job.of(1000 + i).cpu(1000).memory(1000).build());  // nothing bound to a model
        }
        Placement gang = placed(policy.place(new ClusterState(t), Job.of(1).cards(16).cpu(1000).memory(1000).build()));
        assertEquals(2, gang.nodes().length, "the two H800 nodes of one rack");
    }

    @Test
    void first_fit_spreads_a_gang_over_whatever_comes_first() {
        Topology t = twoBlocks();
        ClusterState s = new ClusterState(t);
        s.allocate(placed(new FirstFitPolicy().place(s, Job.of(0).cpu(1000).memory(1000).build())));
        Placement gang = placed(new FirstFitPolicy().place(s, Job.of(1).cards(16).cpu(1000).memory(1000).build()));
        assertArrayEquals(new int[] {0, 1, 2}, gang.nodes(), "first fit takes n0's 7 free cards, n1's 8, one of n2");
    }

    @Test
    void a_job_for_a_model_the_cluster_lacks_is_rejected_with_a_reason() {
        Topology t = twoBlocks();
        Job wantsAscend = Job.of(1).runsFor(10).models(0L).build();
        PlacementResult r = new FragmentationAwarePolicy().place(new ClusterState(t), wantsAscend);
        assertEquals(PlacementResult.Reason.NO_ALLOWED_MODEL, assertInstanceOf(PlacementResult.Rejected.class, r).reason());
        PlacementResult tooBig = new BestFitPolicy().place(new ClusterState(t), Job.of(2).cards(65).cpu(1000)
                .memory(1000).build());
        assertEquals(PlacementResult.Reason.LARGER_THAN_CLUSTER, assertInstanceOf(PlacementResult.Rejected.class, tooBig).reason());
    }

    @Test
    void a_full_cluster_defers_instead_of_rejecting() {
        Topology t = twoBlocks();
        ClusterState s = new ClusterState(t);
        s.allocate(placed(new FirstFitPolicy().place(s, Job.of(1).cards(64).cpu(1000).memory(1000).build())));
        assertInstanceOf(PlacementResult.Deferred.class, new FragmentationAwarePolicy().place(s, Job.of(2)
                .milliPerCard(100).cpu(1000).memory(1000).build()));
    }

    @Test
    void over_allocating_a_card_is_a_bug_that_throws() {
        Topology t = twoBlocks();
        ClusterState s = new ClusterState(t);
        Placement half = Placement.onNodes(Job.of(1).milliPerCard(600).cpu(1000).memory(1000)
                .build(), new int[] {0}, new int[][] {{0}});
        s.allocate(half);
        assertThrows(IllegalStateException.class, () -> s.allocate(half));
    }

    @Test
    void among_nodes_that_score_alike_a_job_goes_where_it_delays_the_drain_least() {
        ClusterState s = halfFullUntil100And10000();
        s.decideAt(0);
        FragmentationAwarePolicy policy = new FragmentationAwarePolicy();
        // A one-hour job ends before n1 drains anyway: beside the long job, so that n0 frees whole at 100 s.
        assertArrayEquals(new int[] {1}, placed(policy.place(s, Job.of(3).runsFor(3600).build())).nodes());
        // A job of a day delays either node's drain: least where the drain is latest already.
        assertArrayEquals(new int[] {1}, placed(policy.place(s, Job.of(4).runsFor(86_400).build())).nodes());
        // Where jobs never end, or no decision time is set (static packing), the tie goes to the first node.
        assertArrayEquals(new int[] {0}, placed(policy.place(s, Job.of(5).build())).nodes());
        assertArrayEquals(new int[] {0},
                placed(policy.place(halfFullUntil100And10000(), Job.of(3).runsFor(3600).build())).nodes());
    }

    /** n0 runs 4 cards until 100 s, n1 4 cards until 10,000 s: both have 4 free, and best fit ties them. */
    private static ClusterState halfFullUntil100And10000() {
        ClusterState s = new ClusterState(twoBlocks());
        s.allocate(Placement.onNodes(Job.of(1).cards(4).runsFor(100).build(), new int[] {0}, new int[][] {{0, 1, 2, 3}}),
                100);
        s.allocate(Placement.onNodes(Job.of(2).cards(4).runsFor(10_000).build(), new int[] {1},
                new int[][] {{0, 1, 2, 3}}), 10_000);
        return s;
    }

    @Test
    void the_score_still_comes_before_the_drain() {
        Topology t = twoBlocks();
        ClusterState s = new ClusterState(t);
        FragmentationAwarePolicy policy = new FragmentationAwarePolicy();
        for (int i = 0; i < 300; i++) {
            policy.observe(Job.of(1000 + i).cards(i % 4 == 0 ? 4 : 1).runsFor(3600).build());
        }
        // n0 has 1 card free (its job ends at 100 s), n1 has 4 (until 10,000 s). A one-card job on n1 would leave 3
        // cards a 4-card task cannot use; on n0 it leaves none: the score decides, and the drain does not enter.
        s.allocate(Placement.onNodes(Job.of(1).cards(7).runsFor(100).build(), new int[] {0},
                new int[][] {{0, 1, 2, 3, 4, 5, 6}}), 100);
        s.allocate(Placement.onNodes(Job.of(2).cards(4).runsFor(10_000).build(), new int[] {1},
                new int[][] {{0, 1, 2, 3}}), 10_000);
        s.decideAt(0);
        assertArrayEquals(new int[] {0}, placed(policy.place(s, Job.of(3).runsFor(3600).build())).nodes());
    }
}
