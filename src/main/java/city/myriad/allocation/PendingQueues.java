package city.myriad.allocation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/**
 * The jobs waiting to start and the order a cycle looks at them in ({@link #ordered}): one queue per tenant with
 * fair share (else one), each in the options' {@link SchedulerOptions.Order}; ahead of them, the oldest of the jobs that
 * have waited past the aging threshold, as many as a cycle reserves for. Those are the jobs protected from
 * starving: each that does not fit gets a reservation. Every other job, aged or not, keeps its place in its
 * tenant's queue (docs/design/queue-order.md, "Aged jobs").
 */
final class PendingQueues {

    /*
     * The orders below are written out rather than chained from Comparator.comparingDouble and thenComparing: those
     * share one lambda body among every comparator built with them, so the JIT sees many key extractors at each call
     * and inlines none; the queues and sets compare millions of times per replay.
     */

    /** Submission order among equal priority: the aged jobs, and the queues of FIFO and EASY. */
    static final Comparator<Job> BY_SUBMISSION = (a, b) -> {
        int c = Integer.compare(-a.priority(), -b.priority());
        if (c != 0) {
            return c;
        }
        c = Double.compare(a.submitS(), b.submitS());
        return c != 0 ? c : Integer.compare(a.id(), b.id());
    };

    /**
     * Smallest area first among equal priority: cards times declared run time, so that short and narrow jobs do
     * not wait behind long and wide ones (shortest job first, which minimizes the mean wait); then submission.
     */
    static final Comparator<Job> BY_AREA = new BySize(0);

    /**
     * Smallest {@link #sizeKey size key} first among equal priority, then submission, then id. A class of its own
     * rather than a lambda per rate, for the reason above.
     */
    static final class BySize implements Comparator<Job> {
        private final double rate;

        BySize(double rate) {
            this.rate = rate;
        }

        @Override
        public int compare(Job a, Job b) {
            int c = Integer.compare(-a.priority(), -b.priority());
            if (c != 0) {
                return c;
            }
            double areaA = area(a);
            double areaB = area(b);
            c = Double.compare(areaA, areaB);
            int bySubmission = Double.compare(a.submitS(), b.submitS());
            if (rate != 0 && c != 0 && bySubmission != 0 && c != bySubmission) {
                // The smaller job came later: only here do the keys need their logs (the key grows with both).
                c = Double.compare(SchedulerOptions.sizeKey(areaA, a.submitS(), rate),
                        SchedulerOptions.sizeKey(areaB, b.submitS(), rate));
            } else if (rate != 0 && c == 0) {
                c = bySubmission;  // of one area, the older job's key is the smaller
            }
            if (c != 0) {
                return c;
            }
            c = Double.compare(a.submitS(), b.submitS());
            return c != 0 ? c : Integer.compare(a.id(), b.id());
        }
    }

    /**
     * The key of the smallest-area order. With rate 0 (no half-life), the area itself. Otherwise the area counts
     * half as much for every half-life the job has waited, {@code rate} being ln 2 / the half-life: the key is
     * ln(1 + area) - rate × wait, and as every waiting job's wait grows alike, ln(1 + area) + rate × submission
     * orders them the same at any time. So the key is static (the sorted queues stay sorted) and a job that has
     * waited long goes before a younger one of up to 2^(its wait ahead / half-life) times its area: a long job
     * is not passed for ever by each small one that arrives, which is what keeps the p99 wait down
     * (docs/design/queue-order.md, "Area half-life"). Math.log rather than log1p: the JIT makes it an intrinsic,
     * and a scan computes a key for every job it yields.
     */
    static double sizeKey(Job j, double rate) {
        return SchedulerOptions.sizeKey(area(j), j.submitS(), rate);
    }

    /**
     * How much a tenant's usage weighs in the smallest-area order: a job counts as {@code area × (1 + 0.5 × usage
     * per weight / the tenants' mean)}. So jobs of one size go to the lighter tenant first (fair share), while a
     * heavy tenant's short job still goes before a light tenant's long one (the mean wait). Chosen on Philly
     * Sep-Oct: 0 (size alone) and 2 gave within 2% of the same waits; see docs/design/queue-order.md.
     */
    static final double USAGE_WEIGHT = 0.5;

    /**
     * A tenant's own queue: priority first, then the tenant's priority among its own jobs (higher first), then
     * {@code order}. Only the queues kept per tenant use it: there a tenant's priority moves its job ahead of its
     * own other jobs and no one else's, since the merge still weighs the tenant's head against the other tenants'
     * heads by size and fair share (a tenant's urgent wide job waits as any wide job does, and its small jobs behind
     * it wait with it). A class for the reason above.
     */
    static final class WithinTenant implements Comparator<Job> {
        private final Comparator<Job> order;

        WithinTenant(Comparator<Job> order) {
            this.order = order;
        }

        @Override
        public int compare(Job a, Job b) {
            int c = Integer.compare(-a.priority(), -b.priority());
            if (c == 0) {
                c = Integer.compare(-a.tenantPriority(), -b.tenantPriority());
            }
            return c != 0 ? c : order.compare(a, b);
        }
    }

    /** Among jobs that age: who ages next (submission alone, whatever the priority). */
    private static final Comparator<Job> BY_AGE = (a, b) -> {
        int c = Double.compare(a.submitS(), b.submitS());
        return c != 0 ? c : Integer.compare(a.id(), b.id());
    };

    private final boolean perTenant;
    private final double agingS;
    /** The tenants' queues' order: {@link WithinTenant} around the options' order when the queue is kept per tenant. */
    private final Comparator<Job> order;
    /** Whether the options' order is by size (else by submission): the merge weighs heads by size then. */
    private final boolean byArea;
    /** ln 2 / the area half-life (0: none): see {@link #sizeKey}. */
    private final double rate;
    private final FairShare fairShare;
    /** Per tenant (or one), its waiting jobs, aged or not, in {@link #order}. */
    private final List<SortedJobs> queues = new ArrayList<>();
    /** When jobs age (else null): the jobs not aged yet by age, and the aged jobs, in submission order. */
    private final TreeSet<Job> young;
    private final SortedJobs aged;
    /**
     * How many of the oldest aged jobs go before every other job: as many as a cycle reserves for. Those are the jobs
     * a cycle protects from being passed (each that does not fit gets a reservation), so nobody starves: an aged job
     * becomes one of them once the older ones have started. The other aged jobs stay in their tenants' queues, in
     * the queue's order: under a long overload, when most waiting jobs have aged, a scan then looks at the small jobs
     * that can fill what is free rather than at the oldest and widest ones, most of which cannot start.
     */
    private final int oldestFirst;
    private int size;
    /** The aging threshold rises with the queue's drain time up to this cap ({@link SchedulerOptions#agingThreshold}). */
    private final double agingCapS;
    private final long cards;
    /** The waiting jobs' milli-cards × declared run time, summed (jobs without one count nothing). */
    private long queuedMilliSeconds;

    PendingQueues(boolean perTenant, double agingS, SchedulerOptions.Order order, FairShare fairShare, int oldestFirst) {
        this(perTenant, agingS, order, Double.POSITIVE_INFINITY, fairShare, oldestFirst);
    }

    /** As above, the smallest-area order with a job's area halving for every {@code areaHalfLifeS} it waits. */
    PendingQueues(boolean perTenant, double agingS, SchedulerOptions.Order order, double areaHalfLifeS, FairShare fairShare,
            int oldestFirst) {
        this(perTenant, agingS, order, areaHalfLifeS, fairShare, oldestFirst, 0, 0);
    }

    /**
     * As above, with the aging threshold rising with the time the queue would take to drain on {@code cards} cards,
     * up to {@code agingCapS}.
     */
    PendingQueues(boolean perTenant, double agingS, SchedulerOptions.Order order, double areaHalfLifeS, FairShare fairShare,
            int oldestFirst, double agingCapS, long cards) {
        this.agingCapS = agingCapS;
        this.cards = cards;
        if (oldestFirst < 1) {
            throw new IllegalArgumentException("at least the oldest aged job goes first");
        }
        this.perTenant = perTenant;
        this.agingS = agingS;
        if (!(areaHalfLifeS > 0)) {
            throw new IllegalArgumentException("an area half-life must be positive (infinite: none)");
        }
        this.rate = Double.isInfinite(areaHalfLifeS) ? 0 : Math.log(2) / areaHalfLifeS;  // as SchedulerOptions.areaRate
        Comparator<Job> base = order != SchedulerOptions.Order.SMALLEST_AREA ? BY_SUBMISSION : rate == 0 ? BY_AREA
                : new BySize(rate);
        this.byArea = base != BY_SUBMISSION;
        this.order = perTenant ? new WithinTenant(base) : base;
        this.fairShare = fairShare;
        this.oldestFirst = oldestFirst;
        boolean ages = !Double.isInfinite(agingS);
        this.young = ages ? new TreeSet<>(BY_AGE) : null;
        this.aged = ages ? new SortedJobs(BY_SUBMISSION) : null;
        queues.add(new SortedJobs(this.order));
    }

    /** Card-seconds: the job's cards times its declared run time (0 for a job without cards). */
    static double area(Job j) {
        return j.totalMilli() == 0 ? 0 : j.totalMilli() / 1000.0 * j.durationS();
    }

    /** What a job adds to the queue's drain: milli-cards × declared run time, nothing without one. */
    private static long drainOf(Job j) {
        return Double.isInfinite(j.durationS()) ? 0 : j.totalMilli() * Math.round(j.durationS());
    }

    void add(Job j) {
        if (queueOf(j).add(j)) {
            queuedMilliSeconds += drainOf(j);
            size++;
            if (young != null) {
                young.add(j);
            }
        }
    }

    /** Whether the job was waiting (and is no longer). */
    boolean remove(Job j) {
        if (!queueOf(j).remove(j)) {
            return false;
        }
        queuedMilliSeconds -= drainOf(j);
        size--;
        if (young != null && !aged.remove(j)) {
            young.remove(j);
        }
        return true;
    }

    /**
     * Moves the jobs waiting for the aging threshold or longer from the young jobs to the aged ones (both stay in
     * their tenant's queue). A job stays aged until it leaves, even if the threshold rises later.
     */
    private void age(double t) {
        if (young == null) {
            return;
        }
        double threshold = agingThreshold();
        while (!young.isEmpty() && t - young.first().submitS() >= threshold) {
            aged.add(young.pollFirst());
        }
    }

    int size() {
        return size;
    }

    /** How long a job waits before it ages, with the queue as it is now. */
    double agingThreshold() {
        return SchedulerOptions.agingThreshold(agingS, agingCapS, queuedMilliSeconds, cards);
    }

    private SortedJobs queueOf(Job j) {
        if (!perTenant) {
            return queues.get(0);
        }
        while (queues.size() <= j.tenant()) {
            queues.add(new SortedJobs(order));
        }
        return queues.get(j.tenant());
    }

    /**
     * Pending jobs in scheduling order, merged lazily: highest priority first; among equal priority, the
     * {@link #oldestFirst} oldest of the jobs pending longer than the aging threshold, oldest first, so that no job
     * starves behind lighter tenants or smaller jobs; then the tenant with the least usage per weight (charged as
     * the scan goes, so that tenants interleave), each tenant's jobs in its queue's order.
     */
    Iterator<Job> ordered(double t) {
        age(t);
        if (queues.size() == 1 && aged == null) {
            return queues.get(0).iterator();
        }
        return new Merge(t);
    }

    /**
     * The merge of {@link #ordered}: stream 0 is the {@link #oldestFirst} oldest aged jobs, stream i + 1 tenant i's
     * queue without them.
     */
    private final class Merge implements Iterator<Job> {
        private final int n;
        private final Iterator<Job>[] its;
        /** The oldest aged jobs, which stream 0 yields; the tenants' streams pass over them. */
        private final Job[] oldest;
        private final Job[] heads;
        // The heads' sort keys in primitive arrays: the merge compares them for every job it yields.
        private final int[] priority;
        private final double[] standing;
        private final double[] weight;
        /** The heads' size keys ({@link #sizeKey}: cards × declared run time, or its log with the half-life). */
        private final double[] area;
        private int best;
        /** The tenants' usage per weight added up, kept as the scan charges them: the mean weighs the order. */
        private double standingSum;

        Merge(double t) {
            this.n = queues.size() + 1;
            @SuppressWarnings("unchecked")
            Iterator<Job>[] streams = new Iterator[n];
            this.its = streams;
            this.heads = new Job[n];
            this.priority = new int[n];
            this.standing = new double[n];
            this.weight = new double[n];
            this.area = new double[n];
            int protectedCount = aged == null ? 0 : Math.min(oldestFirst, aged.size());
            Job[] oldest = new Job[protectedCount];
            Iterator<Job> byAge = protectedCount == 0 ? null : aged.iterator();
            for (int i = 0; i < protectedCount; i++) {
                oldest[i] = byAge.next();
            }
            this.oldest = oldest;
            its[0] = java.util.Arrays.asList(oldest).iterator();
            for (int i = 1; i < n; i++) {
                its[i] = queues.get(i - 1).iterator();
                standing[i] = fairShare.standing(i - 1, t);
                weight[i] = fairShare.weightOf(i - 1);
            }
            double sum = 0;
            for (int i = 1; i < n; i++) {
                sum += standing[i];
            }
            standingSum = sum;
            for (int i = 0; i < n; i++) {
                advance(i);
            }
            best = pick();
        }

        private void advance(int i) {
            Iterator<Job> it = its[i];
            Job h = it != null && it.hasNext() ? it.next() : null;
            while (i > 0 && h != null && isOldest(h)) {
                h = it.hasNext() ? it.next() : null;  // it went first, in stream 0
            }
            heads[i] = h;
            if (h != null) {
                priority[i] = h.priority();
                area[i] = sizeKey(h, rate);
            }
        }

        private boolean isOldest(Job j) {
            for (Job o : oldest) {
                if (o == j) {
                    return true;
                }
            }
            return false;
        }

        /**
         * The stream whose head goes next. Priority first; then the oldest aged jobs' stream; then, smallest first, the job's
         * area made larger by its tenant's usage per weight against the tenants' mean ({@link #USAGE_WEIGHT}), or
         * else usage per weight alone; then submission; then the first stream. One pass: a key is computed only for
         * a head of the best priority so far.
         */
        private int pick() {
            double mean = byArea ? Math.max(1e-9, standingSum / (n - 1)) : 0;
            int b = heads[0] != null ? 0 : -1;
            int bPriority = b == 0 ? priority[0] : 0;
            double bKey = 0;
            for (int i = 1; i < n; i++) {
                if (heads[i] == null) {
                    continue;
                }
                int p = priority[i];
                if (b >= 0 && (p < bPriority || (p == bPriority && (b == 0 || (byArea && area[i] > bKey))))) {
                    continue;  // a key is never below the area (usage only makes a job count larger)
                }
                double k = !byArea ? 0 : rate == 0 ? area[i] * (1 + USAGE_WEIGHT * standing[i] / mean)
                        : area[i] + Math.log(1 + USAGE_WEIGHT * standing[i] / mean);  // the same factor, in logs
                if (b < 0 || p > bPriority || k < bKey || (k == bKey && (standing[i] < standing[b]
                        || (standing[i] == standing[b] && heads[i].submitS() < heads[b].submitS())))) {
                    b = i;
                    bPriority = p;
                    bKey = k;
                }
            }
            return b;
        }

        @Override
        public boolean hasNext() {
            return best >= 0;
        }

        @Override
        public Job next() {
            Job j = heads[best];
            int tenantStream = perTenant ? j.tenant() + 1 : 1;
            double charge = FairShare.cardSeconds(j) / weight[tenantStream];
            standing[tenantStream] += charge;
            standingSum += charge;
            advance(best);
            best = pick();
            return j;
        }
    }
}
