package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ObjIntConsumer;
import org.junit.jupiter.api.Test;

/** The indexes ClusterState keeps beside its arrays agree with the arrays, whatever was allocated and released. */
class ClusterStateTest {

    static Topology mixed() {
        Topology.Builder b = Topology.builder();
        for (int n = 0; n < 150; n++) {
            switch (n % 3) {
                case 0 -> b.node("h" + n, "H800", 8, 64_000, 512_000, "r" + n / 30, "b0");
                case 1 -> b.node("a" + n, "ASCEND-910B", 4, 64_000, 512_000, "r" + n / 30, "b1");
                default -> b.node("c" + n, "", 0, 64_000, 512_000, "r" + n / 30, "b1");
            }
        }
        return b.build();
    }

    /** Allocates and releases at random (best fit, mixed shapes and models), checking after every step. */
    private static ClusterState churn(Topology t, ObjIntConsumer<ClusterState> check) {
        ClusterState s = new ClusterState(t);
        SplittableRandom random = new SplittableRandom(42);
        BestFitPolicy policy = new BestFitPolicy();
        List<Placement> live = new ArrayList<>();
        for (int step = 0; step < 3_000; step++) {
            if (!live.isEmpty() && random.nextInt(3) == 0) {
                s.release(live.remove(random.nextInt(live.size())));
            } else {
                int gpus = random.nextInt(4) == 0 ? 1 + random.nextInt(8) : random.nextInt(10) == 0 ? 0 : 1;
                int milli = gpus == 1 && random.nextBoolean() ? 100 * (1 + random.nextInt(9)) : 1000;
                long models = random.nextInt(3) == 0 ? 1L << random.nextInt(2) : Job.ANY_MODEL;
                Job j = Job.of(step).runsFor(1).cards(gpus).milliPerCard(milli).models(models).cpu(100).memory(100)
                        .build();
                if (policy.place(s, j) instanceof PlacementResult.Placed p) {
                    s.allocate(p.placement());
                    live.add(p.placement());
                }
            }
            check.accept(s, step);
        }
        return s;
    }

    @Test
    void walking_candidates_visits_exactly_the_nodes_of_allowed_models_with_a_free_share() {
        Topology t = mixed();
        ClusterState s = churn(t, (state, step) -> {
            for (long models : new long[] {1L, 2L, Job.ANY_MODEL}) {
                Job probe = Job.of(-1).runsFor(1).milliPerCard(100).models(models).build();
                List<Integer> walked = new ArrayList<>();
                for (int n = state.nextCandidate(probe, 0); n >= 0; n = state.nextCandidate(probe, n + 1)) {
                    walked.add(n);
                }
                List<Integer> expected = new ArrayList<>();
                for (int n = 0; n < t.nodes(); n++) {
                    int free = 0;
                    for (int c = 0; c < t.cards(n); c++) {
                        free += state.freeOn(n, c);
                    }
                    if (t.cards(n) > 0 && probe.allows(t.model(n)) && free > 0) {
                        expected.add(n);
                    }
                }
                assertEquals(expected, walked, "step " + step + ", models " + models);
            }
            for (int m = 0; m < t.models().size(); m++) {
                long whole = 0;
                for (int n = 0; n < t.nodes(); n++) {
                    if (t.cards(n) > 0 && t.model(n) == m) {
                        whole += state.wholeFree(n);
                    }
                }
                assertEquals(whole, state.wholeFreeOfModel(m), "wholly free cards of model " + m + " at step " + step);
            }
        });
        BestFitPolicy policy = new BestFitPolicy();
        Job cpuOnly = Job.of(-2).runsFor(1).cards(0).cpu(1).memory(1).build();
        assertEquals(0, s.nextCandidate(cpuOnly, 0), "a CPU-only job may use any node");
        assertEquals(-1, s.nextCandidate(cpuOnly, t.nodes()));
        assertInstanceOf(PlacementResult.Placed.class, policy.place(s, cpuOnly));
    }

    @Test
    void one_node_candidates_are_the_nodes_with_enough_whole_cards_and_the_untouched_bits_follow_the_nodes() {
        Topology t = mixed();
        churn(t, (s, step) -> {
            for (int gpus = 0; gpus <= 9; gpus++) {
                for (long models : new long[] {1L, 2L, Job.ANY_MODEL}) {
                    Job probe = Job.of(-1).runsFor(1).cards(gpus).models(models).build();
                    for (int n = 0; n < t.nodes(); n++) {
                        boolean candidate = (s.candidatesOnOneNode(probe, n >>> 6) & (1L << n)) != 0;
                        boolean expected = gpus == 0
                                || (t.cards(n) > 0 && probe.allows(t.model(n)) && s.wholeFree(n) >= gpus);
                        assertEquals(expected, candidate, "node " + n + ", " + gpus + " cards, models " + models
                                + ", step " + step);
                    }
                }
            }
            Job slice = Job.of(-1).runsFor(1).milliPerCard(300).build();
            for (int n = 0; n < t.nodes(); n++) {
                boolean freeShare = t.cards(n) > 0 && s.freeMilli(n) > 0;
                assertEquals(freeShare, (s.candidatesOnOneNode(slice, n >>> 6) & (1L << n)) != 0, "slice, node " + n);
                for (int c = 0; c < t.nodeClasses; c++) {
                    boolean bit = (s.untouchedOfClass(c, n >>> 6) & (1L << n)) != 0;
                    assertEquals(s.untouched(n) && t.nodeClass[n] == c, bit, "untouched, node " + n + ", class " + c);
                }
            }
        });
    }

    @Test
    void the_change_log_names_every_node_whose_version_changed_since_a_readers_last_look() {
        Topology t = mixed();
        int[] versions = new int[t.nodes()];
        long[] read = {0};
        churn(t, (s, step) -> {
            java.util.Set<Integer> logged = new java.util.HashSet<>();
            for (long i = Math.max(read[0], s.changes() - ClusterState.CHANGE_LOG); i < s.changes(); i++) {
                logged.add(s.changedNode(i));
            }
            read[0] = s.changes();
            for (int n = 0; n < t.nodes(); n++) {
                assertEquals(versions[n] != s.version(n), logged.contains(n), "node " + n + ", step " + step);
                versions[n] = s.version(n);
            }
        });
    }
}
