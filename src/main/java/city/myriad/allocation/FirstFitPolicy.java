package city.myriad.allocation;

/** The baseline: the first node, in index order, where the job fits. */
public final class FirstFitPolicy implements PlacementPolicy {

    @Override
    public PlacementResult place(ClusterState s, Job job) {
        PlacementResult notSingle = Gangs.rejectedOrFirstFitGang(s, job);
        if (notSingle != null) {
            return notSingle;
        }
        for (int n = s.nextCandidate(job, 0); n >= 0; n = s.nextCandidate(job, n + 1)) {
            if (s.fitsOnNode(job, n)) {
                return Gangs.onNode(s, job, n);
            }
        }
        return Gangs.deferred(s, job);
    }

    @Override
    public String name() {
        return "first-fit";
    }
}
