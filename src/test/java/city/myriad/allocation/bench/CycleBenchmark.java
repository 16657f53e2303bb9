package city.myriad.allocation.bench;

import city.myriad.allocation.BestFitPolicy;
import city.myriad.allocation.Decision;
import city.myriad.allocation.FirstFitPolicy;
import city.myriad.allocation.FragmentationAwarePolicy;
import city.myriad.allocation.Job;
import city.myriad.allocation.Scheduler;
import city.myriad.allocation.SchedulerOptions;
import city.myriad.allocation.Topology;
import java.util.ArrayDeque;
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
 * One whole scheduling cycle, as the service will run it, on a full 10,000-card cluster (1,250 nodes of 8) with
 * 10,000 jobs pending from 8 tenants: the oldest running job ends, a new job arrives, and the scheduler orders
 * the queue, places what fits, reserves for the head and backfills. The queue is kept at 10,000 and the cluster
 * full, so every call sees the same load. Myriad's default against EASY with best fit and FIFO with first fit,
 * in the same run. Run with {@code bin/myriad-bench CycleBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class CycleBenchmark {

    @Param({"default", "easy-bestfit", "fifo-firstfit"})
    public String policy;

    Scheduler scheduler;
    ArrayDeque<Job> running;
    SplittableRandom random;
    int nextId;
    double now;

    @Setup
    public void setUp() {
        Topology t = city.myriad.support.CityCluster.topology();
        scheduler = switch (policy) {
            case "default" -> new Scheduler(t, new FragmentationAwarePolicy(), SchedulerOptions.myriad());
            case "easy-bestfit" -> new Scheduler(t, new BestFitPolicy(), SchedulerOptions.easy());
            default -> new Scheduler(t, new FirstFitPolicy(), SchedulerOptions.fifo());
        };
        random = new SplittableRandom(42);
        running = new ArrayDeque<>();
        for (int i = 0; i < 20_000; i++) {
            scheduler.submit(PlacementBenchmark.job(random, nextId++));
        }
        // Fill the cluster; whatever stays pending is the queue.
        while (scheduler.pending() > 10_000 || scheduler.allocationRatio() < 0.95) {
            List<Decision> d = scheduler.cycle(now);
            track(d);
            if (d.isEmpty()) {
                break;
            }
        }
        while (scheduler.pending() < 10_000) {
            scheduler.submit(PlacementBenchmark.job(random, nextId++));
        }
    }

    private void track(List<Decision> decisions) {
        for (Decision d : decisions) {
            if (d instanceof Decision.Start s) {
                running.addLast(s.placement().job());
            } else if (d instanceof Decision.Preempt p) {
                running.remove(p.victim().job());
            }
        }
    }

    /** One job ends, one arrives, one cycle. */
    @Benchmark
    public int cycle() {
        now += 1;
        Job done = running.pollFirst();
        if (done != null) {
            scheduler.finished(done);
        }
        scheduler.submit(PlacementBenchmark.job(random, nextId++));
        List<Decision> d = scheduler.cycle(now);
        track(d);
        return d.size();
    }
}
