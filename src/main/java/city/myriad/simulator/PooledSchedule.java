package city.myriad.simulator;

import city.myriad.allocation.Job;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * A reference for the queue's mean wait: every card of the cluster in one pool, no nodes, no CPU or memory, no
 * reservations, and whenever cards are free the pending job of the smallest area (cards × run time; then the earlier
 * submission) that fits starts, however long a wider job has waited. What a scheduler can do without lookahead and
 * without stopping running jobs, when nothing is lost to placement or to protecting wide jobs: a scheduler that keeps
 * nodes and protects the tail can come near it, not far below it (docs/design/pooled-reference.md). It is a greedy
 * schedule, not a lower bound: a schedule that keeps cards idle for jobs still to come could in principle wait less.
 *
 * <p>Whenever jobs end or arrive, of the pending jobs that fit the free cards the one of the smallest key starts,
 * again and again until none fits (a walk over the queue by key that starts each job fitting what is left). The
 * queue is kept apart by request (milli-cards), each part sorted by key, so a pick looks at one head per request
 * size that fits.
 */
final class PooledSchedule {

    /** Waits of the jobs that started, in seconds, in no particular order; {@code unstarted}: jobs wider than the pool. */
    record Result(double[] waits, int unstarted) {
    }

    private record Pending(double key, double submitS, int seq, double durationS, long milli) {
    }

    private static final Comparator<Pending> BY_KEY = Comparator.comparingDouble(Pending::key)
            .thenComparingDouble(Pending::submitS).thenComparingInt(Pending::seq);

    private PooledSchedule() {
    }

    /**
     * Replays {@code jobs} (any order; a job of no declared end is left out: its area is unknown) on a pool of
     * {@code poolMilli} milli-cards. A job asking no card starts at its submission.
     */
    static Result run(List<Job> jobs, long poolMilli) {
        List<Job> byArrival = new ArrayList<>();
        for (Job j : jobs) {
            if (!Double.isInfinite(j.durationS())) {
                byArrival.add(j);
            }
        }
        byArrival.sort(Comparator.comparingDouble(Job::submitS));
        TreeMap<Long, PriorityQueue<Pending>> pendingBySize = new TreeMap<>();
        PriorityQueue<double[]> ends = new PriorityQueue<>(Comparator.comparingDouble(e -> e[0]));  // {end, milli}
        double[] waits = new double[byArrival.size()];
        int started = 0;
        int unstarted = 0;
        long free = poolMilli;
        int next = 0;
        int seq = 0;
        while (next < byArrival.size() || !ends.isEmpty()) {
            double now = Math.min(next < byArrival.size() ? byArrival.get(next).submitS() : Double.MAX_VALUE,
                    ends.isEmpty() ? Double.MAX_VALUE : ends.peek()[0]);
            while (!ends.isEmpty() && ends.peek()[0] <= now) {
                free += (long) ends.poll()[1];
            }
            while (next < byArrival.size() && byArrival.get(next).submitS() <= now) {
                Job j = byArrival.get(next++);
                if (j.totalMilli() > poolMilli) {
                    unstarted++;
                    continue;
                }
                double key = j.totalMilli() / 1000.0 * j.durationS();
                pendingBySize.computeIfAbsent(j.totalMilli(), k -> new PriorityQueue<>(BY_KEY))
                        .add(new Pending(key, j.submitS(), seq++, j.durationS(), j.totalMilli()));
            }
            // Start the smallest key that fits, until none does.
            while (!pendingBySize.isEmpty()) {
                Pending pick = null;
                for (PriorityQueue<Pending> q : pendingBySize.headMap(free, true).values()) {
                    if (pick == null || BY_KEY.compare(q.peek(), pick) < 0) {
                        pick = q.peek();
                    }
                }
                if (pick == null) {
                    break;
                }
                PriorityQueue<Pending> q = pendingBySize.get(pick.milli());
                q.poll();
                if (q.isEmpty()) {
                    pendingBySize.remove(pick.milli());
                }
                free -= pick.milli();
                waits[started++] = now - pick.submitS();
                if (pick.milli() > 0) {
                    ends.add(new double[] {now + pick.durationS(), pick.milli()});
                }
            }
        }
        return new Result(java.util.Arrays.copyOf(waits, started), unstarted);
    }
}
