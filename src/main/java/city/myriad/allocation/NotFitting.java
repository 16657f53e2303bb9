package city.myriad.allocation;

import java.util.HashMap;
import java.util.Map;

/**
 * Shapes of jobs that did not fit, each with the least CPU and memory tried: a job of that shape asking at least as
 * much does not fit either, so the scheduler need not ask the policy. Until capacity is released the cluster only
 * fills up, so this stays true across cycles; the scheduler clears it on every release and reservation change.
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

    /** Per shape: the least CPU (milli-cores) and memory (MiB) a job of it asked that did not fit. */
    private final Map<Shape, long[]> least = new HashMap<>();

    /** Whether a job of this shape asking {@code j}'s CPU and memory is known not to fit. */
    boolean known(Shape shape, Job j) {
        long[] failed = least.get(shape);
        return failed != null && j.cpuMilli() >= failed[0] && j.memoryMib() >= failed[1];
    }

    /** {@code j}, of this shape, did not fit. */
    void remember(Shape shape, Job j) {
        least.merge(shape, new long[] {j.cpuMilli(), j.memoryMib()},
                (x, y) -> new long[] {Math.min(x[0], y[0]), Math.min(x[1], y[1])});
    }

    /** Capacity was released or the reservations changed: every shape may fit again. */
    void clear() {
        least.clear();
    }
}
