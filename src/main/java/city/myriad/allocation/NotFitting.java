package city.myriad.allocation;

import java.util.HashMap;
import java.util.Map;

/**
 * Shapes of jobs that did not fit, each with the CPU and memory of those tried: a job of that shape asking at least
 * as much as one of them does not fit either, so the scheduler need not ask the policy. Until capacity is released
 * the cluster only fills up (and time only moves on, so a job placed later ends later), so this stays true across
 * cycles; the scheduler clears it on every release and reservation change.
 */
final class NotFitting {

    /**
     * What decides whether a job can fit now, but its CPU and memory: its cards, its models, its tenant (nodes held
     * for a tenant) and the nodes kept from it for the heads, if any.
     */
    record Shape(int gpus, int milli, long models, int tenant, boolean preemptible, boolean oneBlock,
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

    /**
     * Per shape: the (CPU, memory, run time) of jobs of it that did not fit, as flat triples, none asking at least
     * what another one does (a job asking at least one point's three figures does not fit either). Kept per point,
     * not as the least of each figure: two jobs that did not fit, one short of CPU and the other of memory, say
     * nothing of a job asking the lesser of both. At most {@link #POINTS} points a shape; the oldest makes room.
     */
    private final Map<Shape, double[]> failed = new HashMap<>();
    static final int POINTS = 8;

    /**
     * Whether a job of this shape asking {@code j}'s CPU and memory is known not to fit; with {@code byRunTime}
     * (nodes a later reservation holds, which take other tenants' jobs only if they end before it) its run time too.
     */
    boolean known(Shape shape, Job j, boolean byRunTime) {
        double[] points = failed.get(shape);
        if (points == null) {
            return false;
        }
        double runS = byRunTime ? j.durationS() : 0;
        for (int i = 0; i < points.length; i += 3) {
            if (j.cpuMilli() >= points[i] && j.memoryMib() >= points[i + 1] && runS >= points[i + 2]) {
                return true;
            }
        }
        return false;
    }

    /** {@code j}, of this shape, did not fit (with {@code byRunTime} as it was asked with, see {@link #known}). */
    void remember(Shape shape, Job j, boolean byRunTime) {
        if (known(shape, j, byRunTime)) {
            return;
        }
        double cpu = j.cpuMilli();
        double memory = j.memoryMib();
        double runS = byRunTime ? j.durationS() : 0;
        double[] points = failed.getOrDefault(shape, new double[0]);
        // Points that ask at least what j does say nothing more once j is kept.
        double[] kept = new double[Math.min(points.length, (POINTS - 1) * 3) + 3];
        int k = 0;
        for (int i = Math.max(0, points.length - (POINTS - 1) * 3); i < points.length; i += 3) {
            if (!(points[i] >= cpu && points[i + 1] >= memory && points[i + 2] >= runS)) {
                kept[k++] = points[i];
                kept[k++] = points[i + 1];
                kept[k++] = points[i + 2];
            }
        }
        kept[k++] = cpu;
        kept[k++] = memory;
        kept[k++] = runS;
        failed.put(shape, k == kept.length ? kept : java.util.Arrays.copyOf(kept, k));
    }

    /** Capacity was released or the reservations changed: every shape may fit again. */
    void clear() {
        failed.clear();
    }
}
