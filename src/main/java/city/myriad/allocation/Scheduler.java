package city.myriad.allocation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
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
 *       ({@link #WHOLE_NODE_RESERVATION_S}). With one reservation this is EASY backfilling;</li>
 *   <li>return the decisions, in order.</li>
 * </ol>
 * A job that its tenant's quota or budget does not admit ({@link Admission}) is skipped and blocks nobody.
 * Job ids must be unique among the jobs a scheduler has seen. Not thread-safe: one writer per cluster.
 */
public final class Scheduler {

    /** The order of each tenant's queue among jobs of equal priority (aged jobs always go oldest first). */
    public enum Order {
        /** First come, first served. */
        SUBMISSION,
        /** Smallest cards × declared run time first, then submission: see {@link PendingQueues#BY_AREA}. */
        SMALLEST_AREA
    }

    /**
     * How the queue is ordered and worked. A cycle looks at up to {@code scanLimit} pending jobs while the cluster
     * has idle cards to fill, but at only {@code busyScanLimit} once {@link #BUSY} of its cards are allocated
     * ({@link #scan}).
     */
    public record Options(boolean fairShare, boolean backfill, boolean preemption, double fairShareHalfLifeS,
            int scanLimit, int busyScanLimit, double agingS, Order order, double areaHalfLifeS, int heads,
            double agingCapS, double wholeNodeReservationS) {

        public Options {
            if (scanLimit < 1 || busyScanLimit < 1) {
                throw new IllegalArgumentException("scan limits must be positive");
            }
            if (heads < 1) {
                throw new IllegalArgumentException("at least the first blocked job is reserved for");
            }
            if (!(agingS > 0)) {
                throw new IllegalArgumentException("aging must be positive (infinite: none)");
            }
            if (!(areaHalfLifeS > 0)) {
                throw new IllegalArgumentException("the area half-life must be positive (infinite: none)");
            }
            if (Double.isNaN(agingCapS)) {
                throw new IllegalArgumentException("the aging cap must be a number (at most agingS: a fixed threshold)");
            }
            if (!(wholeNodeReservationS >= 0)) {
                throw new IllegalArgumentException("the whole-node reservation wait must be at least 0 (infinite: none)");
            }
        }

        /** The same options with another scan depth (pending jobs looked at per cycle), busy or not. */
        public Options withScanLimit(int jobs) {
            return with(b -> b.scanLimit = b.busyScanLimit = jobs);
        }

        /** The same options with a scan depth while cards are idle and another one once the cluster is busy. */
        public Options withScanLimits(int jobs, int whenBusy) {
            return with(b -> {
                b.scanLimit = jobs;
                b.busyScanLimit = whenBusy;
            });
        }

        /** The same options with another aging threshold. */
        public Options withAging(double seconds) {
            return with(b -> b.agingS = seconds);
        }

        /** The same options with another order within a tenant's queue. */
        public Options withOrder(Order queueOrder) {
            return with(b -> b.order = queueOrder);
        }

        /** The same options with another number of blocked jobs that get a reservation. */
        public Options withHeads(int reserved) {
            return with(b -> b.heads = reserved);
        }

        /**
         * The same options with another area half-life: in the smallest-area order a waiting job's area counts half
         * as much for every {@code seconds} it has waited (infinite: the area alone; {@link PendingQueues#sizeKey}).
         */
        public Options withAreaHalfLife(double seconds) {
            return with(b -> b.areaHalfLifeS = seconds);
        }

        /**
         * The same options with another cap on the aging threshold: it rises with the queue's drain time up to this
         * ({@link #agingThreshold}); at most {@code agingS}, it stays at {@code agingS}.
         */
        public Options withAgingCap(double seconds) {
            return with(b -> b.agingCapS = seconds);
        }

        /**
         * The same options with another wait after which a blocked job that needs a whole node gets a reservation
         * even past the first {@code heads} blocked jobs (infinite: none; {@link #WHOLE_NODE_RESERVATION_S}).
         */
        public Options withWholeNodeReservation(double seconds) {
            return with(b -> b.wholeNodeReservationS = seconds);
        }

        /** These options with the components {@code change} sets, validated again by the constructor. */
        private Options with(Consumer<Copy> change) {
            Copy copy = new Copy(this);
            change.accept(copy);
            return copy.build();
        }

        /** A mutable copy of the components a wither may change, so that each wither names only what it changes. */
        private static final class Copy {
            private final Options from;
            int scanLimit;
            int busyScanLimit;
            double agingS;
            Order order;
            double areaHalfLifeS;
            int heads;
            double agingCapS;
            double wholeNodeReservationS;

            Copy(Options from) {
                this.from = from;
                scanLimit = from.scanLimit;
                busyScanLimit = from.busyScanLimit;
                agingS = from.agingS;
                order = from.order;
                areaHalfLifeS = from.areaHalfLifeS;
                heads = from.heads;
                agingCapS = from.agingCapS;
                wholeNodeReservationS = from.wholeNodeReservationS;
            }

            Options build() {
                return new Options(from.fairShare, from.backfill, from.preemption, from.fairShareHalfLifeS, scanLimit,
                        busyScanLimit, agingS, order, areaHalfLifeS, heads, agingCapS, wholeNodeReservationS);
            }
        }

        /** ln 2 / the area half-life, 0 without one: the rate in {@link PendingQueues#sizeKey}. */
        public double areaRate() {
            return Double.isInfinite(areaHalfLifeS) ? 0 : Math.log(2) / areaHalfLifeS;
        }

        /** Strict FIFO: nothing passes a head that does not fit. */
        public static Options fifo() {
            return new Options(false, false, false, 0, Integer.MAX_VALUE, Integer.MAX_VALUE, Double.POSITIVE_INFINITY,
                    Order.SUBMISSION, Double.POSITIVE_INFINITY, 1, 0, Double.POSITIVE_INFINITY);
        }

        /** Classic EASY backfilling in submission order. */
        public static Options easy() {
            return new Options(false, true, false, 0, 2000, 2000, Double.POSITIVE_INFINITY, Order.SUBMISSION,
                    Double.POSITIVE_INFINITY, 1, 0, Double.POSITIVE_INFINITY);
        }

        /**
         * Myriad's default: priorities; the 9 oldest jobs pending over 6.25 hours (or the queue's drain time, up to
         * 18 hours: {@link #agingThreshold}) first; each tenant's jobs smallest
         * area first, an area counting half for every 1.75 hours waited; the tenants weighed by fair share with a
         * one-day half-life; reservations for the first 9 blocked jobs, and for every blocked job that needs a whole
         * node once it has waited 2 hours while the queue drains within the aging time, and backfilling around them,
         * over up to 1,000 pending jobs while cards are idle and 150 once the cluster is busy; preemption.
         */
        public static Options myriad() {
            return new Options(true, true, true, 86_400, SCAN_LIMIT, BUSY_SCAN_LIMIT, AGING_S, Order.SMALLEST_AREA,
                    AREA_HALF_LIFE_S, RESERVED_HEADS, AGING_CAP_S, WHOLE_NODE_RESERVATION_S);
        }
    }

    /**
     * Default aging threshold: a job pending this long is among the aged jobs, the oldest of which (as many as get
     * reservations) go ahead of fair share and size, among their priority.
     */
    static final double AGING_S = 6.25 * 3600;

    /**
     * Default cap on the aging threshold. The threshold is {@link #AGING_S} or, when the queue is longer, the time the
     * queue would take to drain on all the cards (its jobs' declared card-seconds over the cluster's cards), but never
     * over 18 hours: nobody waits past it unprotected, however long an overload lasts (a day let the 100k overload's
     * worst wait pass FIFO's). Measured on 43 replays and two overloads (docs/design/queue-order.md, "Aging with the
     * queue's drain time").
     */
    static final double AGING_CAP_S = 18 * 3600;

    /**
     * The aging threshold for a queue of {@code queuedMilliSeconds} (its jobs' milli-cards × declared run time; jobs
     * without one count nothing) on {@code cards} cards: the queue's drain time, {@code queued / 1000 / cards}
     * seconds, between {@code agingS} and {@code agingCapS} (a cap at most {@code agingS}: {@code agingS}). Under a
     * queue longer than the aging time, jobs that age on a fixed threshold would be served oldest first in bulk,
     * FIFO for the whole queue; a job has waited too long when it has waited longer than the queue ahead of it
     * takes to drain. One formula for the core, the service's estimates and the simulator's.
     */
    public static double agingThreshold(double agingS, double agingCapS, double queuedMilliSeconds, long cards) {
        double drain = cards <= 0 ? 0 : queuedMilliSeconds / 1000.0 / cards;
        return Math.max(agingS, Math.min(agingCapS, drain));
    }

    /**
     * Default area half-life: in the smallest-area order a waiting job's area counts half as much for every 1.75
     * hours it has waited ({@link PendingQueues#sizeKey}). With it the aging threshold is 6.25 hours rather than
     * 5: chosen on 43 replays (Philly near offered load 0.85, Philly near the held-out period's EASY figures, and
     * generated workloads; docs/design/queue-order.md, "Area half-life").
     */
    static final double AREA_HALF_LIFE_S = 1.75 * 3600;

    /**
     * The smallest-area order's key of a job of {@code cardSeconds} (cards × declared run time) submitted at
     * {@code submittedS}, with {@code rate} = ln 2 / the area half-life ({@link Options#areaRate}): the area itself
     * with rate 0, else ln(1 + area) + rate × submission ({@code PendingQueues.sizeKey} says why). The queue-order
     * estimates outside the core (the simulator's, and the SQL of {@code JobRepository.queuedAhead}) use the same.
     */
    public static double sizeKey(double cardSeconds, double submittedS, double rate) {
        return rate == 0 ? cardSeconds : Math.log(1 + cardSeconds) + rate * submittedS;
    }

    /** Default number of blocked jobs per cycle that get a reservation (see {@link Heads}). */
    static final int RESERVED_HEADS = 9;

    /**
     * Default wait after which a blocked job that needs a whole node (every card of the largest node of its models)
     * gets a reservation of its own, however far back in the order it is, beyond the first {@link #RESERVED_HEADS}
     * blocked jobs. Such a job starts only on a node that is wholly free at once, which backfilled narrow jobs never
     * leave unless the node is kept for it; in the smallest-area order it comes late, so without this it waited for
     * the aging threshold: on generated workloads one-node 8-card jobs were 6% of the jobs and 82% of the summed
     * wait. Only while the queue drains within the aging time ({@link #agingThreshold} is {@code agingS}): under an
     * overload the aged jobs' reservations protect the widest jobs, and one more reservation per waiting wide job
     * doubled the stress replay's time. Measured on 53 replays (docs/design/queue-order.md, "Whole-node
     * reservations").
     */
    static final double WHOLE_NODE_RESERVATION_S = 2 * 3600;

    /**
     * A cluster with this share of its cards allocated is busy: a cycle's scan stops at the busy scan limit. While
     * more cards are idle, looking deeper finds work for them (models, shapes and tenants that the first jobs in
     * the queue do not want); once the cluster is busy, what a deeper look finds is mostly late, small jobs that
     * slip past the blocked ones without reservations, which then wait longer (docs/design/scan-depth.md).
     */
    static final double BUSY = 0.95;

    /** Default scan depths, idle and busy (see {@link #BUSY}). */
    static final int SCAN_LIMIT = 1000;
    static final int BUSY_SCAN_LIMIT = 150;

    /**
     * The reservations of one cycle look at most this many times at every running job in all (the first head's
     * walk may take one pass alone): a bound on a cycle's cost that no measured workload reached.
     */
    static final long WALK_PASSES = 2;

    /** By declared end, then start order; written out for the JIT (see {@link PendingQueues#BY_SUBMISSION}). */
    private static final Comparator<Running> BY_END = (a, b) -> {
        int c = Double.compare(a.end, b.end);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    };

    /** A running job: its placement, start, declared end, and the order it started in. */
    static final class Running {
        final Placement placement;
        final double start;
        final double end;
        final long seq;
        /** Whether this scheduler charged its tenant's fair share for it (not so for a job resumed after a restart). */
        boolean charged;

        Running(Placement placement, double start, long seq) {
            this.placement = placement;
            this.start = start;
            this.end = start + placement.job().durationS();
            this.seq = seq;
        }
    }

    private final Topology topology;
    private final PlacementPolicy policy;
    private final Options options;
    private final ClusterState state;
    private final FairShare fairShare;
    private Admission admission = Admission.ALWAYS;
    /** Measures decisions when set (the simulator and benchmarks); null in the service: nothing is recorded. */
    private LongSupplier ticker;
    /** Running jobs with a finite declared run time, by declared end: reservations walk it. */
    private final TreeSet<Running> byEnd = new TreeSet<>(BY_END);
    /**
     * The same per card model, of the jobs with a card on a node of that model: a reservation for a job bound to
     * one model walks only these (the others free nothing it can use), in the same order.
     */
    private final List<TreeSet<Running>> byEndOfModel = new ArrayList<>();
    private final Map<Integer, Running> running = new HashMap<>();
    /** Who runs where, and what evicting whom would gain; consulted for non-preemptible jobs that do not fit. */
    private final Preemption preemption;
    private long runningSeq;
    /** Counts every change to the running jobs (starts, ends, what-ifs and their undoing), for {@link Heads}. */
    private long runningVersion;
    /** The jobs waiting, one queue per tenant with fair share (else one). */
    private final PendingQueues queues;
    /**
     * Shapes that did not fit, with the least CPU and memory tried: a job of that shape asking at least as much
     * does not fit either. Until capacity is released the cluster only fills up, so this stays true across cycles;
     * cleared on every release and reservation change.
     */
    private final Map<Shape, long[]> notFitting = new HashMap<>();
    private static final PlacementResult NOT_NOW = new PlacementResult.Deferred(PlacementResult.Reason.NO_NODE_WITH_FREE_CARDS);
    /** The per-node sums the heads' reservations add up in (see {@link Head.Walk}). */
    private final Head.Releases walkSums;
    /** The blocked jobs' reservations, kept from cycle to cycle while nothing could move them. */
    private final HeadMemo headMemo;
    /** The time of the scan under way; NaN between cycles. */
    private double scanTime = Double.NaN;
    private long[] nanos = new long[1 << 12];
    private int decisions;

    public Scheduler(Topology topology, PlacementPolicy policy, Options options) {
        this(topology, policy, options, new FairShare(options.fairShareHalfLifeS()));
    }

    /** With the tenants' fair-share weights (and usage) kept in {@code fairShare}. */
    public Scheduler(Topology topology, PlacementPolicy policy, Options options, FairShare fairShare) {
        this.topology = topology;
        this.policy = policy;
        this.options = options;
        this.fairShare = fairShare;
        this.state = new ClusterState(topology);
        this.walkSums = new Head.Releases(topology);
        this.headMemo = new HeadMemo();
        for (int m = 0; m < Math.max(1, topology.models().size()); m++) {
            byEndOfModel.add(new TreeSet<>(BY_END));
        }
        this.preemption = new Preemption(topology, state, policy, new Preemption.WhatIf() {
            @Override
            public void evict(Running r) {
                release(r);
            }

            @Override
            public void restore(Running r) {
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
     * rebuilds the scheduler from its records with this (fair-share usage is not charged again). Throws if the
     * placement does not fit the current state, which would mean the records are inconsistent.
     */
    public void resume(Placement placement, double startedAtS) {
        run(placement, startedAtS);
    }

    private Running run(Placement placement, double startedAtS) {
        if (running.containsKey(placement.job().id())) {
            throw new IllegalArgumentException("job " + placement.job().id() + " is already running");
        }
        Running r = new Running(placement, startedAtS, runningSeq++);
        state.allocate(placement, r.end);
        policy.allocated(state, placement);
        runningVersion++;
        running.put(placement.job().id(), r);
        ends(r, true);
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
        Running r = running.remove(job.id());
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
                WALK_PASSES * Math.max(1, byEnd.size()), headMemo);
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
                        heads.add(heads.reserve(j, t, endsFor(j), runningVersion));
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
                if (r instanceof PlacementResult.Deferred d && d.reason() == PlacementResult.Reason.WOULD_STRAND_CARDS) {
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
                        heads.add(heads.reserve(j, t, endsFor(j), runningVersion));
                    }
                    continue;
                }
                Head reserved = options.backfill() || options.preemption()
                        ? heads.reserve(j, t, endsFor(j), runningVersion) : null;
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
        Shape shape = new Shape(j, heads.keptFrom(j, t));
        long[] failed = notFitting.get(shape);
        boolean known = failed != null && j.cpuMilli() >= failed[0] && j.memoryMib() >= failed[1];
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
        if (r instanceof PlacementResult.Deferred d && d.reason() != PlacementResult.Reason.WOULD_STRAND_CARDS && !known) {
            notFitting.merge(shape, new long[] {j.cpuMilli(), j.memoryMib()},
                    (x, y) -> new long[] {Math.min(x[0], y[0]), Math.min(x[1], y[1])});
        }
        return r;
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

    /**
     * What decides whether a job can fit now, but its CPU and memory: its cards, its models, its tenant (nodes
     * held for a tenant) and the nodes kept for heads, if any.
     */
    private record Shape(int gpus, int milli, long models, int tenant, boolean preemptible, boolean oneBlock,
            HeldNodes heldNodes) {
        Shape(Job j, HeldNodes heldNodes) {
            this(j.gpus(), j.gpuMilli(), j.allowedModels(), j.tenant(), j.preemptible(), j.oneBlock(), heldNodes);
        }

        // Written out: a scan looks up a shape for nearly every job it passes, and the generated methods cost more.
        @Override
        public boolean equals(Object o) {
            return o instanceof Shape s && s.gpus == gpus && s.milli == milli && s.models == models
                    && s.tenant == tenant && s.preemptible == preemptible && s.oneBlock == oneBlock
                    && s.heldNodes.equals(heldNodes);
        }

        @Override
        public int hashCode() {
            int h = 31 * gpus + milli;
            h = 31 * h + Long.hashCode(models);
            h = 31 * h + tenant;
            h = 31 * h + (preemptible ? 1 : 0) + (oneBlock ? 2 : 0);
            return 31 * h + heldNodes.hashCode();
        }
    }

    private static boolean overlaps(Job j, long models) {
        return (j.allowedModels() & models) != 0;
    }

    private void start(Placement p, double t, List<Decision> out) {
        Running r = run(p, t);
        if (options.fairShare()) {
            fairShare.charge(p.job(), t);
            r.charged = true;
        }
        out.add(new Decision.Start(p));
    }

    private void release(Running r) {
        runningVersion++;
        if (Double.isNaN(scanTime)) {
            headMemo.gone(r.end);
        } else {
            headMemo.goneDuringScan(r.end, scanTime);
        }
        state.release(r.placement, r.end);
        notFitting.clear();
        ends(r, false);
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
        for (Running v : plan.victims()) {
            running.remove(v.placement.job().id());
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
    private static boolean unstarted(Running v, double t, List<Decision> out) {
        if (v.start != t) {
            return false;
        }
        for (int i = out.size() - 1; i >= 0; i--) {
            if (out.get(i) instanceof Decision.Start s && s.placement().job() == v.placement.job()) {
                out.remove(i);
                return true;
            }
        }
        return false;
    }

    /** A job stopped at {@code t}: its tenant gets back what this scheduler charged it for the time it did not run. */
    private void refund(Running r, double t) {
        if (r.charged) {
            fairShare.refund(r.placement.job(), r.start, t);
        }
    }

    /** Gives a job evicted for a what-if its cards back. */
    private void restore(Running r) {
        runningVersion++;
        state.allocate(r.placement, r.end);
        ends(r, true);
        preemption.started(r);
    }

    /** Adds a running job to (or removes it from) the sets by declared end. */
    private void ends(Running r, boolean add) {
        if (Double.isInfinite(r.end)) {
            return;
        }
        if (add) {
            byEnd.add(r);
        } else {
            byEnd.remove(r);
        }
        for (int n : r.placement.nodes()) {
            if (topology.cards(n) > 0) {
                TreeSet<Running> ofModel = byEndOfModel.get(topology.model(n));
                if (add) {
                    ofModel.add(r);
                } else {
                    ofModel.remove(r);
                }
            }
        }
    }

    /** The running jobs by declared end that can free cards for {@code j}: those of its model, if it has one. */
    private Iterable<Running> endsFor(Job j) {
        int models = topology.models().size();
        long allowed = models >= 64 ? j.allowedModels() : j.allowedModels() & ((1L << models) - 1);
        if (models > 1 && j.gpus() > 0 && Long.bitCount(allowed) == 1) {
            return byEndOfModel.get(Long.numberOfTrailingZeros(allowed));
        }
        return byEnd;
    }
}
