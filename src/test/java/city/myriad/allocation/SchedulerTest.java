package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scheduler as the service calls it: submit, cycle, carry out the decisions, report what ended. */
class SchedulerTest {

    static Topology nodesOf8(int nodes) {
        Topology.Builder b = Topology.builder();
        for (int n = 0; n < nodes; n++) {
            b.node("n" + n, "H800", 8, 64_000, 512_000, "r0", "b0");
        }
        return b.build();
    }

    static List<Job> started(List<Decision> decisions) {
        List<Job> out = new ArrayList<>();
        for (Decision d : decisions) {
            if (d instanceof Decision.Start s) {
                out.add(s.placement().job());
            }
        }
        return out;
    }

    @Test
    void a_cycle_starts_what_fits_and_the_rest_waits_until_cards_are_reported_free() {
        Scheduler s = new Scheduler(nodesOf8(1), new BestFitPolicy(), SchedulerOptions.fifo());
        Job a = Job.of(0).runsFor(100).cards(6).build();
        Job b = Job.of(1).runsFor(100).cards(4).build();
        s.submit(a);
        s.submit(b);
        assertEquals(List.of(a), started(s.cycle(0)));
        assertEquals(1, s.pending());
        assertEquals(List.of(), s.cycle(50), "nothing ended: b still does not fit");
        s.finished(a);
        assertEquals(List.of(b), started(s.cycle(100)));
        assertEquals(0, s.pending());
        assertEquals(0.5, s.allocationRatio(), 1e-9);
    }

    @Test
    void what_a_tenants_reservation_could_not_reclaim_is_other_tenants_work_that_is_not_preemptible() {
        Scheduler s = new Scheduler(nodesOf8(3), new BestFitPolicy(), SchedulerOptions.fifo());
        s.submit(Job.of(0).tenant(1).runsFor(100).cards(8).build());                    // tenant 1, on demand
        s.submit(Job.of(1).tenant(2).runsFor(100).cards(4).build());                    // tenant 2, on demand
        s.submit(Job.of(2).tenant(1).runsFor(100).cards(4).preemptible(true).build());  // tenant 1, spot
        assertEquals(3, started(s.cycle(0)).size());
        long[] forTenant2 = s.othersNonPreemptibleMilli(2);
        long[] forTenant1 = s.othersNonPreemptibleMilli(1);
        assertEquals(8_000, java.util.Arrays.stream(forTenant2).sum(), "tenant 1's on-demand job; not its spot job");
        assertEquals(4_000, java.util.Arrays.stream(forTenant1).sum(), "tenant 2's on-demand job; not its own");
        assertEquals(12_000, java.util.Arrays.stream(s.othersNonPreemptibleMilli(3)).sum(), "both on-demand jobs");
    }

    @Test
    void once_the_cluster_is_busy_a_cycle_looks_only_as_deep_as_the_busy_scan_limit() {
        // Ten nodes of 2 cards, with 19 (95%: busy) or 18 (90%) cards taken by long jobs. The first two jobs of the
        // queue (smallest area first) are not admitted, and each takes a place of the scan; the third could start.
        for (int taken : new int[] {19, 18}) {
            Topology.Builder b = Topology.builder();
            for (int n = 0; n < 10; n++) {
                b.node("n" + n, "H800", 2, 64_000, 512_000, "r0", "b0");
            }
            Scheduler s = new Scheduler(b.build(), new BestFitPolicy(),
                    SchedulerOptions.myriad().withScanLimits(50, 2));
            for (int i = 0; i < taken; i++) {
                s.submit(Job.of(100 + i).runsFor(1000).cards(1).build());
            }
            assertEquals(taken, started(s.cycle(0)).size());
            Job refused1 = Job.of(1).runsFor(5).cards(1).build();
            Job refused2 = Job.of(2).runsFor(6).cards(1).build();
            Job third = Job.of(3).runsFor(30).cards(1).build();
            s.withAdmission((job, now) -> job.id() == 3 ? Admission.Verdict.ADMIT : Admission.Verdict.QUOTA_EXCEEDED);
            s.submit(refused1);
            s.submit(refused2);
            s.submit(third);
            List<Job> now = started(s.cycle(1));
            if (taken == 19) {
                assertEquals(List.of(), now, "busy: the scan stops after two jobs, before the third");
            } else {
                assertEquals(List.of(third), now, "cards idle: the scan goes on to the third");
            }
        }
    }

    /**
     * Admission hears each start as the scan decides it, so a quota that has room for one job of two that both fit
     * lets one start in the cycle, not both (a start taken back in the same cycle is told too: below).
     */
    @Test
    void admission_hears_each_start_as_it_is_decided_so_one_cycle_cannot_pass_a_quota() {
        Topology one = Topology.builder().node("n", "H800", 8, 64_000, 512_000, "r0", "b0").build();
        Scheduler s = new Scheduler(one, new BestFitPolicy(), SchedulerOptions.myriad());
        int[] running = {0};
        s.withAdmission(new Admission() {
            @Override
            public Verdict check(Job job, double nowS) {
                return job.preemptible() || running[0] < 1 ? Verdict.ADMIT : Verdict.QUOTA_EXCEEDED;
            }

            @Override
            public void started(Job job, double nowS) {
                if (!job.preemptible()) {
                    running[0]++;
                }
            }
        });
        s.submit(Job.of(1).runsFor(100).cards(2).build());
        s.submit(Job.of(2).submittedAt(1).runsFor(100).cards(2).build());
        assertEquals(List.of(1), started(s.cycle(2)).stream().map(Job::id).toList(), "room for one of the two");
        assertEquals(1, running[0]);
    }

    @Test
    void a_job_held_back_for_the_cards_it_would_strand_waits_without_holding_up_the_queue() {
        Topology t = Topology.builder().node("g", "H800", 2, 20_000, 512_000, "r0", "b0").build();
        FragmentationAwarePolicy policy = new FragmentationAwarePolicy();
        for (int i = 0; i < 300; i++) {
            policy.observe(Job.of(1000 + i).cpu(8_000).memory(1000).build());  // endless one-card work, 8 cores
        }
        Scheduler s = new Scheduler(t, policy, SchedulerOptions.fifo());
        Job cpuOnly = Job.of(1).cards(0).milliPerCard(0).cpu(16_000).memory(1000).build();
        Job oneCard = Job.of(2).cpu(8_000).memory(1000).build();
        s.submit(cpuOnly);
        s.submit(oneCard);
        // The CPU-only job would leave 4 cores beside 2 free cards: held back, it neither blocks strict FIFO nor
        // is rejected.
        List<Decision> d = s.cycle(0);
        assertEquals(List.of(oneCard), started(d));
        assertTrue(d.stream().noneMatch(x -> x instanceof Decision.Reject), d.toString());
    }

    @Test
    void a_job_that_can_never_fit_is_rejected_with_its_reason_and_leaves_the_queue() {
        Scheduler s = new Scheduler(nodesOf8(1), new FragmentationAwarePolicy(), SchedulerOptions.myriad());
        Job huge = Job.of(0).runsFor(100).cards(9).build();
        s.submit(huge);
        List<Decision> d = s.cycle(0);
        Decision.Reject r = assertInstanceOf(Decision.Reject.class, d.get(0));
        assertEquals(huge, r.job());
        assertEquals(PlacementResult.Reason.LARGER_THAN_CLUSTER, r.reason());
        assertEquals(0, s.pending());
    }

    @Test
    void a_job_no_node_carries_is_rejected_so_that_strict_fifo_does_not_wait_behind_it_forever() {
        // One 8-card node of 64 cores and a CPU-only node of 128: a 4-card job of 100 cores (more than any card node
        // has) can never start, nor a CPU-only job of 200 cores or 1 TB; a CPU-only job of 100 cores can.
        Topology t = Topology.builder().node("g0", "H800", 8, 64_000, 512_000, "r0", "b0")
                .node("c0", "", 0, 128_000, 512_000, "r0", "b0").build();
        Scheduler s = new Scheduler(t, new FirstFitPolicy(), SchedulerOptions.fifo());
        Job tooMuchCpu = Job.of(0).runsFor(100).cards(4).cpu(100_000).build();
        Job cpuOnlyTooBig = Job.of(1).runsFor(100).cards(0).cpu(200_000).build();
        Job cpuOnlyTooMuchMemory = Job.of(2).runsFor(100).cards(0).cpu(1_000).memory(1_000_000).build();
        Job cpuOnly = Job.of(3).runsFor(100).cards(0).cpu(100_000).build();
        Job oneCard = Job.of(4).runsFor(100).cpu(8_000).build();
        for (Job j : List.of(tooMuchCpu, cpuOnlyTooBig, cpuOnlyTooMuchMemory, cpuOnly, oneCard)) {
            s.submit(j);
        }
        List<Decision> d = s.cycle(0);
        List<Job> rejected = new ArrayList<>();
        for (Decision x : d) {
            if (x instanceof Decision.Reject r) {
                assertEquals(PlacementResult.Reason.NO_NODE_LARGE_ENOUGH, r.reason(), r.job().toString());
                rejected.add(r.job());
            }
        }
        assertEquals(List.of(tooMuchCpu, cpuOnlyTooBig, cpuOnlyTooMuchMemory), rejected);
        assertEquals(List.of(cpuOnly, oneCard), started(d));
        assertEquals(0, s.pending());
    }

    @Test
    void preemption_names_its_victims_and_puts_them_back_in_the_queue() {
        Scheduler s = new Scheduler(nodesOf8(1), new BestFitPolicy(), SchedulerOptions.myriad());
        Job spot = Job.of(0).runsFor(1000).cards(8).preemptible(true).build();
        s.submit(spot);
        s.cycle(0);
        Job urgent = Job.of(1).tenant(1).submittedAt(10).runsFor(100).cards(4).build();
        s.submit(urgent);
        List<Decision> d = s.cycle(10);
        Decision.Preempt p = assertInstanceOf(Decision.Preempt.class, d.get(0));
        assertEquals(spot, p.victim().job());
        assertEquals(urgent, p.forJob());
        assertEquals(List.of(urgent), started(d));
        assertEquals(1, s.pending(), "the spot job waits to start again");
        assertEquals(1, s.running());
        s.finished(urgent);
        assertEquals(List.of(spot), started(s.cycle(110)));
    }

    @Test
    void a_spot_job_whose_cards_a_blocked_job_takes_in_the_same_cycle_is_never_started_and_stopped() {
        // One node. The spot job is smaller (it goes first) and takes the node; the on-demand job behind it then
        // pays for the node by evicting it. Started and evicted at once would launch a container to kill it and
        // tell its tenant of a preemption: its start is taken back instead.
        FairShare shares = new FairShare(3600);
        Scheduler s = new Scheduler(nodesOf8(1), new BestFitPolicy(), SchedulerOptions.myriad(), shares);
        Job spot = Job.of(0).runsFor(100).cards(8).preemptible(true).build();
        Job onDemand = Job.of(1).tenant(1).runsFor(1000).cards(8).build();
        List<String> heard = new java.util.ArrayList<>();
        s.withAdmission(new Admission() {
            @Override
            public Verdict check(Job job, double nowS) {
                return Verdict.ADMIT;
            }

            @Override
            public void started(Job job, double nowS) {
                heard.add("started " + job.id());
            }

            @Override
            public void takenBack(Job job) {
                heard.add("taken back " + job.id());
            }
        });
        s.submit(spot);
        s.submit(onDemand);
        List<Decision> d = s.cycle(0);
        assertEquals(List.of(onDemand), started(d));
        assertEquals(1, d.size(), "no start and preemption of the spot job: " + d);
        assertEquals(List.of("started 0", "taken back 0", "started 1"), heard, "admission counts what stands");
        assertEquals(1, s.pending(), "the spot job waits");
        assertEquals(0, shares.usage(0, 0), 1e-9, "nor is its tenant charged for a run it never had");
        s.finished(onDemand);
        assertEquals(List.of(spot), started(s.cycle(1000)));
    }

    @Test
    void a_job_ending_before_its_declared_time_is_charged_for_what_it_ran_and_a_resumed_one_gives_nothing_back() {
        FairShare shares = new FairShare(0);
        Scheduler s = new Scheduler(nodesOf8(1), new BestFitPolicy(), SchedulerOptions.myriad(), shares);
        Job early = Job.of(0).runsFor(1000).cards(2).build();
        s.submit(early);
        assertEquals(List.of(early), started(s.cycle(0)));
        assertEquals(2000, shares.usage(0, 0), 1e-9, "charged its whole declared run at start");
        s.finished(early, 300);
        assertEquals(600, shares.usage(0, 300), 1e-9, "and given back the 700 s it did not run");
        // A job resumed after a restart was not charged by this scheduler: ending early gives nothing back.
        Job resumed = Job.of(1).runsFor(1000).cards(2).build();
        s.resume(Placement.onNodes(resumed, new int[] {0}, new int[][] {{0, 1}}), 200);
        s.finished(resumed, 400);
        assertEquals(600, shares.usage(0, 400), 1e-9);
        Job full = Job.of(2).runsFor(100).cards(2).build();
        s.submit(full);
        s.cycle(400);
        s.finished(full);
        assertEquals(800, shares.usage(0, 500), 1e-9, "a job ending at its declared end keeps its charge");
    }

    @Test
    void an_evicted_job_is_charged_to_its_tenants_share_only_for_what_it_ran() {
        FairShare f = new FairShare(3600);
        Job spot = Job.of(0).runsFor(400).cards(2).preemptible(true).build();
        f.charge(spot, 0);
        f.refund(spot, 0, 100);
        assertEquals(2 * 100 * Math.pow(0.5, 100 / 3600.0), f.usage(0, 100), 1e-9, "100 s ran, decayed since");
        FairShare never = new FairShare(0);
        never.charge(spot, 50);
        never.charge(spot, 70);
        never.refund(spot, 70, 70);
        assertEquals(800, never.usage(0, 70), 1e-9, "a start taken back costs nothing; the first run stands");
        never.refund(spot, 50, 500);
        assertEquals(800, never.usage(0, 500), 1e-9, "a run past its declared time has nothing to give back");
    }

    @Test
    void a_gang_evicts_a_minimal_set_preferring_nodes_freed_by_one_victim() {
        Scheduler s = new Scheduler(nodesOf8(4), new FragmentationAwarePolicy(), SchedulerOptions.myriad());
        List<Job> running = List.of(
                Job.of(0).runsFor(10_000).cards(8).preemptible(true)
                        .build(),    // fills one node: 8 cards for one victim
                Job.of(1).runsFor(10_000).cards(4).preemptible(true)
                        .build(),    // these two fill another: 8 cards for two victims
                Job.of(2).runsFor(10_000).cards(4).preemptible(true).build(),
                Job.of(3).runsFor(10_000).cards(8).preemptible(true).build(),
                Job.of(4).runsFor(10_000).cards(8).build());  // not preemptible
        running.forEach(s::submit);
        assertEquals(5, started(s.cycle(0)).size());
        Job gang = Job.of(5).tenant(1).submittedAt(10).runsFor(100).cards(16).build();
        s.submit(gang);
        List<Decision> d = s.cycle(10);
        List<Integer> victims = new ArrayList<>();
        for (Decision x : d) {
            if (x instanceof Decision.Preempt p) {
                victims.add(p.victim().job().id());
                assertEquals(gang, p.forJob());
            }
        }
        assertEquals(List.of(0, 3), victims.stream().sorted().toList(), "two whole-node victims, not three");
        assertEquals(List.of(gang), started(d));
    }

    @Test
    void a_head_that_would_start_soon_does_not_evict_work_that_ran_long() {
        Scheduler s = new Scheduler(nodesOf8(1), new BestFitPolicy(), SchedulerOptions.myriad());
        Job ending = Job.of(0).runsFor(1_010).cards(4).build();
        Job spot = Job.of(1).runsFor(100_000).cards(4).preemptible(true).build();
        s.submit(ending);
        s.submit(spot);
        s.cycle(0);
        Job head = Job.of(2).tenant(1).submittedAt(1_000).runsFor(100).cards(4).build();
        s.submit(head);
        // Evicting the spot job loses 4 cards x 1,000 s; waiting costs the head 4 cards x 10 s.
        assertEquals(List.of(), s.cycle(1_000), "no preemption");
        s.finished(ending);
        assertEquals(List.of(head), started(s.cycle(1_010)));
        assertEquals(2, s.running());
    }

    @Test
    void a_cpu_only_spot_job_counts_its_share_of_the_node_as_work_lost_and_is_not_evicted_for_free() {
        Scheduler s = new Scheduler(nodesOf8(1), new BestFitPolicy(), SchedulerOptions.myriad());
        // No card, but 60 of the node's 64 cores: 7.5 cards' worth of the node.
        Job cpuOnly = Job.of(0).runsFor(1_000_000).cards(0).cpu(60_000).preemptible(true).build();
        s.submit(cpuOnly);
        s.cycle(0);
        Job head = Job.of(1).tenant(1).submittedAt(200_000).runsFor(100).cards(1).cpu(8_000).build();
        s.submit(head);
        // Evicting it loses 7.5 x 200,000 card-seconds; waiting until it ends costs the head 1 x 800,000.
        assertEquals(List.of(), s.cycle(200_000), "no preemption: counted by its cards alone it would lose nothing");

        Scheduler early = new Scheduler(nodesOf8(1), new BestFitPolicy(), SchedulerOptions.myriad());
        early.submit(cpuOnly);
        early.cycle(0);
        Job soon = Job.of(2).tenant(1).submittedAt(10_000).runsFor(100).cards(1).cpu(8_000).build();
        early.submit(soon);
        List<Decision> d = early.cycle(10_000);  // loses 7.5 x 10,000 against 1 x 990,000 spared: it pays
        assertTrue(d.get(0) instanceof Decision.Preempt p && p.victim().job().equals(cpuOnly));
        assertEquals(List.of(soon), started(d));
    }

    @Test
    void a_resumed_job_holds_the_cpu_and_memory_it_started_with() {
        Topology t = nodesOf8(1);
        Scheduler before = new Scheduler(t, new BestFitPolicy(), SchedulerOptions.myriad());
        Job heavy = Job.of(0).runsFor(1_000).cards(1).cpu(48_000).memory(400_000).build();
        before.submit(heavy);
        Placement where = ((Decision.Start) before.cycle(0).get(0)).placement();
        // What the service stores is the nodes and cards; read back through onNodes, the CPU and memory are the same.
        Placement stored = Placement.onNodes(heavy, where.nodes(), where.cards());
        assertArrayEquals(where.cpu(), stored.cpu());
        assertArrayEquals(where.memory(), stored.memory());

        Scheduler after = new Scheduler(t, new BestFitPolicy(), SchedulerOptions.myriad());
        assertEquals(Resumption.RESUMED, after.resume(stored, 0));
        Job wantsCpu = Job.of(1).tenant(1).submittedAt(10).runsFor(100).cards(1).cpu(20_000).build();
        after.submit(wantsCpu);
        assertEquals(List.of(), after.cycle(10), "16 of 64 cores free for 20: seven cards free do not help");
        after.finished(heavy);
        assertEquals(List.of(wantsCpu), started(after.cycle(1_000)));
    }

    @Test
    void a_placement_the_nodes_no_longer_carry_is_refused_whole_and_changes_nothing() {
        // The records say a job runs on cards 6 and 7 of n0; the node is now imported with 4 cards.
        Topology shrunk = Topology.builder().node("n0", "H800", 4, 64_000, 512_000, "r0", "b0")
                .node("n1", "H800", 8, 64_000, 512_000, "r0", "b0").build();
        Scheduler s = new Scheduler(shrunk, new BestFitPolicy(), SchedulerOptions.myriad());
        Job lost = Job.of(0).runsFor(1_000).cards(2).build();
        assertEquals(new Resumption.Refused("node n0 has no card 6"),
                s.resume(Placement.onNodes(lost, new int[] {0}, new int[][] {{6, 7}}), 0));
        // Other misfits: another model, a card taken by a job resumed before.
        Job otherModel = Job.of(2).runsFor(1_000).cards(1).models(1L << 1).build();
        assertTrue(s.resume(Placement.onNodes(otherModel, new int[] {1}, new int[][] {{0}}), 0)
                instanceof Resumption.Refused);
        Job first = Job.of(3).runsFor(1_000).cards(4).build();
        assertEquals(Resumption.RESUMED, s.resume(Placement.onNodes(first, new int[] {1}, new int[][] {{0, 1, 2, 3}}),
                0));
        Job second = Job.of(4).runsFor(1_000).cards(2).build();
        assertEquals(new Resumption.Refused("card 3 of node n1 has 0 milli-cards free, not 1000"),
                s.resume(Placement.onNodes(second, new int[] {1}, new int[][] {{3, 4}}), 0));
        // Nothing of the refused ones was taken: n0's 4 cards and n1's other 4 are free for a pair of 4-card jobs.
        assertEquals(1, s.running());
        Job a = Job.of(5).submittedAt(1).runsFor(100).cards(4).build();
        Job b = Job.of(6).submittedAt(1).runsFor(100).cards(4).build();
        s.submit(a);
        s.submit(b);
        assertEquals(2, started(s.cycle(1)).size());
    }

    @Test
    void a_job_whose_node_has_less_cpu_than_it_took_runs_on_with_what_is_free() {
        // The node was re-imported with 64 cores; the job was started with 65 on one of its cards.
        Scheduler s = new Scheduler(nodesOf8(1), new BestFitPolicy(), SchedulerOptions.myriad());
        Job heavy = Job.of(0).runsFor(1_000).cards(1).cpu(65_000).build();
        assertEquals(new Resumption.Squeezed("node n0 has 64000 milli-CPU and 512000 MiB free, not 65000 and 0"),
                s.resume(Placement.onNodes(heavy, new int[] {0}, new int[][] {{0}}), 0));
        assertEquals(1, s.running());
        // It holds the 64 cores: a job asking one more core waits, one asking none starts on the seven cards left.
        Job wantsCpu = Job.of(1).tenant(1).submittedAt(1).runsFor(100).cards(1).cpu(1).build();
        Job cardsOnly = Job.of(2).tenant(1).submittedAt(1).runsFor(100).cards(7).build();
        s.submit(wantsCpu);
        s.submit(cardsOnly);
        assertEquals(List.of(cardsOnly), started(s.cycle(1)));
        s.finished(heavy);
        assertEquals(List.of(wantsCpu), started(s.cycle(2)), "what it held is free again, no more");
    }

    @Test
    void after_a_restart_running_jobs_are_resumed_and_hold_their_cards() {
        Topology t = nodesOf8(1);
        Scheduler before = new Scheduler(t, new BestFitPolicy(), SchedulerOptions.myriad());
        Job a = Job.of(0).runsFor(1_000).cards(6).build();
        before.submit(a);
        Placement where = ((Decision.Start) before.cycle(0).get(0)).placement();

        Scheduler after = new Scheduler(t, new BestFitPolicy(), SchedulerOptions.myriad());
        after.resume(where, 0);
        Job b = Job.of(1).tenant(1).submittedAt(10).runsFor(100).cards(4).build();
        after.submit(b);
        assertEquals(List.of(), after.cycle(10), "the resumed job still holds 6 of 8 cards");
        assertThrows(IllegalArgumentException.class, () -> after.resume(where, 0));
        after.finished(a);
        assertEquals(List.of(b), started(after.cycle(1_000)));
    }

    @Test
    void a_tenant_of_weight_two_gets_twice_the_cards_of_a_tenant_of_weight_one_under_contention() {
        FairShare shares = new FairShare(7 * 86_400).weight(0, 2).weight(1, 1);
        Scheduler s = new Scheduler(nodesOf8(3), new BestFitPolicy(), SchedulerOptions.myriad(), shares);
        int id = 0;
        for (int i = 0; i < 2_000; i++) {
            s.submit(Job.of(id++).runsFor(100).build());
            s.submit(Job.of(id++).tenant(1).runsFor(100).build());
        }
        long[] cardSeconds = new long[2];
        List<Job> runningNow = new ArrayList<>();
        for (int round = 0; round < 60; round++) {
            double t = round * 100;
            runningNow.forEach(s::finished);
            runningNow.clear();
            for (Job j : started(s.cycle(t))) {
                runningNow.add(j);
                cardSeconds[j.tenant()] += 100L * j.gpus();
            }
            assertEquals(24, runningNow.size(), "all 24 cards busy in round " + round);
        }
        double ratio = cardSeconds[0] / (double) cardSeconds[1];
        assertEquals(2.0, ratio, 0.1, "card-seconds of the weight-2 tenant per card-second of the weight-1 tenant");
    }

    @Test
    void with_equal_weights_a_tenant_that_used_a_lot_waits_behind_one_that_did_not() {
        Scheduler s = new Scheduler(nodesOf8(1), new BestFitPolicy(), SchedulerOptions.myriad());
        Job heavy = Job.of(0).runsFor(10_000).cards(8).build();
        s.submit(heavy);
        s.cycle(0);
        s.finished(heavy);
        Job heavyAgain = Job.of(1).submittedAt(10_000).runsFor(100).cards(8).build();
        Job light = Job.of(2).tenant(1).submittedAt(10_001).runsFor(100).cards(8).build();
        s.submit(heavyAgain);
        s.submit(light);
        assertEquals(List.of(light), started(s.cycle(10_001)), "the tenant with no usage goes first despite submitting later");
    }

    @Test
    void a_job_pending_past_the_aging_threshold_goes_ahead_of_fair_share() {
        Scheduler s = new Scheduler(nodesOf8(1), new BestFitPolicy(), SchedulerOptions.myriad().withAging(3600));
        Job heavy = Job.of(0).runsFor(10_000).cards(8).build();
        s.submit(heavy);
        s.cycle(0);
        Job heavyWaiting = Job.of(1).submittedAt(100).runsFor(100).cards(8).build();
        s.submit(heavyWaiting);
        s.cycle(100);
        s.finished(heavy);
        Job light = Job.of(2).tenant(1).submittedAt(9_999).runsFor(100).cards(8).build();
        s.submit(light);
        // Without aging the light tenant would go first (see above); heavyWaiting has waited 9,900 s > 3,600 s.
        assertEquals(List.of(heavyWaiting), started(s.cycle(10_000)));
        // Without the area half-life too: with it, 9,900 s of waiting counts for more than the tenants' usage.
        Scheduler young = new Scheduler(nodesOf8(1), new BestFitPolicy(),
                SchedulerOptions.myriad().withAging(86_400).withAreaHalfLife(Double.POSITIVE_INFINITY));
        young.submit(heavy);
        young.cycle(0);
        young.submit(heavyWaiting);
        young.cycle(100);
        young.finished(heavy);
        young.submit(light);
        assertEquals(List.of(light), started(young.cycle(10_000)), "below the threshold fair share decides");
    }

    @Test
    void a_whole_node_job_waiting_two_hours_has_a_node_kept_for_it_beyond_the_reserved_heads() {
        // Three nodes: n0 busy for long, n1 free at 9,000, n2 half free at 7,500 and wholly at 12,000. One head gets
        // a reservation (B: n1). W needs a whole node and has waited 7,500 s; S comes after W in the order (larger
        // area) and would fill n2's free half past W's start there.
        for (boolean rule : new boolean[] {true, false}) {
            SchedulerOptions options = SchedulerOptions.myriad().withHeads(1);
            Scheduler s = new Scheduler(nodesOf8(3), new BestFitPolicy(),
                    rule ? options : options.withWholeNodeReservation(Double.POSITIVE_INFINITY));
            int[] all = {0, 1, 2, 3, 4, 5, 6, 7};
            s.resume(Placement.onNodes(Job.of(100).runsFor(100_000).cards(8).build(), new int[] {0}, new int[][] {all}), 0);
            s.resume(Placement.onNodes(Job.of(101).runsFor(9_000).cards(8).build(), new int[] {1}, new int[][] {all}), 0);
            Job endsFirst = Job.of(102).runsFor(7_500).cards(4).build();
            s.resume(Placement.onNodes(endsFirst, new int[] {2}, new int[][] {{0, 1, 2, 3}}), 0);
            s.resume(Placement.onNodes(Job.of(103).runsFor(12_000).cards(4).build(), new int[] {2},
                    new int[][] {{4, 5, 6, 7}}), 0);
            s.submit(Job.of(1).runsFor(100).cards(8).build());        // B
            s.submit(Job.of(2).runsFor(10_000).cards(8).build());     // W
            assertEquals(List.of(), started(s.cycle(0)));
            s.finished(endsFirst);
            Job later = Job.of(3).submittedAt(7_500).runsFor(30_000).cards(4).build();  // S
            s.submit(later);
            if (rule) {
                assertEquals(List.of(), started(s.cycle(7_500)), "n2 is kept for W, which starts there at 12,000");
            } else {
                assertEquals(List.of(later), started(s.cycle(7_500)), "without the rule S takes half of W's node");
            }
        }
    }

    @Test
    void usage_halves_every_half_life() {
        FairShare f = new FairShare(3600);
        f.charge(Job.of(0).runsFor(1000).cards(2).build(), 0);
        assertEquals(2000, f.usage(0, 0), 1e-9);
        assertEquals(1000, f.usage(0, 3600), 1e-9);
        assertEquals(250, f.usage(0, 3 * 3600), 1e-9);
        assertEquals(0, f.usage(5, 3600), "a tenant never charged has no usage");
        assertThrows(IllegalArgumentException.class, () -> f.weight(1, 0));
    }

    @Test
    void a_withdrawn_job_never_starts_and_reporting_an_unknown_job_is_a_bug() {
        Scheduler s = new Scheduler(nodesOf8(1), new BestFitPolicy(), SchedulerOptions.easy());
        Job a = Job.of(0).runsFor(100).cards(8).build();
        s.submit(a);
        assertTrue(s.withdraw(a));
        assertFalse(s.withdraw(a));
        assertEquals(List.of(), s.cycle(0));
        assertThrows(IllegalArgumentException.class, () -> s.finished(a));
    }

    @Test
    void the_scheduler_measures_decisions_only_with_the_ticker_it_is_given() {
        long[] now = {0};
        Scheduler s = new Scheduler(nodesOf8(1), new BestFitPolicy(), SchedulerOptions.easy())
                .withTicker(() -> now[0] += 7);
        s.submit(Job.of(0).runsFor(100).build());
        s.cycle(0);
        assertEquals(1, s.decisionNanos().length);
        assertEquals(7, s.decisionNanos()[0]);
        Scheduler untimed = new Scheduler(nodesOf8(1), new BestFitPolicy(), SchedulerOptions.easy());
        untimed.submit(Job.of(0).runsFor(100).build());
        assertEquals(1, started(untimed.cycle(0)).size());
        assertEquals(0, untimed.decisionNanos().length, "without a ticker nothing is recorded");
    }

    @Test
    void idle_reserved_cards_run_other_tenants_spot_work_until_the_holder_reclaims_them_at_once() {
        Scheduler s = new Scheduler(nodesOf8(2), new BestFitPolicy(), SchedulerOptions.myriad())
                .withReservations(node -> node == 0 ? 7 : Reservations.NONE);
        Job fill = Job.of(0).tenant(1).runsFor(100_000).cards(8).build();     // tenant 1 fills the open node
        Job onDemand = Job.of(1).tenant(1).runsFor(100_000).cards(8).build(); // and may not use the held one
        Job spot = Job.of(2).tenant(1).runsFor(100_000).cards(8).preemptible(true)
                .build();      // but its spot work may, while the holder leaves it idle
        s.submit(fill);
        s.submit(onDemand);
        s.submit(spot);
        assertEquals(List.of(fill, spot), started(s.cycle(0)));
        Job owner = Job.of(3).tenant(7).submittedAt(3_000).runsFor(600).cards(4).build();
        s.submit(owner);
        // The spot job ran 3,000 s on 8 cards, far more than the owner's wait would cost: reclaimed all the same.
        List<Decision> reclaim = s.cycle(3_000);
        assertInstanceOf(Decision.Preempt.class, reclaim.get(0));
        assertEquals(spot, ((Decision.Preempt) reclaim.get(0)).victim().job());
        assertEquals(List.of(owner), started(reclaim));
    }

    /** Node 0 kept for tenant 7's reservation beginning at {@code fromS}; node 1 kept for nobody. */
    private static Reservations nextHoldOnNode0(double fromS) {
        return new Reservations() {
            @Override
            public int holder(int node) {
                return NONE;
            }

            @Override
            public int nextHolder(int node) {
                return node == 0 ? 7 : NONE;
            }

            @Override
            public double nextHoldFromS(int node) {
                return node == 0 ? fromS : Double.POSITIVE_INFINITY;
            }
        };
    }

    @Test
    void a_node_kept_for_a_reservation_to_come_takes_others_work_only_if_it_ends_before_the_window() {
        // Node 1 is full; node 0 is kept for tenant 7 from t = 10,000.
        Scheduler s = new Scheduler(nodesOf8(2), new BestFitPolicy(), SchedulerOptions.myriad())
                .withReservations(nextHoldOnNode0(10_000));
        Job fill = Job.of(0).tenant(1).runsFor(100_000).cards(8).build();
        s.submit(fill);
        assertEquals(List.of(fill), started(s.cycle(0)), "the free node, not the kept one");
        Job pastTheWindow = Job.of(1).tenant(1).submittedAt(100).runsFor(9_901).cards(4).build();
        s.submit(pastTheWindow);
        assertEquals(List.of(), started(s.cycle(100)), "it would still run at 10,001: it waits");
        Job endsInTime = Job.of(2).tenant(1).submittedAt(100).runsFor(9_900).cards(4).build();
        Job spot = Job.of(3).tenant(2).submittedAt(100).runsFor(100_000).cards(2).preemptible(true).build();
        Job holders = Job.of(4).tenant(7).submittedAt(100).runsFor(100_000).cards(2).build();
        s.submit(endsInTime);
        s.submit(spot);
        s.submit(holders);
        List<Job> now = started(s.cycle(100));
        assertEquals(3, now.size(), now.toString());
        assertTrue(now.containsAll(List.of(endsInTime, spot, holders)), "ends at 10,000; reclaimed; its own");
        assertEquals(1, s.pending(), "the long job still waits");
        // The same job with the window further off fits.
        s.withReservations(nextHoldOnNode0(20_000));
        s.finished(endsInTime);
        assertEquals(List.of(pastTheWindow), started(s.cycle(200)));
    }

    /** Node 0 with maintenance from {@code fromS}; node 1 out of service (in a window now); the rest free. */
    private static Reservations maintenance(double fromS) {
        return new Reservations() {
            @Override
            public int holder(int node) {
                return node == 1 ? OUT_OF_SERVICE : NONE;
            }

            @Override
            public int nextHolder(int node) {
                return node == 0 ? MAINTENANCE : NONE;
            }

            @Override
            public double nextHoldFromS(int node) {
                return node == 0 ? fromS : Double.POSITIVE_INFINITY;
            }
        };
    }

    @Test
    void a_job_kept_off_only_by_maintenance_is_told_so_and_one_that_lacks_cards_anyway_is_not() {
        // Nodes 0 (window from 10,000) and 1 (in a window now) of three; node 2 is taken by a long job.
        Scheduler s = new Scheduler(nodesOf8(3), new BestFitPolicy(), SchedulerOptions.myriad())
                .withReservations(maintenance(10_000));
        Job fill = Job.of(0).tenant(1).runsFor(100_000).cards(8).build();
        s.submit(fill);
        assertEquals(List.of(fill), started(s.cycle(0)), "the node without maintenance");
        int[] inWindow = {1};
        int[] toCome = {0};
        Job long8 = Job.of(1).tenant(1).submittedAt(10).runsFor(20_000).cards(8).build();
        Job spot8 = Job.of(2).tenant(2).submittedAt(10).runsFor(20_000).cards(8).preemptible(true).build();
        Job gang24 = Job.of(3).tenant(1).submittedAt(10).runsFor(20_000).cards(24).build();
        s.submit(long8);
        s.submit(gang24);
        assertEquals(List.of(), started(s.cycle(10)));
        assertTrue(s.keptOffByMaintenance(long8, inWindow, toCome), "node 0 would take it, but for the window");
        assertFalse(s.keptOffByMaintenance(long8, new int[0], new int[0]), "no window: not kept off by one");
        assertFalse(s.keptOffByMaintenance(gang24, inWindow, toCome), "24 cards: node 2's are taken as well");
        Job gang16 = Job.of(4).tenant(1).submittedAt(10).runsFor(20_000).cards(16).build();
        assertTrue(s.keptOffByMaintenance(gang16, inWindow, toCome), "16: the two nodes in maintenance");
        assertFalse(s.keptOffByMaintenance(spot8, inWindow, toCome), "a spot job may use node 0 until the window");
        // A short job takes node 0: an 8-card job now lacks cards whatever the window.
        Job short8 = Job.of(5).tenant(1).submittedAt(20).runsFor(9_000).cards(8).build();
        s.submit(short8);
        assertEquals(List.of(short8), started(s.cycle(20)));
        assertFalse(s.keptOffByMaintenance(long8, new int[0], toCome), "node 0 is full now");
        assertTrue(s.keptOffByMaintenance(long8, inWindow, toCome), "node 1 in its window would take it");
    }

    @Test
    void the_cards_other_tenants_work_takes_count_each_card_once_and_a_tenants_own_jobs_are_found_by_node() {
        Scheduler s = new Scheduler(nodesOf8(2), new BestFitPolicy(), SchedulerOptions.fifo());
        s.submit(Job.of(0).tenant(1).runsFor(100).cards(1).milliPerCard(500).build());  // half a card, node 0
        s.submit(Job.of(1).tenant(1).runsFor(100).cards(1).milliPerCard(500).build());  // the other half
        s.submit(Job.of(2).tenant(1).runsFor(100).cards(3).build());
        s.submit(Job.of(3).tenant(1).runsFor(100).cards(2).preemptible(true).build());  // spot: reclaimed
        s.submit(Job.of(4).tenant(2).runsFor(100).cards(8).build());                     // tenant 2's own
        assertEquals(5, started(s.cycle(0)).size());
        int[] cards = s.othersNonPreemptibleCards(2);
        assertEquals(4, java.util.Arrays.stream(cards).sum(), "one card shared by two halves, and three whole");
        boolean[] own = s.runsJobsOf(2);
        assertEquals(1, (own[0] ? 1 : 0) + (own[1] ? 1 : 0), "tenant 2's job runs on one node");
        assertEquals(0, cards[own[0] ? 0 : 1], "its own job's node has nothing of the others");
    }

    @Test
    void what_a_reservation_beginning_later_would_find_is_the_work_declared_to_run_past_its_start() {
        Scheduler s = new Scheduler(nodesOf8(2), new BestFitPolicy(), SchedulerOptions.myriad());
        s.submit(Job.of(0).tenant(1).runsFor(1_000).cards(8).build());
        s.submit(Job.of(1).tenant(1).runsFor(5_000).cards(4).build());
        assertEquals(2, started(s.cycle(0)).size());
        assertEquals(12_000, java.util.Arrays.stream(s.othersNonPreemptibleMilli(2)).sum());
        assertEquals(4_000, java.util.Arrays.stream(s.othersNonPreemptibleMilli(2, 1_000)).sum(), "ends at 1,000");
        assertEquals(0, java.util.Arrays.stream(s.othersNonPreemptibleMilli(2, 5_000)).sum());
    }

    @Test
    void a_node_out_of_service_takes_no_job() {
        Scheduler s = new Scheduler(nodesOf8(1), new BestFitPolicy(), SchedulerOptions.myriad())
                .withReservations(node -> Reservations.OUT_OF_SERVICE);
        s.submit(Job.of(0).runsFor(100).preemptible(true).build());
        s.submit(Job.of(1).runsFor(100).build());
        assertEquals(List.of(), s.cycle(0));
        s.withReservations(Reservations.NONE_HELD);
        assertEquals(2, started(s.cycle(1)).size());
    }
}
