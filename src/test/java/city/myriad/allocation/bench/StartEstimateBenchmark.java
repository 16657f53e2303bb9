package city.myriad.allocation.bench;

import city.myriad.allocation.StartEstimate;
import city.myriad.allocation.StartEstimate.Need;
import city.myriad.allocation.StartEstimate.Placed;
import city.myriad.allocation.StartEstimate.Running;
import city.myriad.allocation.StartEstimate.Waiting;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * One start estimate, as a GET of a QUEUED job or a job quote computes it, on a full cluster of the demo's size
 * (1,250 nodes of 8 cards, each filled by jobs of 1-8 cards ending within a day) behind {@code ahead} queued jobs (70%
 * one card, 21% a whole node, 9% gangs of 16-40 cards; runs of 10 minutes to a day): the node-by-node plan the
 * service uses up to {@code JobStartEstimates.NODE_PLAN_LIMIT} jobs ahead, and the pooled play it falls back to, in the same
 * run. Run with {@code bin/myriad-bench StartEstimateBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class StartEstimateBenchmark {

    static final Instant NOW = Instant.parse("2026-12-05T00:00:00Z");

    @Param({"100", "250", "1000"})
    public int ahead;

    List<Need> nodes;
    List<Placed> placed;
    List<Running> running;
    List<Waiting> queue;
    Waiting job;

    @Setup
    public void setUp() {
        SplittableRandom r = new SplittableRandom(42);
        nodes = new ArrayList<>();
        placed = new ArrayList<>();
        running = new ArrayList<>();
        for (int n = 0; n < 1_250; n++) {
            nodes.add(new Need(8_000, 192_000, 1_572_864));
            for (int left = 8; left > 0; ) {
                int cards = Math.min(left, 1 + r.nextInt(8));
                left -= cards;
                Instant end = NOW.plusSeconds(60 + r.nextInt(86_400));
                placed.add(new Placed(new int[] {n}, new Need[] {Need.cards(cards * 1000L)}, end));
                running.add(new Running(cards * 1000L, end));
            }
        }
        queue = new ArrayList<>();
        for (int i = 0; i < ahead; i++) {
            int cards = r.nextInt(10) < 7 ? 1 : r.nextInt(10) < 7 ? 8 : 16 + 8 * r.nextInt(4);
            queue.add(new Waiting(cards * 1000L, 600 + r.nextInt(86_400)));
        }
        job = new Waiting(8_000, 3_600);
    }

    @Benchmark
    public Optional<Instant> nodeByNode() {
        return StartEstimate.earliestOnNodes(nodes, placed, queue, job, NOW);
    }

    @Benchmark
    public Optional<Instant> pooled() {
        return StartEstimate.earliest(1_250 * 8_000L, running, queue, job.need().cardsMilli(), NOW);
    }
}
