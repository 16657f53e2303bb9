package city.myriad.allocation;

/**
 * Best fit: the node that is left with the fewest free milli-cards (then the least free CPU). A common baseline
 * in the fragmentation literature; gangs spanning nodes go first-fit.
 */
public final class BestFitPolicy implements PlacementPolicy {

    @Override
    public PlacementResult place(ClusterState s, Job job) {
        PlacementResult notSingle = Gangs.rejectedOrFirstFitGang(s, job);
        if (notSingle != null) {
            return notSingle;
        }
        int best = -1;
        long bestLeft = Long.MAX_VALUE;
        long bestCpu = Long.MAX_VALUE;
        for (int n = s.nextCandidate(job, 0); n >= 0; n = s.nextCandidate(job, n + 1)) {
            if (!s.fitsOnNode(job, n)) {
                continue;
            }
            long left = s.freeMilli(n) - job.totalMilli();
            long cpu = s.cpuFree(n) - job.cpuMilli();
            if (left < bestLeft || (left == bestLeft && cpu < bestCpu)) {
                best = n;
                bestLeft = left;
                bestCpu = cpu;
            }
        }
        return best < 0 ? Gangs.deferred(s, job) : Gangs.onNode(s, job, best);
    }

    @Override
    public String name() {
        return "best-fit";
    }
}
