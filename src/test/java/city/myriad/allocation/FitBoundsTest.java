package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The cycle's cheap bounds never rule out a job that the cluster could take now. */
class FitBoundsTest {

    @Test
    void a_job_ruled_out_by_the_bounds_fits_on_no_node() {
        Topology t = ClusterStateTest.mixed();
        ClusterState s = new ClusterState(t);
        SplittableRandom random = new SplittableRandom(7);
        BestFitPolicy policy = new BestFitPolicy();
        List<Placement> live = new ArrayList<>();
        int ruledOut = 0;
        for (int step = 0; step < 2_000; step++) {
            Job j = randomJob(step, random);
            // Fresh bounds for the state as it is (a cycle takes them once and only allocates afterwards).
            FitBounds bounds = new FitBounds(t, s);
            if (!bounds.mayFit(j)) {
                ruledOut++;
                assertFalse(fitsSomewhere(t, s, j), "job " + j + " was ruled out but fits");
            }
            if (!live.isEmpty() && random.nextInt(3) == 0) {
                s.release(live.remove(random.nextInt(live.size())));
            } else if (policy.place(s, j) instanceof PlacementResult.Placed p) {
                s.allocate(p.placement());
                live.add(p.placement());
            }
        }
        assertTrue(ruledOut > 100, "the walk reached full states often enough to test the bounds: " + ruledOut);
    }

    @Test
    void a_cluster_with_every_card_taken_is_exhausted() {
        Topology t = Topology.builder().node("n0", "A100", 2, 1_000, 1_000, "r0", "b0").build();
        ClusterState s = new ClusterState(t);
        assertFalse(new FitBounds(t, s).exhausted());
        s.allocate(Placement.onNodes(Job.of(0).cards(2).build(), new int[] {0}, new int[][] {{0, 1}}));
        assertTrue(new FitBounds(t, s).exhausted());
        assertFalse(new FitBounds(t, s).mayFit(Job.of(1).build()));
    }

    private static Job randomJob(int id, SplittableRandom random) {
        int gpus = random.nextInt(4) == 0 ? 1 + random.nextInt(12) : 1;
        int milli = gpus == 1 && random.nextBoolean() ? 100 * (1 + random.nextInt(9)) : 1000;
        long models = random.nextInt(3) == 0 ? 1L << random.nextInt(2) : Job.ANY_MODEL;
        return Job.of(id).runsFor(1).cards(gpus).milliPerCard(milli).models(models)
                .cpu(1_000L * random.nextInt(1, 40)).memory(1_000L * random.nextInt(1, 200)).build();
    }

    /** Ground truth: a single-node job fits on some node; a gang finds enough wholly free cards it may use. */
    private static boolean fitsSomewhere(Topology t, ClusterState s, Job j) {
        if (j.gpus() <= Math.max(1, t.maxCardsOnOneNode(j.allowedModels()))) {
            for (int n = 0; n < t.nodes(); n++) {
                if (s.fitsOnNode(j, n)) {
                    return true;
                }
            }
            return false;
        }
        long whole = 0;
        for (int n = 0; n < t.nodes(); n++) {
            if (t.cards(n) > 0 && j.allows(t.model(n))) {
                whole += s.wholeFree(n);
            }
        }
        return whole >= j.gpus();
    }
}
