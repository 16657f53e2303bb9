package city.myriad.allocation;

/** The baseline: the first node, in index order, where the job fits. */
public final class FirstFitPolicy implements PlacementPolicy {

    @Override
    public PlacementResult place(ClusterState s, Job job) {
        PlacementResult.Rejected never = Gangs.neverFits(s.topology(), job);
        if (never != null) {
            return never;
        }
        if (!Gangs.singleNode(s.topology(), job)) {
            return Gangs.firstFit(s, job);
        }
        for (int n = s.nextCandidate(job, 0); n >= 0; n = s.nextCandidate(job, n + 1)) {
            if (s.fitsOnNode(job, n)) {
                return new PlacementResult.Placed(Placement.onNodes(job, new int[] {n}, new int[][] {s.chooseCards(job, n)}));
            }
        }
        return Gangs.deferred(s, job);
    }

    @Override
    public String name() {
        return "first-fit";
    }
}
