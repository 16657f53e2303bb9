package city.myriad.allocation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape of demand, learned online from the jobs that arrived: the most frequent task shapes (cards, share of
 * a card, allowed models and, if asked, a class of CPU per card) with their popularity and mean CPU and memory,
 * and the share of jobs that never end. It is rebuilt every {@link #REBUILD_EVERY} observations;
 * {@link #epoch()} changes when it is, so scores cached against the old profile are recomputed.
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
    /** The share of the jobs seen that never end (no declared run time), as of the last rebuild. */
    double endless;
    private int epoch;

    private final Map<Shape, long[]> counts = new HashMap<>();  // count, cpu sum, memory sum
    /** Per model: milli-cards requested by jobs that may run only on a few models, spread over them. */
    private double[] boundMilli = new double[64];
    private double requestedMilli;
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

    /** Shapes by cards, share and models only (FGD's typical tasks). */
    public DemandProfile() {
        this(false);
    }

    public DemandProfile(boolean cpuClasses) {
        this.cpuClasses = cpuClasses;
    }

    public void observe(Job job) {
        if (job.gpus() == 0) {
            return;
        }
        requestedMilli += job.totalMilli();
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
        long[] c = counts.computeIfAbsent(new Shape(job.gpus(), job.gpuMilli(), job.allowedModels(), cpuClass(job)), k -> new long[3]);
        c[0]++;
        c[1] += job.cpuMilli();
        c[2] += job.memoryMib();
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

    public int epoch() {
        return epoch;
    }

    private void rebuild() {
        sinceRebuild = 0;
        endless = (double) endlessObserved / observed;
        List<Map.Entry<Shape, long[]>> top = new ArrayList<>(counts.entrySet());
        top.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
        top = top.subList(0, Math.min(MAX_SHAPES, top.size()));
        long total = top.stream().mapToLong(e -> e.getValue()[0]).sum();
        int k = top.size();
        gpus = new int[k];
        milli = new int[k];
        models = new long[k];
        cpu = new long[k];
        memory = new long[k];
        weight = new double[k];
        for (int i = 0; i < k; i++) {
            Shape s = top.get(i).getKey();
            long[] c = top.get(i).getValue();
            gpus[i] = s.gpus();
            milli[i] = s.milli();
            models[i] = s.models();
            cpu[i] = c[1] / c[0];
            memory[i] = c[2] / c[0];
            weight[i] = (double) c[0] / total;
        }
        epoch++;
    }
}
