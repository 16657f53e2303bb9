package city.myriad.allocation;

import java.util.function.Consumer;

/**
 * How the queue is ordered and worked. A cycle looks at up to {@code scanLimit} pending jobs while the cluster
 * has idle cards to fill, but at only {@code busyScanLimit} once {@link Scheduler#BUSY} of its cards are allocated
 * ({@link Scheduler#cycle}).
 *
 * <p>The defaults ({@link #myriad}) and the formulas the options feed outside the core (the aging threshold,
 * the smallest-area key) are here too, so that the service, its estimates and the simulator read one source.
 */
public record SchedulerOptions(boolean fairShare, boolean backfill, boolean preemption, double fairShareHalfLifeS,
        int scanLimit, int busyScanLimit, double agingS, Order order, double areaHalfLifeS, int heads,
        double agingCapS, double wholeNodeReservationS) {

    /** The order of each tenant's queue among jobs of equal priority (aged jobs always go oldest first). */
    public enum Order {
        /** First come, first served. */
        SUBMISSION,
        /** Smallest cards × declared run time first, then submission: see {@link PendingQueues#BY_AREA}. */
        SMALLEST_AREA
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
     * estimates outside the core (the simulator's, and the SQL of {@code JobQueueRepository.queuedAhead}) use the same.
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

    /** Default scan depths, idle and busy (see {@link Scheduler#BUSY}). */
    static final int SCAN_LIMIT = 1000;
    static final int BUSY_SCAN_LIMIT = 150;


    public SchedulerOptions {
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
    public SchedulerOptions withScanLimit(int jobs) {
        return with(b -> b.scanLimit = b.busyScanLimit = jobs);
    }

    /** The same options with a scan depth while cards are idle and another one once the cluster is busy. */
    public SchedulerOptions withScanLimits(int jobs, int whenBusy) {
        return with(b -> {
            b.scanLimit = jobs;
            b.busyScanLimit = whenBusy;
        });
    }

    /** The same options with another aging threshold. */
    public SchedulerOptions withAging(double seconds) {
        return with(b -> b.agingS = seconds);
    }

    /** The same options with another order within a tenant's queue. */
    public SchedulerOptions withOrder(Order queueOrder) {
        return with(b -> b.order = queueOrder);
    }

    /** The same options with another number of blocked jobs that get a reservation. */
    public SchedulerOptions withHeads(int reserved) {
        return with(b -> b.heads = reserved);
    }

    /**
     * The same options with another area half-life: in the smallest-area order a waiting job's area counts half
     * as much for every {@code seconds} it has waited (infinite: the area alone; {@link PendingQueues#sizeKey}).
     */
    public SchedulerOptions withAreaHalfLife(double seconds) {
        return with(b -> b.areaHalfLifeS = seconds);
    }

    /**
     * The same options with another cap on the aging threshold: it rises with the queue's drain time up to this
     * ({@link #agingThreshold}); at most {@code agingS}, it stays at {@code agingS}.
     */
    public SchedulerOptions withAgingCap(double seconds) {
        return with(b -> b.agingCapS = seconds);
    }

    /**
     * The same options with another wait after which a blocked job that needs a whole node gets a reservation
     * even past the first {@code heads} blocked jobs (infinite: none; {@link #WHOLE_NODE_RESERVATION_S}).
     */
    public SchedulerOptions withWholeNodeReservation(double seconds) {
        return with(b -> b.wholeNodeReservationS = seconds);
    }

    /** These options with the components {@code change} sets, validated again by the constructor. */
    private SchedulerOptions with(Consumer<Copy> change) {
        Copy copy = new Copy(this);
        change.accept(copy);
        return copy.build();
    }

    /** A mutable copy of the components a wither may change, so that each wither names only what it changes. */
    private static final class Copy {
        private final SchedulerOptions from;
        int scanLimit;
        int busyScanLimit;
        double agingS;
        Order order;
        double areaHalfLifeS;
        int heads;
        double agingCapS;
        double wholeNodeReservationS;

        Copy(SchedulerOptions from) {
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

        SchedulerOptions build() {
            return new SchedulerOptions(from.fairShare, from.backfill, from.preemption, from.fairShareHalfLifeS,
                    scanLimit, busyScanLimit, agingS, order, areaHalfLifeS, heads, agingCapS, wholeNodeReservationS);
        }
    }

    /** ln 2 / the area half-life, 0 without one: the rate in {@link PendingQueues#sizeKey}. */
    public double areaRate() {
        return Double.isInfinite(areaHalfLifeS) ? 0 : Math.log(2) / areaHalfLifeS;
    }

    /** Strict FIFO: nothing passes a head that does not fit. */
    public static SchedulerOptions fifo() {
        return new SchedulerOptions(false, false, false, 0, Integer.MAX_VALUE, Integer.MAX_VALUE,
                Double.POSITIVE_INFINITY, Order.SUBMISSION, Double.POSITIVE_INFINITY, 1, 0, Double.POSITIVE_INFINITY);
    }

    /** Classic EASY backfilling in submission order. */
    public static SchedulerOptions easy() {
        return new SchedulerOptions(false, true, false, 0, 2000, 2000, Double.POSITIVE_INFINITY, Order.SUBMISSION,
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
    public static SchedulerOptions myriad() {
        return new SchedulerOptions(true, true, true, 86_400, SCAN_LIMIT, BUSY_SCAN_LIMIT, AGING_S, Order.SMALLEST_AREA,
                AREA_HALF_LIFE_S, RESERVED_HEADS, AGING_CAP_S, WHOLE_NODE_RESERVATION_S);
    }
}
