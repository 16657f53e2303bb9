package city.myriad.allocation;

/**
 * Fragmentation Gradient Descent as published (Weng et al., "Beware of Fragmentation", USENIX ATC '23), as a
 * baseline for the default policy. A node's fragmentation is, summed over the typical task shapes weighted by
 * their popularity, the free milli-cards a task of that shape could not use there: all of them if the task
 * cannot run on the node at all (another card model, too little CPU or memory, too few cards with room), else
 * the free shares of the cards too small for it. A task goes to the node, and for a slice to the card, whose
 * fragmentation grows least.
 *
 * <p>Differences from the authors' Kubernetes plugin, all in FGD's favour or neutral: the increase is compared
 * exactly (the plugin squashes it through a sigmoid into 0-100 and breaks the resulting ties at random; here ties
 * go to the lower node index); memory is checked like CPU; the typical shapes are learned online from the jobs
 * seen so far ({@link DemandProfile}, the 64 most frequent shapes with their mean CPU and memory), where the paper
 * takes them from the whole trace in advance. Gangs across nodes, which FGD does not place, go topology-aware
 * like every other policy here.
 */
public final class FgdPolicy implements PlacementPolicy {

    private final DemandProfile profile = new DemandProfile();
    private final UntouchedNodes untouched = new UntouchedNodes();
    private int[] scratch = new int[0];

    @Override
    public void observe(Job job) {
        profile.observe(job);
    }

    @Override
    public PlacementResult place(ClusterState s, Job job) {
        PlacementResult notSingle = Gangs.rejectedOrGang(s, job);
        if (notSingle != null) {
            return notSingle;
        }
        Topology t = s.topology();
        int bestNode = -1;
        int bestCard = -1;
        double bestDelta = Double.MAX_VALUE;
        untouched.startDecision(t);
        for (int n = s.nextCandidate(job, 0); n >= 0; n = s.nextCandidate(job, n + 1)) {
            if (!s.fitsOnNode(job, n) || untouched.skip(s, n)) {
                continue;
            }
            double before = fragmentation(s, n, -1, null);
            if (job.fractional()) {
                // Every card with room is a candidate: the slice goes where fragmentation grows least.
                for (int c = 0; c < t.cards[n]; c++) {
                    if (s.freeOn(n, c) >= job.gpuMilli()) {
                        double delta = fragmentation(s, n, c, job) - before;
                        if (delta < bestDelta) {
                            bestNode = n;
                            bestCard = c;
                            bestDelta = delta;
                        }
                    }
                }
            } else {
                double delta = fragmentation(s, n, -1, job) - before;
                if (delta < bestDelta) {
                    bestNode = n;
                    bestDelta = delta;
                }
            }
        }
        if (bestNode < 0) {
            return Gangs.deferred(s, job);
        }
        int[] cards = job.fractional() ? new int[] {bestCard} : s.chooseCards(job, bestNode);
        return new PlacementResult.Placed(Placement.onNodes(job, new int[] {bestNode}, new int[][] {cards}));
    }

    /**
     * The node's fragmentation, as it is ({@code job} null) or after placing the job on it (on card
     * {@code sliceCard} for a slice; on the first wholly free cards otherwise, which are all alike).
     */
    private double fragmentation(ClusterState s, int node, int sliceCard, Job job) {
        Topology t = s.topology();
        int k = t.cards[node];
        if (scratch.length < k) {
            scratch = new int[k];
        }
        s.copyFreeOf(node, scratch);
        long cpu = s.cpuFree(node);
        long mem = s.memoryFree(node);
        if (job != null) {
            cpu -= job.cpuMilli();
            mem -= job.memoryMib();
            if (job.fractional()) {
                scratch[sliceCard] -= job.gpuMilli();
            } else {
                int left = job.gpus();
                for (int c = 0; c < k && left > 0; c++) {
                    if (scratch[c] == Topology.MILLI_PER_CARD) {
                        scratch[c] = 0;
                        left--;
                    }
                }
            }
        }
        int total = 0;
        for (int c = 0; c < k; c++) {
            total += scratch[c];
        }
        if (total == 0) {
            return 0;
        }
        DemandProfile p = profile;
        double frag = 0;
        for (int i = 0; i < p.weight.length; i++) {
            int roomy = 0;
            int tooSmall = 0;
            for (int c = 0; c < k; c++) {
                if (scratch[c] >= p.milli[i]) {
                    roomy++;
                } else {
                    tooSmall += scratch[c];
                }
            }
            boolean runs = (p.models[i] & (1L << t.model[node])) != 0 && p.cpu[i] <= cpu && p.memory[i] <= mem
                    && roomy >= p.gpus[i];
            frag += p.weight[i] * (runs ? tooSmall : total);
        }
        return frag;
    }

    @Override
    public String name() {
        return "fgd";
    }
}
