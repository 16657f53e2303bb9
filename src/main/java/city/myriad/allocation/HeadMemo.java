package city.myriad.allocation;

import java.util.HashMap;
import java.util.Map;

/**
 * The reservations of one scan's blocked jobs, kept for the next scan: the same jobs head the queue for many
 * cycles, and walking the running jobs' ends for them is the costliest step of a scan. A kept reservation (start
 * {@code shadow} on {@code node}, with the earlier heads' nodes held) stands while nothing could move it:
 * <ul>
 *   <li>the same job, with the same earlier heads' nodes held, and its start still ahead;</li>
 *   <li>no job placed on or gone from its node since (that node's capacity over time is unchanged);</li>
 *   <li>every job gone since had its declared end by the time of the scan: then each other node's capacity at
 *       every time up to the shadow is the same or smaller (jobs started since only take), so none fits
 *       earlier;</li>
 *   <li>no change to the nodes held for tenants (the scheduler forgets everything then).</li>
 * </ul>
 * Walks count the running jobs they look at against a budget; a kept reservation counts the steps of the walk
 * that found it.
 */
final class HeadMemo {

    private record Kept(Head head, HeldNodes held, long nodeAllocations, long steps) {}

    /** Kept by the last scan, looked up by this one. */
    private Map<Integer, Kept> last = new HashMap<>();
    /** Kept by this scan, for the next. */
    private Map<Integer, Kept> current = new HashMap<>();
    /**
     * Sets of held nodes made by earlier scans, so that equal sets are the same list: the scheduler's memo of
     * shapes that do not fit and this one compare them at every lookup. Emptied when it grows past
     * {@link #INTERNED}.
     */
    private final Map<HeldNodes, HeldNodes> interned = new HashMap<>();
    static final int INTERNED = 4096;
    /** The latest declared end among the jobs gone since the last scan began. */
    private double latestEndGone = Double.NEGATIVE_INFINITY;

    /** A scan at time {@code t} begins: what the last one kept is what this one may use. */
    void beginScan(double t) {
        Map<Integer, Kept> previous = last;
        last = current;
        current = previous;
        current.clear();
        if (latestEndGone > t) {
            last.clear();  // a job left before its declared end: any node may free earlier than walked
        }
        latestEndGone = Double.NEGATIVE_INFINITY;
    }

    /** A running job is gone between scans (it ended, or was cancelled). */
    void gone(double declaredEnd) {
        latestEndGone = Math.max(latestEndGone, declaredEnd);
    }

    /** A running job is gone during the scan at {@code t} (preempted, or evicted for a what-if). */
    void goneDuringScan(double declaredEnd, double t) {
        if (declaredEnd > t) {
            last.clear();
            current.clear();
        }
    }

    /**
     * The reservation kept for {@code j} with the nodes {@code held} (the earlier heads'), or null if it may have
     * moved. A hit is kept again for the next scan.
     */
    Head lookup(Job j, double t, ClusterState state, HeldNodes held) {
        Kept k = last.get(j.id());
        if (k == null || t >= k.head().shadow() || state.allocations(k.head().node()) != k.nodeAllocations()
                || !k.held().equals(held)) {
            return null;
        }
        current.put(j.id(), k);
        return k.head();
    }

    /** The steps of the walk that found the reservation {@link #lookup} just gave for {@code j}. */
    long steps(Job j) {
        return current.get(j.id()).steps();
    }

    /** Keeps the reservation a walk of {@code steps} found for {@code j}, a job that runs on one node. */
    void keep(Job j, Head h, ClusterState state, HeldNodes held, long steps) {
        if (h.node() >= 0 && !Double.isInfinite(h.shadow())) {
            current.put(j.id(), new Kept(h, held, state.allocations(h.node()), steps));
        }
    }

    /**
     * A scan ends before asking for every reservation the last one kept: those it did not ask for are kept for the
     * next scan as they are. Whether one still stands is checked when it is looked up, against what changed since it
     * was found (its node's placements and departures, the held nodes, its start), and every early departure since
     * has emptied the memo; so a reservation kept over a scan that skipped it is as good as one kept by that scan.
     */
    void keepUnasked() {
        last.putAll(current);  // what this scan kept goes over what the last one did; then they trade places
        Map<Integer, Kept> kept = last;
        last = current;
        current = kept;
    }

    /** The list equal to {@code held} that an earlier scan made, or {@code held} itself from now on. */
    HeldNodes intern(HeldNodes held) {
        if (interned.size() >= INTERNED) {
            interned.clear();
        }
        HeldNodes earlier = interned.putIfAbsent(held, held);
        return earlier != null ? earlier : held;
    }

    void forget() {
        last.clear();
        current.clear();
    }
}
