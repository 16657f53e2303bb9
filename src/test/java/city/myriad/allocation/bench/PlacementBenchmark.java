package city.myriad.allocation.bench;

import city.myriad.allocation.BestFitPolicy;
import city.myriad.allocation.ClusterState;
import city.myriad.allocation.FirstFitPolicy;
import city.myriad.allocation.FragmentationAwarePolicy;
import city.myriad.allocation.Job;
import city.myriad.allocation.PlacementPolicy;
import city.myriad.allocation.PlacementResult;
import city.myriad.allocation.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One placement decision on a 10,000-card cluster (1,250 nodes of 8 cards, 16 a rack, 8 racks a block) that is
 * about 70% allocated, for the next of 10,000 pending jobs of mixed shapes: the default policy against best fit
 * and first fit, measured in the same run. Run with {@code bin/myriad-bench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class PlacementBenchmark {

    @Param({"default", "best-fit", "first-fit"})
    public String policy;

    ClusterState state;
    PlacementPolicy placement;
    List<Job> pending;
    int next;

    @Setup
    public void setUp() {
        Topology t = city.myriad.support.CityCluster.topology();
        placement = switch (policy) {
            case "default" -> new FragmentationAwarePolicy();
            case "best-fit" -> new BestFitPolicy();
            default -> new FirstFitPolicy();
        };
        SplittableRandom r = new SplittableRandom(42);
        state = new ClusterState(t);
        int id = 0;
        while (state.allocationRatio() < 0.70) {
            Job j = job(r, id++);
            placement.observe(j);
            if (placement.place(state, j) instanceof PlacementResult.Placed p) {
                state.allocate(p.placement());
            }
        }
        pending = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            Job j = job(r, id++);
            placement.observe(j);
            pending.add(j);
        }
    }

    static Job job(SplittableRandom r, int id) {
        int k = r.nextInt(20);
        int gpus = k < 7 ? 1 : k < 14 ? 1 : k < 17 ? 2 : k < 19 ? 4 : 8;
        int milli = k < 7 ? 100 * (1 + r.nextInt(9)) : 1000;
        return Job.of(id).tenant(r.nextInt(8)).runsFor(3600).cards(gpus).milliPerCard(milli).cpu(gpus * 8_000L)
                .memory(gpus * 64_000L).preemptible(r.nextInt(4) == 0).build();
    }

    /** One decision for the next pending job; the state is not changed, so every call sees the same cluster. */
    @Benchmark
    public PlacementResult decide() {
        Job j = pending.get(next);
        next = (next + 1) % pending.size();
        return placement.place(state, j);
    }
}
