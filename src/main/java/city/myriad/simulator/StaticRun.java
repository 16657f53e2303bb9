package city.myriad.simulator;

import city.myriad.allocation.ClusterState;
import city.myriad.allocation.Job;
import city.myriad.allocation.PlacementPolicy;
import city.myriad.allocation.PlacementResult;
import city.myriad.allocation.Topology;
import java.util.ArrayList;
import java.util.List;

/**
 * The static-packing protocol of FORMAT.md: jobs arrive in file order and never leave; each is placed at once or
 * rejected. The figure of merit is the allocation ratio read when the arrived requests reach 100% and 130% of the
 * cluster's cards.
 *
 * <p>Nothing leaves, so a run time in the jobs file does not apply: the policy is given every job as endless. A
 * policy may weigh what a placement holds for good (the default counts the cards a node's spent CPU strands in
 * the share of endless jobs it has seen), and a file converted with the jobs' run times must be packed as one
 * without them.
 */
public final class StaticRun {

    /**
     * What a static run produced. {@code wouldStrand}: of the jobs rejected, those that fitted but that the policy
     * held back because every place for them would strand more cards than they take (the default's rule).
     */
    public record Result(List<TraceFiles.Segment> segments, int placed, int rejected, int wouldStrand,
            double allocRatio100, double allocRatio130, double finalRatio, long[] decisionNanos) {}

    private StaticRun() {}

    public static Result run(Topology t, List<Job> jobs, PlacementPolicy policy, Progress progress) {
        ClusterState state = new ClusterState(t);
        List<TraceFiles.Segment> segments = new ArrayList<>();
        long cardsMilli = (long) t.totalCards() * 1000;
        long arrivedMilli = 0;
        double at100 = Double.NaN;
        double at130 = Double.NaN;
        int placed = 0;
        int wouldStrand = 0;
        long[] nanos = new long[jobs.size()];
        for (int i = 0; i < jobs.size(); i++) {
            Job job = jobs.get(i).endless();
            policy.observe(job);
            long started = System.nanoTime();
            PlacementResult r = policy.place(state, job);
            nanos[i] = System.nanoTime() - started;
            if (r instanceof PlacementResult.Placed p) {
                state.allocate(p.placement());
                policy.allocated(state, p.placement());
                segments.add(new TraceFiles.Segment(p.placement(), job.submitS(), Double.NaN));
                placed++;
            } else if (r instanceof PlacementResult.Deferred d
                    && d.reason() == PlacementResult.Reason.WOULD_STRAND_CARDS) {
                wouldStrand++;
            }
            arrivedMilli += job.totalMilli();
            if (Double.isNaN(at100) && arrivedMilli >= cardsMilli) {
                at100 = state.allocationRatio();
            }
            if (Double.isNaN(at130) && arrivedMilli >= cardsMilli * 13 / 10) {
                at130 = state.allocationRatio();
            }
            progress.update(i + 1, jobs.size());
        }
        double last = state.allocationRatio();
        return new Result(segments, placed, jobs.size() - placed, wouldStrand, Double.isNaN(at100) ? last : at100,
                Double.isNaN(at130) ? last : at130, last, nanos);
    }
}
