package city.myriad.allocation;

/**
 * The first head's reservation, kept from one cycle to the next: a queue's first blocked job is often the same for
 * many cycles, and its walk over the running jobs' ends is the longest of a scan. The kept answer (start
 * {@code shadow} on {@code node}) stands while nothing could move it:
 * <ul>
 *   <li>the same job, and its start still ahead;</li>
 *   <li>no job placed on or gone from that node since (its capacity over time is unchanged);</li>
 *   <li>every job gone since had its declared end by now: then each other node's capacity at every time up to
 *       the shadow is the same or smaller (jobs started since only take), so none fits earlier;</li>
 *   <li>no change to the nodes held for tenants (the scheduler forgets the memo then).</li>
 * </ul>
 * A walk counts the running jobs it looks at against a budget; a kept answer counts the steps of the walk that
 * found it.
 */
final class HeadMemo {

    private int job = -1;
    private Head head;
    private long nodeAllocations;
    private long steps;
    private Job shape;
    /** The latest declared end among the jobs gone since the answer was kept. */
    private double latestEndGone = Double.NEGATIVE_INFINITY;

    /** The kept reservation for {@code j} at time {@code t}, or null if it may have moved. */
    Head lookup(Job j, double t, ClusterState state) {
        if (head == null || j.id() != job || t >= head.shadow() || latestEndGone > t
                || state.allocations(head.node()) != nodeAllocations) {
            return null;
        }
        return head;
    }

    /** Keeps the reservation a walk of {@code steps} found for {@code j}, a job that runs on one node. */
    void keep(Job j, Head h, ClusterState state, long steps) {
        if (h.node() < 0 || Double.isInfinite(h.shadow())) {
            forget();
            return;
        }
        job = j.id();
        head = h;
        shape = j;
        nodeAllocations = state.allocations(h.node());
        this.steps = steps;
        latestEndGone = Double.NEGATIVE_INFINITY;
    }

    /** A running job is gone (ended, preempted, or evicted for a what-if). */
    void gone(double declaredEnd) {
        latestEndGone = Math.max(latestEndGone, declaredEnd);
    }

    void forget() {
        head = null;
        job = -1;
        shape = null;
    }

    long steps() {
        return steps;
    }

    /** The job the kept reservation is for. */
    Job shape() {
        return shape;
    }
}
