package city.myriad.simulator;

import city.myriad.allocation.Admission;
import city.myriad.allocation.ClusterState;
import city.myriad.allocation.Job;
import city.myriad.allocation.Placement;
import city.myriad.allocation.PlacementPolicy;
import city.myriad.allocation.PlacementResult;
import city.myriad.allocation.Reservations;
import city.myriad.allocation.Topology;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Event-driven replay of a workload in simulated time: arrivals, completions and preemptions. After the events
 * of each instant, one scheduling pass:
 * <ol>
 *   <li>order the pending jobs: priority, then (with fair share) the tenant with the least decayed usage, then
 *       submission time;</li>
 *   <li>start jobs in that order while they fit;</li>
 *   <li>the first job that does not fit is the head: if it is not preemptible, evict the smallest set of
 *       preemptible jobs on one node that lets it start; otherwise reserve for it the earliest time it can start
 *       (from the declared run times of running jobs) and, if it must run on one node, the node it will start on;</li>
 *   <li>backfill: a later job starts now only if it fits and cannot delay the head: it ends before the
 *       reservation, or it stays off the head's node (a gang across nodes: it uses only cards the head will not
 *       need) — EASY backfilling.</li>
 * </ol>
 * The scheduler never reads a job before its submission time.
 */
public final class Replay {

    /** How the queue is ordered and worked. */
    public record Options(boolean fairShare, boolean backfill, boolean preemption, double fairShareHalfLifeS,
            int scanLimit) {
        public static Options fifo() {
            return new Options(false, false, false, 0, Integer.MAX_VALUE);
        }

        public static Options easy() {
            return new Options(false, true, false, 0, 2000);
        }

        public static Options myriad() {
            return new Options(true, true, true, 86_400, 500);
        }
    }

    /** A sample of the cluster over time, for the plot. */
    public record Sample(double timeS, double utilization, int pending) {}

    /** Everything a replay produced. */
    public record Result(List<TraceFiles.Segment> segments, int started, int finished, int preemptions,
            int rejected, long[] decisionNanos, int decisions, List<Sample> samples) {}

    private static final class Running {
        final Placement placement;
        final double start;
        final double end;
        final long seq;
        boolean evicted;

        Running(Placement placement, double start, double end, long seq) {
            this.placement = placement;
            this.start = start;
            this.end = end;
            this.seq = seq;
        }
    }

    private final Topology topology;
    private final List<Job> jobs;
    private final PlacementPolicy policy;
    private final Options options;
    private final ClusterState state;
    /** Running jobs with a finite run time, by declared end: completions come from the front, reservations walk it. */
    private final java.util.TreeSet<Running> completions = new java.util.TreeSet<>(
            Comparator.comparingDouble((Running r) -> r.end).thenComparingLong(r -> r.seq));
    private long runningSeq;
    private Admission admission = Admission.ALWAYS;
    /** Evicted jobs, queued again after the pass that evicted them. */
    private final List<Job> requeue = new ArrayList<>();
    private final List<List<Running>> onNode;
    /** Pending jobs per queue (one per tenant with fair share, else one), by priority then submission. */
    private final List<java.util.TreeSet<Job>> pendingByTenant = new ArrayList<>();
    static final Comparator<Job> QUEUE_ORDER = Comparator.comparingInt((Job j) -> -j.priority())
            .thenComparingDouble(Job::submitS).thenComparingInt(Job::id);
    private final double[] usage;
    private final double[] usageAt;
    private final List<TraceFiles.Segment> segments = new ArrayList<>();
    private final List<Sample> samples = new ArrayList<>();
    private long[] nanos = new long[1 << 16];
    private int decisions;
    private int pending;
    private int started;
    private int finished;
    private int preemptions;
    private int rejected;

    public Replay(Topology topology, List<Job> jobs, int tenants, PlacementPolicy policy, Options options) {
        this.topology = topology;
        this.jobs = jobs;
        this.policy = policy;
        this.options = options;
        this.state = new ClusterState(topology);
        this.onNode = new ArrayList<>(topology.nodes());
        for (int n = 0; n < topology.nodes(); n++) {
            onNode.add(new ArrayList<>());
        }
        int queues = options.fairShare() ? Math.max(1, tenants) : 1;
        for (int i = 0; i < queues; i++) {
            pendingByTenant.add(new java.util.TreeSet<>(QUEUE_ORDER));
        }
        usage = new double[queues];
        usageAt = new double[queues];
    }

    /** Quota and budget admission: a job that is not admitted waits, without blocking the jobs behind it. */
    public Replay withAdmission(Admission admission) {
        this.admission = admission;
        return this;
    }

    /** Nodes held for tenants (reserved blocks): they take only their holder's jobs. */
    public Replay withReservations(Reservations reservations) {
        state.applyReservations(reservations);
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
            double tDone = completions.isEmpty() ? Double.POSITIVE_INFINITY : completions.first().end;
            double t = Math.min(tArrival, tDone);
            if (t == Double.POSITIVE_INFINITY) {
                break;  // only never-ending jobs remain
            }
            while (!completions.isEmpty() && completions.first().end <= t) {
                Running r = completions.pollFirst();
                if (!r.evicted) {
                    finish(r);
                }
            }
            while (next < order.length && jobs.get(order[next]).submitS() <= t) {
                Job j = jobs.get(order[next++]);
                policy.observe(j);
                queueOf(j).add(j);
                pending++;
            }
            schedule(t);
            progress.update(next, order.length);
            if (t - lastSample >= 600 || next == order.length) {
                samples.add(new Sample(t, state.allocationRatio(), pending));
                lastSample = t;
            }
        }
        rejected += pending;  // never started: too big for the cluster, or waiting behind never-ending jobs
        return new Result(segments, started, finished, preemptions, rejected, Arrays.copyOf(nanos, decisions),
                decisions, samples);
    }

    private java.util.TreeSet<Job> queueOf(Job j) {
        return pendingByTenant.get(options.fairShare() ? j.tenant() : 0);
    }

    private void finish(Running r) {
        state.release(r.placement);
        for (int n : r.placement.nodes()) {
            onNode.get(n).remove(r);
        }
        segments.add(new TraceFiles.Segment(r.placement, r.start, r.end));
        finished++;
    }

    private void schedule(double t) {
        if (pending == 0) {
            return;
        }
        java.util.Iterator<Job> candidates = ordered(t);
        List<Job> startedNow = new ArrayList<>();
        Capacity free = new Capacity(topology, state);
        // Within a pass the cluster only fills up: a shape that did not fit will not fit later in the same pass.
        java.util.Map<Long, long[]> didNotFit = new java.util.HashMap<>();
        try {
            scan(t, candidates, startedNow, free, didNotFit);
        } finally {
            for (Job j : startedNow) {
                remove(j);
            }
            for (Job j : requeue) {
                queueOf(j).add(j);
                pending++;
            }
            requeue.clear();
        }
    }

    private void scan(double t, java.util.Iterator<Job> candidates, List<Job> startedNow, Capacity free,
            java.util.Map<Long, long[]> didNotFit) {
        Head head = null;
        ClusterState.Hold hold = null;
        try {
            int scanned = 0;
            while (candidates.hasNext() && scanned++ < options.scanLimit()) {
                Job j = candidates.next();
                boolean pastShadow = head != null && t + j.durationS() > head.shadow();
                if (head != null && (!free.mayFit(j) || (pastShadow && head.node() < 0
                        && overlaps(j, head.models()) && j.totalMilli() > head.extra()))) {
                    continue;  // cannot fit anywhere now, or would delay the head: no decision needed
                }
                if (head != null && free.exhausted()) {
                    return;  // nothing left to backfill into
                }
                if (Admission.refusal(admission, j, t) != null) {
                    continue;  // over its tenant's quota or budget: waits, blocks nobody
                }
                // A job that would still run at the head's reserved start may not use the node kept for the head.
                boolean keepHeadNode = pastShadow && head.node() >= 0;
                if (keepHeadNode && hold == null) {
                    hold = state.holdForHead(head.node());
                } else if (!keepHeadNode && hold != null) {
                    state.lift(hold);
                    hold = null;
                }
                long shape = shapeKey(j) * 31 + (keepHeadNode ? 1 : 0);
                long[] failed = didNotFit.get(shape);
                if (failed != null && j.cpuMilli() >= failed[0] && j.memoryMib() >= failed[1]) {
                    if (head == null && options.backfill()) {
                        head = reservation(j, t);  // still the head: reserve for it as if it had been asked
                    } else if (head == null) {
                        return;
                    }
                    continue;
                }
                PlacementResult r = decide(j);
                if (r instanceof PlacementResult.Deferred) {
                    didNotFit.merge(shape, new long[] {j.cpuMilli(), j.memoryMib()},
                            (a, b) -> new long[] {Math.min(a[0], b[0]), Math.min(a[1], b[1])});
                }
                if (r instanceof PlacementResult.Rejected) {
                    startedNow.add(j);  // leaves the queue after the scan
                    rejected++;
                    continue;
                }
                if (r instanceof PlacementResult.Placed p) {
                    boolean aggregate = head != null && head.node() < 0 && pastShadow && overlaps(j, head.models());
                    if (!aggregate || j.totalMilli() <= head.extra()) {
                        if (aggregate) {
                            head = head.spend(j.totalMilli());
                        }
                        start(p.placement(), t);
                        startedNow.add(j);
                    }
                    continue;
                }
                if (head == null) {
                    if (options.preemption() && !j.preemptible() && preemptFor(j, t)) {
                        startedNow.add(j);
                        return;  // evictions changed the cluster and the queues: the next pass starts afresh
                    }
                    if (!options.backfill()) {
                        return;  // strict FIFO: nothing passes the head
                    }
                    head = reservation(j, t);
                }
            }
        } finally {
            if (hold != null) {
                state.lift(hold);
            }
        }
    }

    /**
     * The head's reservation: its earliest start {@code shadow} from the declared ends of running jobs and, for a
     * head that must run on one node, the node it will start on ({@code node}, kept from later jobs that would
     * still run then); for a gang across nodes, the milli-cards of its models that will be spare at the shadow
     * ({@code extra}, which later jobs may use), with node -1.
     */
    private record Head(double shadow, int node, long models, long extra) {
        Head spend(long milli) {
            return new Head(shadow, node, models, extra - milli);
        }
    }

    /**
     * Cheap necessary conditions for a job to fit now, from the cluster's histograms of free capacity: a job that
     * fails them cannot fit anywhere, so the policy need not be asked.
     */
    private static final class Capacity {
        final Topology t;
        final ClusterState s;

        Capacity(Topology t, ClusterState s) {
            this.t = t;
            this.s = s;
        }

        boolean exhausted() {
            return s.allocatedMilli() >= (long) t.totalCards() * 1000;
        }

        boolean mayFit(Job j) {
            if (j.gpus() == 0) {
                return true;
            }
            boolean single = j.gpus() <= Math.max(1, t.maxCardsOnOneNode(j.allowedModels()));
            long whole = 0;
            for (int m = 0; m < t.models().size(); m++) {
                if (!j.allows(m)) {
                    continue;
                }
                if (j.fractional() ? s.mayHaveCardWith(m, j.gpuMilli()) : single && s.maxWholeFree(m) >= j.gpus()) {
                    return true;
                }
                if (!single) {
                    whole += s.freeMilliOfModel(m) / 1000;
                }
            }
            return !single && whole >= j.gpus();
        }
    }

    private PlacementResult decide(Job j) {
        long t0 = System.nanoTime();
        PlacementResult r = policy.place(state, j);
        if (decisions == nanos.length) {
            nanos = Arrays.copyOf(nanos, nanos.length * 2);
        }
        nanos[decisions++] = System.nanoTime() - t0;
        return r;
    }

    private static long shapeKey(Job j) {
        return ((long) j.gpus() << 48) ^ ((long) j.gpuMilli() << 36) ^ j.allowedModels() * 0x9E3779B97F4A7C15L;
    }

    private static boolean overlaps(Job j, long models) {
        return (j.allowedModels() & models) != 0;
    }

    /**
     * Pending jobs in scheduling order, merged lazily from the queues: highest priority first, then the tenant
     * with the least decayed usage (charged as the scan goes, so that tenants interleave), then submission.
     */
    private java.util.Iterator<Job> ordered(double t) {
        int queues = pendingByTenant.size();
        if (queues == 1) {
            return pendingByTenant.get(0).iterator();
        }
        List<java.util.Iterator<Job>> its = new ArrayList<>(queues);
        Job[] heads = new Job[queues];
        double[] share = new double[queues];
        for (int i = 0; i < queues; i++) {
            its.add(pendingByTenant.get(i).iterator());
            heads[i] = its.get(i).hasNext() ? its.get(i).next() : null;
            share[i] = decayedUsage(i, t);
        }
        return new java.util.Iterator<>() {
            int best = pick();

            private int pick() {
                int b = -1;
                for (int i = 0; i < queues; i++) {
                    Job h = heads[i];
                    if (h == null) {
                        continue;
                    }
                    if (b < 0) {
                        b = i;
                        continue;
                    }
                    Job x = heads[b];
                    if (h.priority() > x.priority() || (h.priority() == x.priority()
                            && (share[i] < share[b] || (share[i] == share[b] && h.submitS() < x.submitS())))) {
                        b = i;
                    }
                }
                return b;
            }

            public boolean hasNext() {
                return best >= 0;
            }

            public Job next() {
                Job j = heads[best];
                share[best] += cardSeconds(j);
                heads[best] = its.get(best).hasNext() ? its.get(best).next() : null;
                best = pick();
                return j;
            }
        };
    }

    private double decayedUsage(int tenant, double t) {
        if (options.fairShareHalfLifeS() <= 0 || usageAt[tenant] == t) {
            return usage[tenant];
        }
        usage[tenant] *= Math.pow(0.5, (t - usageAt[tenant]) / options.fairShareHalfLifeS());
        usageAt[tenant] = t;
        return usage[tenant];
    }

    private static double cardSeconds(Job j) {
        double d = Double.isInfinite(j.durationS()) ? 86_400 : j.durationS();
        return Math.max(1, j.totalMilli() / 1000.0) * d;
    }

    private void remove(Job j) {
        queueOf(j).remove(j);
        pending--;
    }

    private void start(Placement p, double t) {
        state.allocate(p);
        Running r = new Running(p, t, t + p.job().durationS(), runningSeq++);
        if (!Double.isInfinite(r.end)) {
            completions.add(r);
        } else {
            segments.add(new TraceFiles.Segment(p, t, Double.NaN));
        }
        for (int n : p.nodes()) {
            onNode.get(n).add(r);
        }
        if (options.fairShare()) {
            int q = p.job().tenant();
            decayedUsage(q, t);
            usage[q] += cardSeconds(p.job());
        }
        started++;
    }

    /**
     * The earliest time at which the head can start, from the declared ends of the running jobs. A head that must
     * run on one node gets the first node where it fits once the jobs ending by then have released their share
     * (cards, CPU and memory); a gang across nodes counts the wholly free cards of its models in aggregate.
     */
    private Head reservation(Job head, double t) {
        if (head.gpus() <= Math.max(1, topology.maxCardsOnOneNode(head.allowedModels()))) {
            return nodeReservation(head, t);
        }
        long need = head.totalMilli();
        long available = 0;
        for (int n = 0; n < topology.nodes(); n++) {
            if (topology.cards(n) > 0 && head.allows(topology.model(n))) {
                available += state.wholeFree(n) * 1000L;
            }
        }
        if (available >= need) {
            return new Head(t, -1, head.allowedModels(), available - need);  // fits in aggregate: reserve now
        }
        for (Running r : completions) {
            Placement p = r.placement;
            for (int i = 0; i < p.nodes().length; i++) {
                int n = p.nodes()[i];
                if (topology.cards(n) > 0 && head.allows(topology.model(n))) {
                    available += (long) p.cards()[i].length * p.milli();
                }
            }
            if (available >= need) {
                return new Head(r.end, -1, head.allowedModels(), available - need);
            }
        }
        return new Head(Double.POSITIVE_INFINITY, -1, head.allowedModels(), 0);
    }

    private Head nodeReservation(Job head, double t) {
        List<Placement> none = List.of();
        for (int n = 0; n < topology.nodes(); n++) {
            if (usableBy(head, n) && state.fitsOnNodeAfterReleasing(head, n, none)) {
                return new Head(t, n, head.allowedModels(), 0);  // fits now (CPU or memory held it back before)
            }
        }
        java.util.Map<Integer, List<Placement>> released = new java.util.HashMap<>();
        for (Running r : completions) {
            Placement p = r.placement;
            for (int n : p.nodes()) {
                if (!usableBy(head, n)) {
                    continue;
                }
                List<Placement> onN = released.computeIfAbsent(n, k -> new ArrayList<>());
                onN.add(p);
                if (state.fitsOnNodeAfterReleasing(head, n, onN)) {
                    return new Head(r.end, n, head.allowedModels(), 0);
                }
            }
        }
        return new Head(Double.POSITIVE_INFINITY, -1, head.allowedModels(), 0);
    }

    private boolean usableBy(Job head, int n) {
        return state.mayUse(head, n) && topology.cards(n) >= head.gpus()
                && (head.gpus() == 0 || (topology.cards(n) > 0 && head.allows(topology.model(n))));
    }

    /**
     * Evicts the smallest set of preemptible jobs on one node that lets the head start there (fewest victims, then
     * least lost work), and starts it. Single-node heads only.
     */
    private boolean preemptFor(Job head, double t) {
        if (head.gpus() > topology.maxCardsOnOneNode(head.allowedModels())) {
            return false;
        }
        int bestNode = -1;
        List<Running> bestVictims = null;
        double bestLost = Double.MAX_VALUE;
        for (int n = 0; n < topology.nodes(); n++) {
            if (topology.cards(n) < head.gpus() || (head.gpus() > 0 && !head.allows(topology.model(n)))) {
                continue;
            }
            List<Running> victims = new ArrayList<>();
            for (Running r : onNode.get(n)) {
                if (r.placement.job().preemptible() && r.placement.nodes().length == 1) {
                    victims.add(r);
                }
            }
            if (victims.isEmpty()) {
                continue;
            }
            // Largest first gives the fewest victims; then drop any victim not needed.
            victims.sort((a, b) -> Long.compare(b.placement.job().totalMilli(), a.placement.job().totalMilli()));
            List<Placement> released = new ArrayList<>();
            List<Running> taken = new ArrayList<>();
            for (Running v : victims) {
                if (state.fitsOnNodeAfterReleasing(head, n, released)) {
                    break;
                }
                released.add(v.placement);
                taken.add(v);
            }
            if (!state.fitsOnNodeAfterReleasing(head, n, released)) {
                continue;
            }
            for (int i = taken.size() - 1; i >= 0; i--) {
                Placement p = released.remove(i);
                if (state.fitsOnNodeAfterReleasing(head, n, released)) {
                    taken.remove(i);
                } else {
                    released.add(i, p);
                }
            }
            double lost = taken.stream().mapToDouble(v -> (t - v.start) * v.placement.job().totalMilli()).sum();
            if (bestVictims == null || taken.size() < bestVictims.size()
                    || (taken.size() == bestVictims.size() && lost < bestLost)) {
                bestNode = n;
                bestVictims = taken;
                bestLost = lost;
            }
        }
        if (bestVictims == null) {
            return false;
        }
        for (Running v : bestVictims) {
            v.evicted = true;
            state.release(v.placement);
            for (int n : v.placement.nodes()) {
                onNode.get(n).remove(v);
            }
            completions.remove(v);
            segments.add(new TraceFiles.Segment(v.placement, v.start, t));
            preemptions++;
            requeue.add(v.placement.job());
        }
        int[] cards = state.chooseCards(head, bestNode);
        start(placementOn(head, bestNode, cards), t);
        return true;
    }

    private static Placement placementOn(Job job, int node, int[] cards) {
        return new Placement(job, new int[] {node}, new int[][] {cards}, new long[] {job.cpuMilli()},
                new long[] {job.memoryMib()});
    }
}
