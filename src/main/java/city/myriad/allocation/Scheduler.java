package city.myriad.allocation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * One cluster's scheduler: the pending queue, the running jobs and the cards they hold. The caller tells it what
 * arrived ({@link #submit}) and what ended ({@link #finished}), and asks it at a point in time what to do
 * ({@link #cycle}). Time is always given by the caller, in seconds; the scheduler never reads a clock.
 *
 * <p>A cycle, over the current state:
 * <ol>
 *   <li>order the pending jobs ({@link PendingQueues}): priority, then the oldest of the jobs pending longer than
 *       the aging threshold, as many as get reservations, oldest first, then (by default) smallest area (cards ×
 *       declared run time) first, a tenant's jobs counted larger by its usage per weight (fair share), then
 *       submission time;</li>
 *   <li>start jobs in that order while they fit, placing each with the {@link PlacementPolicy};</li>
 *   <li>the first job that does not fit is the head: if it is not preemptible and preempting pays (the victims'
 *       lost work is less than the head's wait spared), evict a minimal set of preemptible jobs that lets it
 *       start; otherwise reserve for it the earliest time it can start, from the declared run times of the
 *       running jobs, and, if it must run on one node, the node it will start on ({@link Head});</li>
 *   <li>backfill: a later job starts now only if it fits and delays no reserved job ({@link Heads}): the first
 *       few blocked jobs that fit one node each get a reservation of their own node, kept from jobs that would
 *       still run at its start; a gang head lets such jobs use only the cards it will not need. While the queue
 *       is short, every blocked job that needs a whole node gets one too once it has waited 2 hours
 *       ({@link SchedulerOptions#WHOLE_NODE_RESERVATION_S}). With one reservation this is EASY backfilling;</li>
 *   <li>return the decisions, in order.</li>
 * </ol>
 * A job that its tenant's quota or budget does not admit ({@link Admission}) is skipped and blocks nobody.
 * Job ids must be unique among the jobs a scheduler has seen. Not thread-safe: one writer per cluster.
 */
public final class Scheduler {

    /**
     * A cluster with this share of its cards allocated is busy: a cycle's scan stops at the busy scan limit. While
     * more cards are idle, looking deeper finds work for them (models, shapes and tenants that the first jobs in
     * the queue do not want); once the cluster is busy, what a deeper look finds is mostly late, small jobs that
     * slip past the blocked ones without reservations, which then wait longer (docs/design/scan-depth.md).
     */
    static final double BUSY = 0.95;

    /**
     * The reservations of one cycle look at most this many times at every running job in all (the first head's
     * walk may take one pass alone): a bound on a cycle's cost that no measured workload reached.
     */
    static final long WALK_PASSES = 2;

    /** What a nomination answers for a shape known not to fit, without asking the policy. */
    private static final PlacementResult NOT_NOW =
            new PlacementResult.Deferred(PlacementResult.Reason.NO_NODE_WITH_FREE_CARDS);

    private final Topology topology;
    private final PlacementPolicy policy;
    private final SchedulerOptions options;
    private final ClusterState state;
    private final FairShare fairShare;
    private Admission admission = Admission.ALWAYS;
    /** Measures decisions when set (the simulator and benchmarks); null in the service: nothing is recorded. */
    private LongSupplier ticker;
    /** The running jobs, by id and by declared end: the reservations walk them. */
    private final RunningJobs running;
    /** Who runs where, and what evicting whom would gain; consulted for non-preemptible jobs that do not fit. */
    private final Preemption preemption;
    /** The jobs waiting, one queue per tenant with fair share (else one). */
    private final PendingQueues queues;
    /** Shapes known not to fit until capacity is released. */
    private final NotFitting notFitting = new NotFitting();
    /** The per-node sums the heads' reservations add up in (see {@link Head.Walk}). */
    private final Head.Releases walkSums;
    /** The blocked jobs' reservations, kept from cycle to cycle while nothing could move them. */
    private final HeadMemo headMemo;
    /** The time of the scan under way; NaN between cycles. */
    private double scanTime = Double.NaN;
    private long[] nanos = new long[1 << 12];
    private int decisions;

    /**
     * Why {@code job} could never run on {@code topology} (the rule every policy applies before it places: no node of
     * its models, more cards than the cluster has, no node carrying a job that belongs on one, no block holding a
     * one-block gang), or null if some state of the cluster would hold it. The service asks it of the cluster's whole
     * hardware when the core, built on the cards in service, rejected a job.
     */
    public static PlacementResult.Rejected neverFits(Topology topology, Job job) {
        return Gangs.neverFits(topology, job);
    }

    public Scheduler(Topology topology, PlacementPolicy policy, SchedulerOptions options) {
        this(topology, policy, options, new FairShare(options.fairShareHalfLifeS()));
    }

    /** With the tenants' fair-share weights (and usage) kept in {@code fairShare}. */
    public Scheduler(Topology topology, PlacementPolicy policy, SchedulerOptions options, FairShare fairShare) {
        this.topology = topology;
        this.policy = policy;
        this.options = options;
        this.fairShare = fairShare;
        this.state = new ClusterState(topology);
        this.walkSums = new Head.Releases(topology);
        this.headMemo = new HeadMemo();
        this.running = new RunningJobs(topology);
        this.preemption = new Preemption(topology, state, policy, new Preemption.WhatIf() {
            @Override
            public void evict(RunningJob r) {
                release(r);
            }

            @Override
            public void restore(RunningJob r) {
                Scheduler.this.restore(r);
            }
        });
        this.queues = new PendingQueues(options.fairShare(), options.agingS(), options.order(), options.areaHalfLifeS(),
                fairShare, options.heads(), options.agingCapS(), topology.totalCards());
    }

    /** Quota and budget admission: a job that is not admitted waits, without blocking the jobs behind it. */
    public Scheduler withAdmission(Admission admission) {
        this.admission = admission;
        return this;
    }

    /** Nodes held for tenants (reserved blocks): they take only their holder's jobs. Call again when they change. */
    public Scheduler withReservations(Reservations reservations) {
        state.applyReservations(reservations);
        notFitting.clear();
        headMemo.forget();
        return this;
    }

    /**
     * The time source for measuring placement decisions (nanoseconds). None by default, and then nothing is
     * recorded: the record grows with every decision, which suits a replay, not a service that runs for months.
     */
    public Scheduler withTicker(LongSupplier nanoTicker) {
        this.ticker = nanoTicker;
        return this;
    }

    /** A job arrived: it waits for a cycle. */
    public void submit(Job job) {
        policy.observe(job);
        queues.add(job);
    }

    /**
     * A job that is already running where the placement says, since {@code startedAtS}: after a restart the service
     * rebuilds the scheduler from its records with this (fair-share usage is not charged again). A placement whose
     * cards the state no longer has free (its node lost cards since, or another resumed job holds them) is refused
     * and changes nothing: the caller decides what becomes of the job. One whose cards are there but whose node has
     * less CPU or memory free than it takes (the node re-imported with less, or work placed there when they were not
     * counted) runs on with what is free: the job does run there, and the node takes no more CPU or memory work
     * until it frees.
     * Throws if the job already runs.
     */
    public Resumption resume(Placement placement, double startedAtS) {
        if (running.runs(placement.job().id())) {
            throw new IllegalArgumentException("job " + placement.job().id() + " is already running");
        }
        String misfit = state.misfit(placement, false);
        if (misfit != null) {
            return new Resumption.Refused(misfit);
        }
        String squeezed = state.misfit(placement, true);
        if (squeezed != null) {
            run(state.withinFreeCpuAndMemory(placement), startedAtS);
            return new Resumption.Squeezed(squeezed);
        }
        run(placement, startedAtS);
        return Resumption.RESUMED;
    }

    private RunningJob run(Placement placement, double startedAtS) {
        RunningJob r = running.prepare(placement, startedAtS);
        state.allocate(placement, r.end);
        policy.allocated(state, placement);
        running.add(r);
        preemption.started(r);
        return r;
    }

    /** A running job ended (finished, failed or was cancelled) at its declared end or later: its cards are free. */
    public void finished(Job job) {
        finished(job, Double.POSITIVE_INFINITY);
    }

    /**
     * A running job ended at {@code nowS}: its cards are free again, and if it ended before its declared run time
     * its tenant gets back the fair-share charge for the time it did not run (it was charged all of it at start).
     */
    public void finished(Job job, double nowS) {
        RunningJob r = running.remove(job.id());
        if (r == null) {
            throw new IllegalArgumentException("job " + job.id() + " is not running");
        }
        release(r);
        refund(r, nowS);
    }

    /** A pending job was withdrawn by its tenant. Returns whether it was pending. */
    public boolean withdraw(Job job) {
        return queues.remove(job);
    }

    public int pending() {
        return queues.size();
    }

    public int running() {
        return running.size();
    }

    /** Allocated milli-cards / all milli-cards now. */
    public double allocationRatio() {
        return state.allocationRatio();
    }

    /**
     * Per node, the milli-cards taken by running jobs of other tenants than {@code tenant} that are not preemptible:
     * what a reservation of that tenant holding the node from now could not reclaim until they end (the service's
     * holds prefer nodes where this is least). One pass over the running jobs.
     */
    public long[] othersNonPreemptibleMilli(int tenant) {
        return othersNonPreemptibleMilli(tenant, Double.NEGATIVE_INFINITY);
    }

    /**
     * As {@link #othersNonPreemptibleMilli(int)}, counting only the jobs declared to end after {@code fromS}: what a
     * reservation of that tenant beginning then would find on each node.
     */
    public long[] othersNonPreemptibleMilli(int tenant, double fromS) {
        long[] milli = new long[topology.nodes()];
        for (RunningJob r : running.all()) {
            Job j = r.job();
            if (j.preemptible() || j.tenant() == tenant || r.end <= fromS) {
                continue;
            }
            Placement p = r.placement;
            for (int i = 0; i < p.nodes().length; i++) {
                milli[p.nodes()[i]] += (long) p.cards()[i].length * p.milli();
            }
        }
        return milli;
    }

    /**
     * Per node, how many of its cards have a share taken by running jobs of other tenants than {@code tenant} that
     * are not preemptible: the cards a reservation of that tenant holding the node cannot use until they end (the
     * service credits them as not delivered). One pass over the running jobs.
     */
    public int[] othersNonPreemptibleCards(int tenant) {
        boolean[] taken = new boolean[topology.totalCards()];
        int[] cards = new int[topology.nodes()];
        for (RunningJob r : running.all()) {
            Job j = r.job();
            if (j.preemptible() || j.tenant() == tenant) {
                continue;
            }
            Placement p = r.placement;
            for (int i = 0; i < p.nodes().length; i++) {
                int node = p.nodes()[i];
                for (int c : p.cards()[i]) {
                    int card = topology.cardOffset[node] + c;
                    if (!taken[card]) {
                        taken[card] = true;
                        cards[node]++;
                    }
                }
            }
        }
        return cards;
    }

    /** Per node, whether a running job of {@code tenant} is there. One pass over the running jobs. */
    public boolean[] runsJobsOf(int tenant) {
        boolean[] runs = new boolean[topology.nodes()];
        for (RunningJob r : running.all()) {
            if (r.job().tenant() == tenant) {
                for (int node : r.placement.nodes()) {
                    runs[node] = true;
                }
            }
        }
        return runs;
    }

    /**
     * Whether maintenance is what keeps a waiting job from starting now, as of the last cycle: the free cards of the
     * nodes in a window now ({@code inWindow}, out of service to the core) or kept for one the job would run into
     * ({@code toCome}, {@link ClusterState#keptForMaintenance}) would take it, and those of the nodes it may use would
     * not. A job that fits on one node needs one such node; a gang counts the wholly free cards of its models. What
     * jobs ahead of it would take first is not looked at: the answer names what keeps it off free cards, not when it
     * starts. The service asks it only of jobs waiting for capacity while some node is in or kept for maintenance.
     */
    public boolean keptOffByMaintenance(Job job, int[] inWindow, int[] toCome) {
        if (job.gpus() <= topology.maxCardsOnOneNode(job.allowedModels())) {
            return fitsOnAny(job, inWindow, toCome) && !fitsOnAUsableNode(job);
        }
        long kept = 0;
        for (int n : inWindow) {
            kept += wholeFreeFor(job, n);
        }
        for (int n : toCome) {
            kept += state.keptForMaintenance(job, n) ? wholeFreeFor(job, n) : 0;
        }
        if (kept == 0) {
            return false;
        }
        long usable = 0;
        for (int n = state.nextCandidate(job, 0); n >= 0 && usable < job.gpus(); n = state.nextCandidate(job, n + 1)) {
            usable += state.mayUse(job, n) ? wholeFreeFor(job, n) : 0;
        }
        return usable < job.gpus() && usable + kept >= job.gpus();
    }

    private boolean fitsOnAny(Job job, int[] inWindow, int[] toCome) {
        for (int n : inWindow) {
            if (state.fitsFree(job, n)) {
                return true;
            }
        }
        for (int n : toCome) {
            if (state.keptForMaintenance(job, n) && state.fitsFree(job, n)) {
                return true;
            }
        }
        return false;
    }

    private boolean fitsOnAUsableNode(Job job) {
        for (int w = 0; w < state.words(); w++) {
            for (long bits = state.candidatesOnOneNode(job, w); bits != 0; bits &= bits - 1) {
                int n = (w << 6) + Long.numberOfTrailingZeros(bits);
                if (n < topology.nodes() && state.fitsOnNode(job, n)) {
                    return true;
                }
            }
        }
        return false;
    }

    private int wholeFreeFor(Job job, int node) {
        return topology.cards[node] > 0 && job.allows(topology.model[node]) ? state.wholeFree(node) : 0;
    }

    /** The time each placement decision took, in nanoseconds, as measured with the ticker. */
    public long[] decisionNanos() {
        return Arrays.copyOf(nanos, decisions);
    }

    /**
     * One scheduling cycle at {@code nowS}: what to start, preempt and reject now, in order. The pending jobs are
     * looked at in scheduling order ({@link PendingQueues#ordered}), at most {@code scanLimit} of them, each
     * through the steps of {@link #scan}; the jobs that started or were rejected leave the queue and the evicted
     * ones go back into it at the end.
     */
    public List<Decision> cycle(double nowS) {
        List<Decision> out = new ArrayList<>();
        if (queues.size() == 0) {
            return out;
        }
        List<Job> leaving = new ArrayList<>();
        List<Job> evicted = new ArrayList<>();
        try {
            scanTime = nowS;
            state.decideAt(nowS);
            headMemo.beginScan(nowS);
            scan(nowS, queues.ordered(nowS), new FitBounds(topology, state), out, leaving, evicted);
        } finally {
            scanTime = Double.NaN;
            for (Job j : leaving) {
                queues.remove(j);
            }
            for (Job j : evicted) {
                queues.add(j);
            }
        }
        return out;
    }

    /**
     * The cycle's walk over the ordered pending jobs. For each job:
     * <ol>
     *   <li><b>skip</b> without a placement call what cannot start now once a job is blocked: it would delay the
     *       gang head, or it fits nowhere now (it may still be owed a reservation, step 6);</li>
     *   <li><b>admit</b>: a job over its tenant's quota or budget waits and blocks nobody;</li>
     *   <li><b>nominate</b>: the policy's placement, kept off the nodes reserved for the heads whose start the job
     *       would run past, unless the shape is known not to fit;</li>
     *   <li><b>start</b> it there (before any job is blocked, or as backfill that delays no head), or
     *       <b>reject</b> it if it can never fit;</li>
     *   <li><b>preempt</b>: a job of a tenant holding reserved cards reclaims them at once ({@link #reclaims}); the
     *       first blocked job evicts preemptible work when that pays ({@link #pays}, {@link Preemption}). Either
     *       ends the cycle;</li>
     *   <li><b>reserve</b>: the first blocked job is the head (strict FIFO stops here); it and the next blocked
     *       jobs get their reservations ({@link Heads}).</li>
     * </ol>
     */
    private void scan(double t, Iterator<Job> candidates, FitBounds free, List<Decision> out, List<Job> leaving,
            List<Job> evicted) {
        // Whole-node jobs get reservations of their own only while the queue drains within the aging time.
        double wholeNodeAfter = queues.agingThreshold() > options.agingS() ? Double.POSITIVE_INFINITY
                : options.wholeNodeReservationS();
        Heads heads = new Heads(topology, state, options.heads(), wholeNodeAfter, walkSums,
                WALK_PASSES * Math.max(1, running.withEnd()), headMemo);
        try {
            for (int scanned = 0; candidates.hasNext() && scanned < options.scanLimit(); scanned++) {
                if (scanned >= options.busyScanLimit() && state.allocationRatio() >= BUSY) {
                    return;
                }
                if (heads.any() && free.exhausted()) {
                    // Every card is taken and a job is blocked: every later job would be passed over at step 1
                    // (a job without cards too, as always once the cards are gone), so none can start, be rejected
                    // or preempt, and their reservations would decide nothing. The last scan's kept ones stay for
                    // the next.
                    headMemo.keepUnasked();
                    return;
                }
                Job j = candidates.next();
                // 1. Skip.
                if (heads.any() && heads.delaysGang(j, t)) {
                    continue;
                }
                if (heads.any() && !free.mayFit(j)) {
                    if (heads.reserves(j, t) && Admission.refusal(admission, j, t) == null) {
                        heads.add(heads.reserve(j, t, running.endingFor(j), running.version()));
                    }
                    continue;
                }
                // 2. Admit.
                if (Admission.refusal(admission, j, t) != null) {
                    continue;
                }
                // 3. Nominate.
                PlacementResult r = nominate(j, t, heads, free);
                // 4. Start or reject.
                if (r instanceof PlacementResult.Rejected rejected) {
                    leaving.add(j);
                    out.add(new Decision.Reject(j, rejected.reason()));
                    continue;
                }
                if (r instanceof PlacementResult.Placed p) {
                    heads.started(j, t);
                    start(p.placement(), t, out);
                    leaving.add(j);
                    continue;
                }
                if (heldBack(r)) {
                    // It fits now, but the policy holds it back (never-ending work that would strand cards): it waits
                    // without a reservation, an eviction or a hold on the queue, since none of them would place it.
                    continue;
                }
                // 5. Preempt, or 6. reserve: the job does not fit now.
                if (reclaims(j, t, heads, out, evicted)) {
                    leaving.add(j);
                    return;  // evictions changed the cluster and the queues: the next cycle starts afresh
                }
                if (heads.any()) {
                    if (heads.reserves(j, t)) {
                        heads.add(heads.reserve(j, t, running.endingFor(j), running.version()));
                    }
                    continue;
                }
                Head reserved = options.backfill() || options.preemption()
                        ? heads.reserve(j, t, running.endingFor(j), running.version()) : null;
                if (pays(j, t, reserved, out, evicted)) {
                    leaving.add(j);
                    return;
                }
                if (!options.backfill()) {
                    return;  // strict FIFO: nothing passes the head
                }
                heads.add(reserved);
            }
        } finally {
            heads.liftAll();
        }
    }

    /**
     * Step 3: where the policy would place the job now, with the nodes of the heads it would run past kept from it;
     * {@code NOT_NOW} without asking the policy for a shape known not to fit (until capacity is released).
     */
    private PlacementResult nominate(Job j, double t, Heads heads, FitBounds free) {
        NotFitting.Shape shape = new NotFitting.Shape(j, heads.keptFrom(j, t));
        boolean known = notFitting.known(shape, j, state.nextHoldsKept());
        // Before a head exists mayFit was not asked yet; a job that can never fit must still reach the policy to be
        // rejected.
        boolean hopeless = !heads.any() && !free.mayFit(j) && Gangs.neverFits(topology, j) == null;
        PlacementResult r = NOT_NOW;
        if (!known && !hopeless) {
            heads.keepFrom(j, t);
            r = decide(j);
        }
        // A job held back for the cards it would strand fits by capacity: the shape is not remembered as not fitting
        // (the policy's answer turns on what it has learned, not only on what was released).
        if (r instanceof PlacementResult.Deferred && !heldBack(r) && !known) {
            notFitting.remember(shape, j, state.nextHoldsKept());
        }
        return r;
    }

    /** The policy holds the job back though it fits: it would strand cards ({@link PlacementResult.Reason}). */
    private static boolean heldBack(PlacementResult r) {
        return r instanceof PlacementResult.Deferred d && d.reason() == PlacementResult.Reason.WOULD_STRAND_CARDS;
    }

    /**
     * Step 5, for any job: a non-preemptible job of a tenant holding reserved cards reclaims them (and spot work
     * elsewhere) at once, whether or not it heads the queue and whatever the victims have run.
     */
    private boolean reclaims(Job j, double t, Heads heads, List<Decision> out, List<Job> evicted) {
        if (!options.preemption() || j.preemptible() || !state.holdsAny(j.tenant())) {
            return false;
        }
        heads.keepFrom(j, t);  // the victims are chosen off the nodes kept for the heads, as a placement would be
        return preemptFor(j, t, Double.POSITIVE_INFINITY, out, evicted);
    }

    /**
     * Step 5, for the first blocked job: a non-preemptible head evicts preemptible work if that pays, that is if
     * the victims lose less than the head's card-seconds of waiting until its reservation.
     */
    private boolean pays(Job head, double t, Head reserved, List<Decision> out, List<Job> evicted) {
        if (!options.preemption() || head.preemptible()) {
            return false;
        }
        return preemptFor(head, t, head.totalMilli() / 1000.0 * (reserved.shadow() - t), out, evicted);
    }

    private PlacementResult decide(Job j) {
        if (ticker == null) {
            return policy.place(state, j);
        }
        long t0 = ticker.getAsLong();
        PlacementResult r = policy.place(state, j);
        if (decisions == nanos.length) {
            nanos = Arrays.copyOf(nanos, nanos.length * 2);
        }
        nanos[decisions++] = ticker.getAsLong() - t0;
        return r;
    }

    private void start(Placement p, double t, List<Decision> out) {
        RunningJob r = run(p, t);
        if (options.fairShare()) {
            fairShare.charge(p.job(), t);
            r.charged = true;
        }
        out.add(new Decision.Start(p));
        admission.started(p.job(), t);
    }

    private void release(RunningJob r) {
        if (Double.isNaN(scanTime)) {
            headMemo.gone(r.end);
        } else {
            headMemo.goneDuringScan(r.end, scanTime);
        }
        state.release(r.placement, r.end);
        notFitting.clear();
        running.freed(r);
        preemption.ended(r);
    }

    /**
     * Evicts what {@link Preemption} says pays for the head and starts the head; false (nothing done) if nothing
     * pays or no room can be made.
     */
    private boolean preemptFor(Job head, double t, double gain, List<Decision> out, List<Job> evicted) {
        Preemption.Plan plan = preemption.plan(head, t, gain);
        if (plan == null) {
            return false;
        }
        for (RunningJob v : plan.victims()) {
            running.remove(v.job().id());
            evicted.add(v.placement.job());
            refund(v, t);
            if (!unstarted(v, t, out)) {
                out.add(new Decision.Preempt(v.placement, head));
            }
        }
        start(plan.placement(), t, out);
        return true;
    }

    /**
     * A victim this very cycle started never ran: its start is taken back rather than evicted (a spot job placed on
     * the cards a blocked on-demand job then takes), so nothing is started and stopped at once: no container
     * launched to be killed, no preemption for its tenant to hear of, no lost run. It waits as if never started.
     */
    private boolean unstarted(RunningJob v, double t, List<Decision> out) {
        if (v.start != t) {
            return false;
        }
        for (int i = out.size() - 1; i >= 0; i--) {
            if (out.get(i) instanceof Decision.Start s && s.placement().job() == v.placement.job()) {
                out.remove(i);
                admission.takenBack(v.placement.job());
                return true;
            }
        }
        return false;
    }

    /** A job stopped at {@code t}: its tenant gets back what this scheduler charged it for the time it did not run. */
    private void refund(RunningJob r, double t) {
        if (r.charged) {
            fairShare.refund(r.placement.job(), r.start, t);
        }
    }

    /** Gives a job evicted for a what-if its cards back. */
    private void restore(RunningJob r) {
        state.allocate(r.placement, r.end);
        running.restored(r);
        preemption.started(r);
    }
}
