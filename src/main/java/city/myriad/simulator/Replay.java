package city.myriad.simulator;

import city.myriad.allocation.Admission;
import city.myriad.allocation.Decision;
import city.myriad.allocation.FairShare;
import city.myriad.allocation.Job;
import city.myriad.allocation.Placement;
import city.myriad.allocation.PlacementPolicy;
import city.myriad.allocation.Reservations;
import city.myriad.allocation.Scheduler;
import city.myriad.allocation.SchedulerOptions;
import city.myriad.allocation.Topology;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Event-driven replay of a workload in simulated time around the core's {@link Scheduler}: at each instant with an
 * event, the completions due are reported to the scheduler, then the arrivals, then one scheduling cycle runs and
 * its decisions are carried out (starts schedule a completion at the declared run time; preemptions cancel one).
 * The scheduler never sees a job before its submission time, nor a run time other than the declared one.
 */
public final class Replay {

    /** A sample of the cluster over time, for the plot. */
    public record Sample(double timeS, double utilization, int pending) {}

    /** Everything a replay produced. */
    public record Result(List<TraceFiles.Segment> segments, int started, int finished, int preemptions,
            int rejected, long[] decisionNanos, int decisions, List<Sample> samples, int maxPending) {}

    /** One run of a job: from its start to its declared end, unless preempted first. */
    record Run(Placement placement, double start, double end, long seq) {}

    private final List<Job> jobs;
    private final Scheduler scheduler;
    /** By end, then start order. */
    private final EndQueue completions = new EndQueue();
    /** The current run of each running job, by job id: a completion of an older run (preempted) is stale. */
    private final Map<Integer, Run> current = new HashMap<>();
    private final List<TraceFiles.Segment> segments = new ArrayList<>();
    private final List<Sample> samples = new ArrayList<>();
    private long seq;
    private int started;
    private int finished;
    private int preemptions;
    private int rejected;
    private int maxPending;
    /** The start estimates to measure, if asked for (null: none). */
    private StartEstimates estimates;

    public Replay(Topology topology, List<Job> jobs, PlacementPolicy policy, SchedulerOptions options) {
        this(topology, jobs, policy, options, new FairShare(options.fairShareHalfLifeS()));
    }

    /** With the tenants' fair-share weights in {@code fairShare}. */
    public Replay(Topology topology, List<Job> jobs, PlacementPolicy policy, SchedulerOptions options,
            FairShare fairShare) {
        this.jobs = jobs;
        this.scheduler = new Scheduler(topology, policy, options, fairShare).withTicker(System::nanoTime);
    }

    /** Quota and budget admission: a job that is not admitted waits, without blocking the jobs behind it. */
    public Replay withAdmission(Admission admission) {
        scheduler.withAdmission(admission);
        return this;
    }

    /** Nodes held for tenants (reserved blocks): they take only their holder's jobs. */
    public Replay withReservations(Reservations reservations) {
        scheduler.withReservations(reservations);
        return this;
    }

    /** Measures the service's start estimates at each submission ({@link StartEstimates}). */
    Replay withEstimates(StartEstimates estimates) {
        this.estimates = estimates;
        return this;
    }

    public Result run(Progress progress) {
        Integer[] order = new Integer[jobs.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> jobs.get(i).submitS()));
        int next = 0;
        double lastSample = Double.NEGATIVE_INFINITY;
        while (next < order.length || !completions.isEmpty()) {
            double tArrival = next < order.length ? jobs.get(order[next]).submitS() : Double.POSITIVE_INFINITY;
            while (!completions.isEmpty() && current.get(completions.peek().placement().job().id()) != completions.peek()) {
                completions.poll();  // the run was preempted: no event
            }
            double tDone = completions.isEmpty() ? Double.POSITIVE_INFINITY : completions.peek().end();
            double t = Math.min(tArrival, tDone);
            if (t == Double.POSITIVE_INFINITY) {
                break;  // only never-ending jobs remain
            }
            while (!completions.isEmpty() && completions.peek().end() <= t) {
                Run r = completions.poll();
                Job job = r.placement().job();
                if (current.get(job.id()) == r) {
                    current.remove(job.id());
                    scheduler.finished(job);
                    segments.add(new TraceFiles.Segment(r.placement(), r.start(), r.end()));
                    finished++;
                }
            }
            while (next < order.length && jobs.get(order[next]).submitS() <= t) {
                Job job = jobs.get(order[next++]);
                if (estimates != null) {
                    estimates.submitted(job, t, current.values());
                }
                scheduler.submit(job);
            }
            for (Decision d : scheduler.cycle(t)) {
                carryOut(d, t);
            }
            maxPending = Math.max(maxPending, scheduler.pending());
            progress.update(next, order.length);
            if (t - lastSample >= 600 || next == order.length) {
                samples.add(new Sample(t, scheduler.allocationRatio(), scheduler.pending()));
                lastSample = t;
            }
        }
        for (Run r : current.values()) {
            segments.add(new TraceFiles.Segment(r.placement(), r.start(), Double.NaN));  // never-ending jobs
        }
        rejected += scheduler.pending();  // never started: waiting behind never-ending jobs
        long[] nanos = scheduler.decisionNanos();
        return new Result(segments, started, finished, preemptions, rejected, nanos, nanos.length, samples, maxPending);
    }

    private void carryOut(Decision d, double t) {
        if (d instanceof Decision.Start s) {
            Placement p = s.placement();
            Run r = new Run(p, t, t + p.job().durationS(), seq++);
            current.put(p.job().id(), r);
            if (estimates != null) {
                estimates.started(p.job(), t);
            }
            if (!Double.isInfinite(r.end())) {
                completions.add(r);
            }
            started++;
        } else if (d instanceof Decision.Preempt p) {
            Run r = current.remove(p.victim().job().id());
            segments.add(new TraceFiles.Segment(p.victim(), r.start(), t));
            preemptions++;
            if (estimates != null) {
                estimates.waiting(p.victim().job(), true);
            }
        } else if (d instanceof Decision.Reject reject) {
            rejected++;
            if (estimates != null) {
                estimates.waiting(reject.job(), false);
            }
        }
    }
}
