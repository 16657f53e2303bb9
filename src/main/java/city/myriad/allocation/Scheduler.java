package city.myriad.allocation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * One cluster's scheduler: the pending queue, the running jobs and the cards they hold. The caller tells it what
 * arrived ({@link #submit}) and what ended ({@link #finished}), and asks it at a point in time what to do
 * ({@link #cycle}). Time is always given by the caller, in seconds; the scheduler never reads a clock.
 *
 * <p>A cycle, over the current state:
 * <ol>
 *   <li>order the pending jobs ({@link PendingQueues}): priority, then jobs pending longer than the aging
 *       threshold, oldest first, then (by default) smallest area (cards × declared run time) first, a tenant's
 *       jobs counted larger by its usage per weight (fair share), then submission time;</li>
 *   <li>start jobs in that order while they fit, placing each with the {@link PlacementPolicy};</li>
 *   <li>the first job that does not fit is the head: if it is not preemptible and preempting pays (the victims'
 *       lost work is less than the head's wait spared), evict a minimal set of preemptible jobs that lets it
 *       start; otherwise reserve for it the earliest time it can start, from the declared run times of the
 *       running jobs, and, if it must run on one node, the node it will start on ({@link Head});</li>
 *   <li>backfill: a later job starts now only if it fits and delays no reserved job ({@link Heads}): the first
 *       few blocked jobs that fit one node each get a reservation of their own node, kept from jobs that would
 *       still run at its start; a gang head lets such jobs use only the cards it will not need. With one
 *       reservation this is EASY backfilling;</li>
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

    /** How the queue is ordered and worked. */
    public record Options(boolean fairShare, boolean backfill, boolean preemption, double fairShareHalfLifeS,
            int scanLimit, double agingS, Order order, int heads) {

        public Options {
            if (scanLimit < 1) {
                throw new IllegalArgumentException("scan limit must be positive");
            }
            if (heads < 1) {
                throw new IllegalArgumentException("at least the first blocked job is reserved for");
            }
            if (!(agingS > 0)) {
                throw new IllegalArgumentException("aging must be positive (infinite: none)");
            }
        }

        /** The same options with another scan depth (pending jobs looked at per cycle). */
        public Options withScanLimit(int jobs) {
            return new Options(fairShare, backfill, preemption, fairShareHalfLifeS, jobs, agingS, order, heads);
        }

        /** The same options with another aging threshold. */
        public Options withAging(double seconds) {
            return new Options(fairShare, backfill, preemption, fairShareHalfLifeS, scanLimit, seconds, order, heads);
        }

        /** The same options with another order within a tenant's queue. */
        public Options withOrder(Order queueOrder) {
            return new Options(fairShare, backfill, preemption, fairShareHalfLifeS, scanLimit, agingS, queueOrder, heads);
        }

        /** The same options with another number of blocked jobs that get a reservation. */
        public Options withHeads(int reserved) {
            return new Options(fairShare, backfill, preemption, fairShareHalfLifeS, scanLimit, agingS, order, reserved);
        }

        /** Strict FIFO: nothing passes a head that does not fit. */
        public static Options fifo() {
            return new Options(false, false, false, 0, Integer.MAX_VALUE, Double.POSITIVE_INFINITY, Order.SUBMISSION, 1);
        }

        /** Classic EASY backfilling in submission order. */
        public static Options easy() {
            return new Options(false, true, false, 0, 2000, Double.POSITIVE_INFINITY, Order.SUBMISSION, 1);
        }

        /**
         * Myriad's default: priorities; aging after 5 hours; each tenant's jobs smallest area first, the tenants
         * weighed by fair share with a one-day half-life; reservations for the first 8 blocked jobs and
         * backfilling around them; preemption.
         */
        public static Options myriad() {
            return new Options(true, true, true, 86_400, 500, AGING_S, Order.SMALLEST_AREA, RESERVED_HEADS);
        }
    }

    /** Default aging threshold: a job pending this long goes ahead of fair share and size (among its priority). */
    static final double AGING_S = 5 * 3600;

    /** Default number of blocked jobs per cycle that get a reservation (see {@link Heads}). */
    static final int RESERVED_HEADS = 8;

    /**
     * The reservations of one cycle look at most this many times at every running job in all (the first head's
     * walk may take one pass alone): a bound on a cycle's cost that no measured workload reached.
     */
    static final long WALK_PASSES = 2;

    /** A running job: its placement, start, declared end, and the order it started in. */
    static final class Running {
        final Placement placement;
        final double start;
        final double end;
        final long seq;

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
    private final TreeSet<Running> byEnd = new TreeSet<>(
            Comparator.comparingDouble((Running r) -> r.end).thenComparingLong(r -> r.seq));
    private final Map<Integer, Running> running = new HashMap<>();
    /** Counters that tell the preemption memo whether anything it depends on changed. */
    private long releases;
    private long preemptibleStarts;
    private int preemptionFailedFor = -1;
    private long releasesAtFailure;
    private long preemptibleStartsAtFailure;
    /** Per card model: milli-cards held by running preemptible jobs. */
    private final long[] preemptibleMilli;
    /** Per node: running preemptible jobs on it; and a bit per node that has any. */
    private final int[] preemptibleOn;
    private final long[] nodesWithPreemptible;
    private final List<List<Running>> onNode;
    private long runningSeq;
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
        this.walkSums = new Head.Releases(topology.nodes());
        this.preemptibleMilli = new long[Math.max(1, topology.models().size())];
        this.preemptibleOn = new int[topology.nodes()];
        this.nodesWithPreemptible = new long[(topology.nodes() + 63) >>> 6];
        this.onNode = new ArrayList<>(topology.nodes());
        for (int n = 0; n < topology.nodes(); n++) {
            onNode.add(new ArrayList<>());
        }
        this.queues = new PendingQueues(options.fairShare(), options.agingS(), options.order(), fairShare);
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
        if (running.containsKey(placement.job().id())) {
            throw new IllegalArgumentException("job " + placement.job().id() + " is already running");
        }
        state.allocate(placement);
        Running r = new Running(placement, startedAtS, runningSeq++);
        running.put(placement.job().id(), r);
        if (!Double.isInfinite(r.end)) {
            byEnd.add(r);
        }
        for (int n : placement.nodes()) {
            onNode.get(n).add(r);
        }
        countPreemptible(placement, +1);
    }

    /** A running job ended (finished, failed or was cancelled): its cards are free again. */
    public void finished(Job job) {
        Running r = running.remove(job.id());
        if (r == null) {
            throw new IllegalArgumentException("job " + job.id() + " is not running");
        }
        release(r);
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

    /** One scheduling cycle at {@code nowS}: what to start, preempt and reject now, in order. */
    public List<Decision> cycle(double nowS) {
        List<Decision> out = new ArrayList<>();
        if (queues.size() == 0) {
            return out;
        }
        List<Job> leaving = new ArrayList<>();
        List<Job> evicted = new ArrayList<>();
        try {
            scan(nowS, queues.ordered(nowS), new FitBounds(topology, state), out, leaving, evicted);
        } finally {
            for (Job j : leaving) {
                queues.remove(j);
            }
            for (Job j : evicted) {
                queues.add(j);
            }
        }
        return out;
    }

    private void scan(double t, Iterator<Job> candidates, FitBounds free, List<Decision> out, List<Job> leaving,
            List<Job> evicted) {
        Heads heads = new Heads(topology, state, options.heads(), walkSums, WALK_PASSES * Math.max(1, byEnd.size()));
        try {
            int scanned = 0;
            while (candidates.hasNext() && scanned++ < options.scanLimit()) {
                Job j = candidates.next();
                if (heads.any() && heads.delaysGang(j, t)) {
                    continue;  // would delay the gang head: no decision needed
                }
                if (heads.any() && (!free.mayFit(j) || free.exhausted())) {
                    // Cannot fit anywhere now: no placement needed, but it may be owed a reservation.
                    if (heads.reserves(j) && Admission.refusal(admission, j, t) == null) {
                        heads.add(heads.reserve(j, t, byEnd));
                    }
                    if (free.exhausted() && heads.full()) {
                        return;  // nothing left to backfill into, nobody left to reserve for
                    }
                    continue;
                }
                if (Admission.refusal(admission, j, t) != null) {
                    continue;  // over its tenant's quota or budget: waits, blocks nobody
                }
                // A job that would still run at a head's reserved start may not use the node kept for that head.
                Shape shape = new Shape(j, heads.keepFrom(j, t));
                long[] failed = notFitting.get(shape);
                boolean known = failed != null && j.cpuMilli() >= failed[0] && j.memoryMib() >= failed[1];
                // Before a head exists mayFit was not asked yet; a job that can never fit must still reach the policy
                // to be rejected.
                boolean hopeless = !heads.any() && !free.mayFit(j) && Gangs.neverFits(topology, j) == null;
                PlacementResult r = known || hopeless ? NOT_NOW : decide(j);
                if (r instanceof PlacementResult.Deferred && !known) {
                    notFitting.merge(shape, new long[] {j.cpuMilli(), j.memoryMib()},
                            (x, y) -> new long[] {Math.min(x[0], y[0]), Math.min(x[1], y[1])});
                }
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
                if (options.preemption() && !j.preemptible() && state.holdsAny(j.tenant())
                        && preemptFor(j, t, Double.POSITIVE_INFINITY, out, evicted)) {
                    // The tenant holds reserved cards: its work reclaims them (and spot work elsewhere) at once,
                    // whether or not it heads the queue and whatever the victims have run.
                    leaving.add(j);
                    return;
                }
                if (!heads.any()) {
                    Head reserved = options.backfill() || options.preemption() ? heads.reserve(j, t, byEnd) : null;
                    if (options.preemption() && !j.preemptible()) {
                        // What preempting saves: the head's card-seconds of waiting until its reservation.
                        double gain = j.totalMilli() / 1000.0 * (reserved.shadow() - t);
                        if (preemptFor(j, t, gain, out, evicted)) {
                            leaving.add(j);
                            return;  // evictions changed the cluster and the queues: the next cycle starts afresh
                        }
                    }
                    if (!options.backfill()) {
                        return;  // strict FIFO: nothing passes the head
                    }
                    heads.add(reserved);
                } else if (heads.reserves(j)) {
                    heads.add(heads.reserve(j, t, byEnd));
                }
            }
        } finally {
            heads.liftAll();
        }
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
    private record Shape(int gpus, int milli, long models, int tenant, boolean preemptible, List<Integer> heldNodes) {
        Shape(Job j, List<Integer> heldNodes) {
            this(j.gpus(), j.gpuMilli(), j.allowedModels(), j.tenant(), j.preemptible(), heldNodes);
        }
    }

    private static boolean overlaps(Job j, long models) {
        return (j.allowedModels() & models) != 0;
    }

    private void start(Placement p, double t, List<Decision> out) {
        resume(p, t);
        if (options.fairShare()) {
            fairShare.charge(p.job(), t);
        }
        out.add(new Decision.Start(p));
    }

    private void release(Running r) {
        releases++;
        state.release(r.placement);
        notFitting.clear();
        byEnd.remove(r);
        for (int n : r.placement.nodes()) {
            onNode.get(n).remove(r);
        }
        countPreemptible(r.placement, -1);
    }

    /**
     * Makes room for a non-preemptible head by evicting preemptible jobs, and starts it. A head that fits one node
     * evicts the smallest set of preemptible jobs on one node (fewest victims, then least lost work); a gang across
     * nodes evicts per {@link #preemptForGang}. Preemption must pay: the work the victims lose (their cards times
     * the time they have run, all lost since they restart from the beginning) must be less than {@code gain}, the
     * head's cards times the wait it is spared (until its reservation). So a head that would start soon anyway
     * does not evict jobs that have run for hours, and spot jobs are not evicted over and over.
     */
    private boolean preemptFor(Job head, double t, double gain, List<Decision> out, List<Job> evicted) {
        if (head.id() == preemptionFailedFor && releases == releasesAtFailure
                && preemptibleStarts == preemptibleStartsAtFailure) {
            // It did not pay (or found no room) for this head before; since then no capacity was released and no
            // preemptible job started, so the candidate victims only lost more work and the head's wait shrank.
            return false;
        }
        if (head.gpus() > topology.maxCardsOnOneNode(head.allowedModels())) {
            return preemptForGang(head, t, gain, out, evicted);
        }
        int bestNode = -1;
        List<Running> bestVictims = null;
        double bestLost = Double.MAX_VALUE;
        for (int n = nextWithPreemptible(0); n >= 0; n = nextWithPreemptible(n + 1)) {
            if (topology.cards(n) < head.gpus() || (head.gpus() > 0 && !head.allows(topology.model(n)))) {
                continue;
            }
            List<Running> victims = new ArrayList<>();
            for (Running r : onNode.get(n)) {
                if (r.placement.job().preemptible()) {  // a gang across nodes too: all its work is lost
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
            double lost = taken.stream().mapToDouble(v -> lostWork(v, t)).sum();
            if (bestVictims == null || taken.size() < bestVictims.size()
                    || (taken.size() == bestVictims.size() && lost < bestLost)) {
                bestNode = n;
                bestVictims = taken;
                bestLost = lost;
            }
        }
        if (bestVictims == null || bestLost / 1000.0 >= gain) {
            return failedFor(head);
        }
        for (Running v : bestVictims) {
            running.remove(v.placement.job().id());
            release(v);
            evicted.add(v.placement.job());
            out.add(new Decision.Preempt(v.placement, head));
        }
        int[] cards = state.chooseCards(head, bestNode);
        start(Placement.onNodes(head, new int[] {bestNode}, new int[][] {cards}), t, out);
        return true;
    }

    /**
     * The work a victim loses if stopped at {@code t}: the time it has run times its footprint in milli-cards, the
     * larger of its cards and its share of its nodes' CPU or memory counted in their cards. A job holding no card
     * (CPU only) or little of one still keeps the rest of a node from others: counting its cards alone would make
     * it free to evict, and it would be evicted over and over.
     */
    private double lostWork(Running v, double t) {
        Job j = v.placement.job();
        long cards = 0;
        long cpu = 0;
        long memory = 0;
        for (int n : v.placement.nodes()) {
            cards += topology.cards(n);
            cpu += topology.cpu(n);
            memory += topology.memory(n);
        }
        double share = Math.max(cpu == 0 ? 0 : (double) j.cpuMilli() / cpu, memory == 0 ? 0 : (double) j.memoryMib() / memory);
        return (t - v.start) * Math.max(j.totalMilli(), share * cards * 1000);
    }

    /**
     * Preemption for a gang across nodes, as a what-if with undo: while the policy cannot place the gang, evict the
     * preemptible jobs of the node that frees the most wholly free cards of the gang's models per victim (then the
     * least lost work); once it fits, put back every victim the gang can do without, last chosen first, so that
     * no victim is needless. If evicting every preemptible job could not make room, nothing is evicted. Greedy:
     * the set is minimal (no victim can be spared), not always the smallest possible.
     */
    private boolean preemptForGang(Job head, double t, double gain, List<Decision> out, List<Job> evicted) {
        long reachable = 0;
        for (int m = 0; m < topology.models().size(); m++) {
            if (head.allows(m)) {
                reachable += state.wholeFreeOfModel(m) * 1000L + preemptibleMilli[m];
            }
        }
        if (reachable < head.totalMilli()) {
            return false;  // even evicting every preemptible job of its models would not free enough cards
        }
        List<Running> victims = new ArrayList<>();
        PlacementResult placed = NOT_NOW;  // the caller just found that the gang does not fit
        while (!(placed instanceof PlacementResult.Placed)) {
            int bestNode = -1;
            double bestGainPerVictim = 0;
            double bestLost = Double.MAX_VALUE;
            for (int n = nextWithPreemptible(0); n >= 0; n = nextWithPreemptible(n + 1)) {
                if (topology.cards(n) == 0 || !head.allows(topology.model(n)) || !state.mayUse(head, n)) {
                    continue;
                }
                int count = 0;
                double lost = 0;
                for (Running r : onNode.get(n)) {
                    if (r.placement.job().preemptible()) {
                        count++;
                        lost += lostWork(r, t);
                    }
                }
                if (count == 0) {
                    continue;
                }
                int freed = wholeCardsFreedOn(n);
                if (freed == 0) {
                    continue;
                }
                double perVictim = freed / (double) count;
                if (perVictim > bestGainPerVictim || (perVictim == bestGainPerVictim && lost < bestLost)) {
                    bestNode = n;
                    bestGainPerVictim = perVictim;
                    bestLost = lost;
                }
            }
            if (bestNode < 0) {
                break;
            }
            List<Running> best = new ArrayList<>();
            for (Running r : onNode.get(bestNode)) {
                if (r.placement.job().preemptible()) {
                    best.add(r);
                }
            }
            for (Running v : best) {
                evictForWhatIf(v);
                victims.add(v);
            }
            placed = policy.place(state, head);
        }
        if (!(placed instanceof PlacementResult.Placed)) {
            for (int i = victims.size() - 1; i >= 0; i--) {
                restore(victims.get(i));
            }
            return failedFor(head);
        }
        for (int i = victims.size() - 1; i >= 0; i--) {
            Running v = victims.get(i);
            restore(v);
            PlacementResult without = policy.place(state, head);
            if (without instanceof PlacementResult.Placed) {
                victims.remove(i);  // not needed
                placed = without;
            } else {
                evictForWhatIf(v);
            }
        }
        double lost = 0;
        for (Running v : victims) {
            lost += lostWork(v, t) / 1000.0;
        }
        if (lost >= gain) {
            for (int i = victims.size() - 1; i >= 0; i--) {
                restore(victims.get(i));
            }
            return failedFor(head);
        }
        for (Running v : victims) {
            running.remove(v.placement.job().id());
            notFitting.clear();
            evicted.add(v.placement.job());
            out.add(new Decision.Preempt(v.placement, head));
        }
        start(((PlacementResult.Placed) placed).placement(), t, out);
        return true;
    }

    /** Cards of node n that would be wholly free if its preemptible jobs released their share of it. */
    private int wholeCardsFreedOn(int n) {
        int k = topology.cards(n);
        int[] f = new int[k];
        for (int c = 0; c < k; c++) {
            f[c] = state.freeOn(n, c);
        }
        for (Running r : onNode.get(n)) {
            Placement p = r.placement;
            if (!p.job().preemptible()) {
                continue;
            }
            for (int i = 0; i < p.nodes().length; i++) {
                if (p.nodes()[i] == n) {
                    for (int c : p.cards()[i]) {
                        f[c] += p.milli();
                    }
                }
            }
        }
        int gained = 0;
        for (int c = 0; c < k; c++) {
            if (f[c] == Topology.MILLI_PER_CARD && state.freeOn(n, c) < Topology.MILLI_PER_CARD) {
                gained++;
            }
        }
        return gained;
    }

    /** Remembers that preemption for this head did not pay (or could not make room), for the memo in preemptFor. */
    private boolean failedFor(Job head) {
        preemptionFailedFor = head.id();
        releasesAtFailure = releases;
        preemptibleStartsAtFailure = preemptibleStarts;
        return false;
    }

    /** Releases a running job's cards for a what-if; {@link #restore} undoes it. */
    private void evictForWhatIf(Running r) {
        release(r);
    }

    private void restore(Running r) {
        state.allocate(r.placement);
        if (!Double.isInfinite(r.end)) {
            byEnd.add(r);
        }
        for (int n : r.placement.nodes()) {
            onNode.get(n).add(r);
        }
        countPreemptible(r.placement, +1);
    }

    /** The first node at or after {@code from} where a preemptible job runs, or -1. */
    private int nextWithPreemptible(int from) {
        int word = from >>> 6;
        if (word >= nodesWithPreemptible.length) {
            return -1;
        }
        long bits = nodesWithPreemptible[word] & (-1L << (from & 63));
        while (bits == 0) {
            if (++word >= nodesWithPreemptible.length) {
                return -1;
            }
            bits = nodesWithPreemptible[word];
        }
        return (word << 6) + Long.numberOfTrailingZeros(bits);
    }

    /** Keeps {@link #preemptibleMilli} and the nodes with preemptible jobs in step as such jobs start and stop. */
    private void countPreemptible(Placement p, int sign) {
        if (!p.job().preemptible()) {
            return;
        }
        if (sign > 0) {
            preemptibleStarts++;
        }
        for (int i = 0; i < p.nodes().length; i++) {
            int n = p.nodes()[i];
            preemptibleOn[n] += sign;
            if (preemptibleOn[n] > 0) {
                nodesWithPreemptible[n >>> 6] |= 1L << n;
            } else {
                nodesWithPreemptible[n >>> 6] &= ~(1L << n);
            }
            if (topology.cards(n) > 0) {
                preemptibleMilli[topology.model(n)] += sign * (long) p.cards()[i].length * p.milli();
            }
        }
    }
}
