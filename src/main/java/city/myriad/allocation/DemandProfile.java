package city.myriad.allocation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape of demand, learned online from the jobs that arrived: the most frequent task shapes (cards, share of
 * a card, allowed models and, if asked, a class of CPU per card) with their popularity and mean CPU and memory,
 * how the requested cards spread over CPU per card, and the share of jobs that never end. It is rebuilt every
 * {@link #REBUILD_EVERY} observations; {@link #epoch()} changes when it is, so scores cached against the old profile
 * are recomputed.
 */
public final class DemandProfile {

    static final int MAX_SHAPES = 64;
    static final int REBUILD_EVERY = 256;

    /** One task shape and its weight; the arrays are parallel and sorted by weight. */
    int[] gpus = new int[0];
    int[] milli = new int[0];
    long[] models = new long[0];
    long[] cpu = new long[0];
    long[] memory = new long[0];
    double[] weight = new double[0];
    /**
     * Per shape: the CPU a task of it is taken to need when counting how many such tasks a node's free CPU carries.
     * A shape's CPU is the mean of a class a factor of two wide, and its lighter tasks still fit where the mean does
     * not: so 10% below the mean ({@link #LIGHTER}), chosen on 50 static workloads (docs/allocation.md). But never
     * further below than the shape's tasks actually spread ({@link #SPREADS} standard deviations of their CPU): when
     * they all ask the same CPU there are no lighter ones, and counting them overstates what a node carries (on
     * workloads whose CPU is a fixed multiple of the cards, that cost the default 1-2 points of cards allocated).
     */
    long[] cpuCarried = new long[0];
    static final double LIGHTER = 0.1;
    static final double SPREADS = 10;
    /** The share of the jobs seen that never end (no declared run time), as of the last rebuild. */
    double endless;
    /**
     * Milli-cards an optimal packing of the profile's slices (one card, a share of it) leaves empty per slice: the
     * waste of first-fit-decreasing on {@link #PLANNED_WASTE_SAMPLE} slices drawn from the profile, 0 under
     * {@link #PLANNED_WASTE_FLOOR} (what a sample's last bins leave) and 0 without slices. Recomputed with the
     * profile while it is young and at every {@link #PLANNED_WASTE_EVERY}th rebuild after, while some jobs never end
     * (design/sum-of-squares.md).
     */
    double plannedWaste;
    /** The slices' common unit (the greatest common divisor of their shares, at least 10): the imaginary items' size. */
    int sliceUnit = Topology.MILLI_PER_CARD;
    static final int PLANNED_WASTE_SAMPLE = 4_000;
    static final double PLANNED_WASTE_FLOOR = 10;
    static final int PLANNED_WASTE_EVERY = 8;
    private int epoch;

    private final Map<Shape, Tally> counts = new HashMap<>();
    /** Per model: milli-cards requested by jobs that may run only on a few models, spread over them. */
    private double[] boundMilli = new double[64];
    private double requestedMilli;
    /**
     * Requested milli-cards by the CPU their job asks per milli-card, in {@link #RATIO_STEPS} steps a millicore (the
     * last step holds everything above 256 millicores a milli-card).
     */
    private final double[] milliByCpuRatio = new double[RATIO_BUCKETS];
    /** Per step of CPU per milli-card: the share of requested milli-cards asking less, as of the last rebuild. */
    private final double[] lighter = new double[RATIO_BUCKETS];
    private static final int RATIO_STEPS = 4;
    private static final int RATIO_BUCKETS = 1025;
    private long observed;
    private long endlessObserved;
    private int sinceRebuild;

    /** Apart by CPU per card, in classes a factor of two wide, so that a mean does not hide CPU-heavy tasks. */
    private final boolean cpuClasses;

    private record Shape(int gpus, int milli, long models, int cpuClass) {
        // Written out: every arrival looks its shape up, and the generated methods go through method handles.
        @Override
        public boolean equals(Object o) {
            return o instanceof Shape s && s.gpus == gpus && s.milli == milli && s.models == models
                    && s.cpuClass == cpuClass;
        }

        @Override
        public int hashCode() {
            int h = 31 * gpus + milli;
            h = 31 * h + Long.hashCode(models);
            return 31 * h + cpuClass;
        }
    }

    /** What arrived of one shape: how many tasks, their CPU (and its squares, for the spread) and memory. */
    private static final class Tally {
        long count;
        long cpu;
        double cpuSquares;
        long memory;
    }

    /** Shapes by cards, share and models only (FGD's typical tasks). */
    public DemandProfile() {
        this(false);
    }

    public DemandProfile(boolean cpuClasses) {
        this.cpuClasses = cpuClasses;
    }

    public void observe(Job job) {
        if (job.totalMilli() == 0) {
            return;  // no card asked (a CPU-only job, or a card of no share): nothing to learn of card demand
        }
        requestedMilli += job.totalMilli();
        milliByCpuRatio[ratioBucket(job)] += job.totalMilli();
        observed++;
        if (Double.isInfinite(job.durationS())) {
            endlessObserved++;
        }
        if (job.allowedModels() != Job.ANY_MODEL) {
            int models = Long.bitCount(job.allowedModels());
            for (int m = 0; m < 64; m++) {
                if ((job.allowedModels() & (1L << m)) != 0) {
                    boundMilli[m] += (double) job.totalMilli() / models;
                }
            }
        }
        Tally c = counts.computeIfAbsent(new Shape(job.gpus(), job.gpuMilli(), job.allowedModels(), cpuClass(job)),
                k -> new Tally());
        c.count++;
        c.cpu += job.cpuMilli();
        c.cpuSquares += (double) job.cpuMilli() * job.cpuMilli();
        c.memory += job.memoryMib();
        if (++sinceRebuild >= REBUILD_EVERY || epoch == 0) {
            rebuild();
        }
    }

    /** floor(log2(CPU millicores per milli-card)): 0 for none. */
    private int cpuClass(Job job) {
        long perMilli = job.cpuMilli() / job.totalMilli();
        return cpuClasses && perMilli > 0 ? 63 - Long.numberOfLeadingZeros(perMilli) : 0;
    }

    /**
     * The share of all requested milli-cards that is bound to this model (requested by jobs that may run only on
     * it, or on it and a few others): the part of future demand that nothing else can serve.
     */
    public double boundShare(int model) {
        return requestedMilli == 0 ? 0 : boundMilli[model] / requestedMilli;
    }

    /**
     * The share of the requested milli-cards whose jobs ask less CPU per milli-card than this one (by at least a
     * quarter of a millicore): the demand that could use, with less CPU, the cards this job's CPU takes. A job that
     * asks no card takes CPU from every kind of task: 1.
     */
    public double lighterShare(Job job) {
        if (job.totalMilli() == 0) {
            return 1;
        }
        int b = ratioBucket(job);
        return b == 0 ? 0 : lighter[b - 1];
    }

    private static int ratioBucket(Job job) {
        return (int) Math.min(RATIO_BUCKETS - 1, RATIO_STEPS * job.cpuMilli() / job.totalMilli());
    }

    /** The mean milli-cards of the jobs seen that ask cards. */
    public double meanMilli() {
        return observed == 0 ? Topology.MILLI_PER_CARD : requestedMilli / observed;
    }

    public int epoch() {
        return epoch;
    }

    private void rebuild() {
        sinceRebuild = 0;
        endless = (double) endlessObserved / observed;
        double below = 0;
        for (int b = 0; b < RATIO_BUCKETS; b++) {
            below += milliByCpuRatio[b];
            lighter[b] = below / requestedMilli;
        }
        List<Map.Entry<Shape, Tally>> top = new ArrayList<>(counts.entrySet());
        top.sort((a, b) -> Long.compare(b.getValue().count, a.getValue().count));
        top = top.subList(0, Math.min(MAX_SHAPES, top.size()));
        long total = top.stream().mapToLong(e -> e.getValue().count).sum();
        int k = top.size();
        gpus = new int[k];
        milli = new int[k];
        models = new long[k];
        cpu = new long[k];
        memory = new long[k];
        cpuCarried = new long[k];
        weight = new double[k];
        for (int i = 0; i < k; i++) {
            Shape s = top.get(i).getKey();
            Tally c = top.get(i).getValue();
            gpus[i] = s.gpus();
            milli[i] = s.milli();
            models[i] = s.models();
            cpu[i] = c.cpu / c.count;
            memory[i] = c.memory / c.count;
            double mean = (double) c.cpu / c.count;
            double spread = Math.sqrt(Math.max(0, c.cpuSquares / c.count - mean * mean));
            cpuCarried[i] = Math.round(mean - Math.min(LIGHTER * mean, SPREADS * spread));
            weight[i] = (double) c.count / total;
        }
        // Only work that never ends plans waste (the sum-of-squares term): where every job ends, nothing to estimate.
        if (endless > 0 && (epoch < 2 * PLANNED_WASTE_EVERY || epoch % PLANNED_WASTE_EVERY == 0)) {
            plannedWaste();
        }
        epoch++;
    }

    /** One card's share of a card, below a whole one: the slices the sum-of-squares rule packs. */
    private boolean slice(int i) {
        return gpus[i] == 1 && milli[i] > 0 && milli[i] < Topology.MILLI_PER_CARD;
    }

    private void plannedWaste() {
        double sum = 0;
        int unit = 0;
        for (int i = 0; i < gpus.length; i++) {
            if (slice(i)) {
                sum += weight[i];
                unit = gcd(unit, milli[i]);
            }
        }
        if (sum == 0) {
            plannedWaste = 0;
            sliceUnit = Topology.MILLI_PER_CARD;
            return;
        }
        // A fixed seed: the same profile plans the same waste on every run.
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        int[] items = new int[PLANNED_WASTE_SAMPLE];
        for (int k = 0; k < items.length; k++) {
            double x = random.nextDouble() * sum;
            int drawn = 0;
            for (int i = 0; i < gpus.length && drawn == 0; i++) {
                if (slice(i)) {
                    x -= weight[i];
                    if (x <= 0) {
                        drawn = milli[i];
                    }
                }
            }
            items[k] = drawn == 0 ? Topology.MILLI_PER_CARD - 1 : drawn;  // rounding at the end of the weights
        }
        java.util.Arrays.sort(items);
        int[] room = new int[items.length];
        int bins = 0;
        long volume = 0;
        for (int k = items.length - 1; k >= 0; k--) {  // first fit, largest first
            int item = items[k];
            volume += item;
            int b = 0;
            while (b < bins && room[b] < item) {
                b++;
            }
            if (b == bins) {
                room[bins++] = Topology.MILLI_PER_CARD;
            }
            room[b] -= item;
        }
        double waste = ((double) bins * Topology.MILLI_PER_CARD - volume) / items.length;
        plannedWaste = waste < PLANNED_WASTE_FLOOR ? 0 : waste;
        sliceUnit = Math.max(10, unit);
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
