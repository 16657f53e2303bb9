package city.myriad.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.allocation.BestFitPolicy;
import city.myriad.allocation.FirstFitPolicy;
import city.myriad.allocation.FragmentationAwarePolicy;
import city.myriad.allocation.Job;
import city.myriad.allocation.SchedulerOptions;
import city.myriad.allocation.PlacementPolicy;
import city.myriad.allocation.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Invariants of every replay, over random clusters and workloads: no card, CPU or memory is ever over-allocated,
 * gangs are whole and on allowed models, single-node jobs stay on one node, nothing starts before it is
 * submitted or runs longer than declared, and non-preemptible jobs are never stopped (checked by
 * {@link PlacementsValidator}, the rules of check.py).
 */
class ReplayPropertiesTest {

    static final List<Supplier<PlacementPolicy>> POLICIES = List.of(FragmentationAwarePolicy::new, BestFitPolicy::new,
            FirstFitPolicy::new, city.myriad.allocation.FgdPolicy::new);

    @Property(tries = 60)
    void dynamic_replays_never_break_a_rule(@ForAll("seeds") long seed, @ForAll @IntRange(min = 0, max = 3) int policy,
            @ForAll @IntRange(min = 0, max = 2) int queue) {
        SplittableRandom r = new SplittableRandom(seed);
        Topology t = randomCluster(r);
        List<Job> jobs = randomJobs(r, t, 150, true);
        SchedulerOptions options = List.of(SchedulerOptions.fifo(), SchedulerOptions.easy(), SchedulerOptions.myriad()).get(queue);
        Replay.Result result = new Replay(t, jobs, POLICIES.get(policy).get(), options).run(Progress.none());
        List<String> violations = PlacementsValidator.violations(t, jobs, result.segments());
        assertTrue(violations.isEmpty(), violations.toString());
        assertEquals(jobs.size(), result.finished() + result.rejected(), "every job finishes or is rejected as unplaceable");
    }

    /**
     * Never-ending work among jobs that end: the default then defers a job that would strand more cards than it takes
     * (in the share of endless jobs), and the queue, preemption and reservations must still keep every rule.
     */
    @Property(tries = 60)
    void dynamic_replays_with_never_ending_jobs_never_break_a_rule(@ForAll("seeds") long seed,
            @ForAll @IntRange(min = 0, max = 2) int queue) {
        SplittableRandom r = new SplittableRandom(seed);
        Topology t = randomCluster(r);
        List<Job> jobs = randomJobs(r, t, 150, true).stream().map(j -> r.nextInt(3) == 0 ? j.endless() : j).toList();
        SchedulerOptions options = List.of(SchedulerOptions.fifo(), SchedulerOptions.easy(), SchedulerOptions.myriad()).get(queue);
        Replay.Result result = new Replay(t, jobs, new FragmentationAwarePolicy(), options).run(Progress.none());
        List<String> violations = PlacementsValidator.violations(t, jobs, result.segments());
        assertTrue(violations.isEmpty(), violations.toString());
        assertTrue(result.finished() + result.rejected() <= jobs.size());
    }

    @Property(tries = 60)
    void static_packing_never_breaks_a_rule(@ForAll("seeds") long seed, @ForAll @IntRange(min = 0, max = 3) int policy) {
        SplittableRandom r = new SplittableRandom(seed);
        Topology t = randomCluster(r);
        List<Job> jobs = randomJobs(r, t, 300, false);
        StaticRun.Result result = StaticRun.run(t, jobs, POLICIES.get(policy).get(), Progress.none());
        List<String> violations = PlacementsValidator.violations(t, jobs, result.segments());
        assertTrue(violations.isEmpty(), violations.toString());
        assertEquals(jobs.size(), result.placed() + result.rejected());
        assertTrue(result.finalRatio() <= 1.0);
    }

    /** Static packing: nothing leaves, so the run times a jobs file may carry change no placement. */
    @Property(tries = 40)
    void static_packing_ignores_declared_run_times(@ForAll("seeds") long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Topology t = randomCluster(r);
        List<Job> endless = randomJobs(r, t, 300, false);
        List<Job> timed = endless.stream().map(j -> Job.of(j.id()).tenant(j.tenant()).runsFor(60 + r.nextInt(86_400))
                .cards(j.gpus()).milliPerCard(j.gpuMilli()).models(j.allowedModels()).cpu(j.cpuMilli())
                .memory(j.memoryMib()).priority(j.priority()).preemptible(j.preemptible()).build()).toList();
        assertEquals(placements(StaticRun.run(t, endless, new FragmentationAwarePolicy(), Progress.none())),
                placements(StaticRun.run(t, timed, new FragmentationAwarePolicy(), Progress.none())));
    }

    private static List<String> placements(StaticRun.Result result) {
        return result.segments().stream().map(s -> s.placement().job().id() + "@"
                + java.util.Arrays.toString(s.placement().nodes()) + java.util.Arrays.deepToString(s.placement().cards()))
                .toList();
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Long> seeds() {
        return net.jqwik.api.Arbitraries.longs();
    }

    static Topology randomCluster(SplittableRandom r) {
        Topology.Builder b = Topology.builder();
        String[] models = {"A100", "H800", "ASCEND-910B"};
        int nodes = 4 + r.nextInt(12);
        for (int n = 0; n < nodes; n++) {
            int cards = new int[] {0, 2, 4, 8}[r.nextInt(4)];
            b.node("n" + n, cards == 0 ? "" : models[r.nextInt(models.length)], cards, 16_000 + r.nextInt(64_000),
                    64_000 + r.nextInt(256_000), "r" + (n / 4), "b" + (n / 8));
        }
        return b.build();
    }

    static List<Job> randomJobs(SplittableRandom r, Topology t, int count, boolean durations) {
        List<Job> jobs = new ArrayList<>();
        double clock = 0;
        for (int i = 0; i < count; i++) {
            clock += r.nextDouble() * 30;
            int kind = r.nextInt(10);
            int gpus = kind < 3 ? 1 : kind < 5 ? 0 + 1 : kind < 7 ? 2 : kind < 9 ? 4 : 8 + r.nextInt(9);
            int milli = kind < 3 ? 100 * (1 + r.nextInt(9)) : 1000;
            if (kind == 9 && r.nextBoolean()) {
                gpus = 0;
                milli = 0;
            }
            long models = r.nextInt(3) == 0 && !t.models().isEmpty() ? 1L << r.nextInt(t.models().size()) : Job.ANY_MODEL;
            jobs.add(Job.of(i).tenant(r.nextInt(4)).submittedAt(durations ? clock : 0)
                    .runsFor(durations ? 10 + r.nextInt(600) : Double.POSITIVE_INFINITY).cards(gpus).milliPerCard(milli)
                    .models(models).cpu(r.nextInt(20_000)).memory(r.nextInt(80_000)).priority(r.nextInt(5) == 0 ? 1 : 0)
                    .preemptible(r.nextInt(3) == 0).build());
        }
        return jobs;
    }
}
