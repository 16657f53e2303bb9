package city.myriad.allocation;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/**
 * The jobs waiting to start: one queue per tenant with fair share (else one), each in {@link Scheduler#QUEUE_ORDER},
 * and the order a cycle looks at them in ({@link #ordered}).
 */
final class PendingQueues {

    private final boolean perTenant;
    private final double agingS;
    private final FairShare fairShare;
    private final List<TreeSet<Job>> queues = new ArrayList<>();
    private int size;

    PendingQueues(boolean perTenant, double agingS, FairShare fairShare) {
        this.perTenant = perTenant;
        this.agingS = agingS;
        this.fairShare = fairShare;
        queues.add(new TreeSet<>(Scheduler.QUEUE_ORDER));
    }

    void add(Job j) {
        if (queueOf(j).add(j)) {
            size++;
        }
    }

    /** Whether the job was waiting (and is no longer). */
    boolean remove(Job j) {
        boolean removed = queueOf(j).remove(j);
        if (removed) {
            size--;
        }
        return removed;
    }

    int size() {
        return size;
    }

    private TreeSet<Job> queueOf(Job j) {
        if (!perTenant) {
            return queues.get(0);
        }
        while (queues.size() <= j.tenant()) {
            queues.add(new TreeSet<>(Scheduler.QUEUE_ORDER));
        }
        return queues.get(j.tenant());
    }

    /**
     * Pending jobs in scheduling order, merged lazily from the tenants' queues: highest priority first, then the
     * tenant with the least usage per weight (charged as the scan goes, so that tenants interleave), then submission.
     */
    Iterator<Job> ordered(double t) {
        int n = queues.size();
        if (n == 1) {
            return queues.get(0).iterator();
        }
        List<Iterator<Job>> its = new ArrayList<>(n);
        Job[] heads = new Job[n];
        // The heads' sort keys in primitive arrays: the merge compares them for every job it yields.
        int[] priority = new int[n];
        boolean[] aged = new boolean[n];
        double[] submit = new double[n];
        double[] standing = new double[n];
        double[] weight = new double[n];
        for (int i = 0; i < n; i++) {
            its.add(queues.get(i).iterator());
            standing[i] = fairShare.standing(i, t);
            weight[i] = fairShare.weightOf(i);
        }
        return new Iterator<>() {
            {
                for (int i = 0; i < n; i++) {
                    advance(i);
                }
            }

            int best = pick();

            private void advance(int i) {
                Job h = its.get(i).hasNext() ? its.get(i).next() : null;
                heads[i] = h;
                if (h != null) {
                    priority[i] = h.priority();
                    aged[i] = t - h.submitS() >= agingS;
                    submit[i] = h.submitS();
                }
            }

            private int pick() {
                int b = -1;
                for (int i = 0; i < n; i++) {
                    if (heads[i] != null && (b < 0 || before(i, b))) {
                        b = i;
                    }
                }
                return b;
            }

            /**
             * Priority first; then a job pending longer than the aging threshold goes ahead of fair share, the
             * oldest first, so that no tenant's job starves behind lighter tenants; then usage per weight; then
             * submission.
             */
            private boolean before(int i, int b) {
                if (priority[i] != priority[b]) {
                    return priority[i] > priority[b];
                }
                if (aged[i] != aged[b]) {
                    return aged[i];
                }
                if (aged[i]) {
                    return submit[i] < submit[b];
                }
                return standing[i] < standing[b] || (standing[i] == standing[b] && submit[i] < submit[b]);
            }

            @Override
            public boolean hasNext() {
                return best >= 0;
            }

            @Override
            public Job next() {
                Job j = heads[best];
                standing[best] += FairShare.cardSeconds(j) / weight[best];
                advance(best);
                best = pick();
                return j;
            }
        };
    }
}
