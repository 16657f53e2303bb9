package city.myriad.allocation;

/**
 * Myriad's default placement. A single-node job goes to the node where placing it increases the expected
 * fragmentation of the cluster least: fragmentation of a node is the share of its free milli-cards that the
 * expected next tasks (the learned {@link DemandProfile}) could not use, weighted by how often each task shape
 * arrives — the idea of Fragmentation Gradient Descent (Weng et al., USENIX ATC '23). Ties, frequent when the
 * profile is young or nodes are alike, go to the best fit (least free capacity left), which packs nodes instead
 * of spreading; then to the lower node index. A gang that spans nodes is placed topology-aware: inside one
 * block, in as few racks as possible.
 */
public final class FragmentationAwarePolicy implements PlacementPolicy {

    private final DemandProfile profile = new DemandProfile();
    private final UntouchedNodes untouched = new UntouchedNodes();
    private double[] cachedFrag = new double[0];
    private int[] cachedVersion = new int[0];
    private int cachedEpoch = -1;
    private int[] scratch = new int[0];

    @Override
    public void observe(Job job) {
        profile.observe(job);
    }

    public DemandProfile profile() {
        return profile;
    }

    @Override
    public PlacementResult place(ClusterState s, Job job) {
        PlacementResult notSingle = Gangs.rejectedOrGang(s, job);
        if (notSingle != null) {
            return notSingle;
        }
        Topology t = s.topology();
        prepareCache(s);
        double[] pressure = pressure(s, job);
        int best = -1;
        double bestDelta = Double.MAX_VALUE;
        long bestLeft = Long.MAX_VALUE;
        untouched.startDecision(t);
        for (int n = s.nextCandidate(job, 0); n >= 0; n = s.nextCandidate(job, n + 1)) {
            if (!s.fitsOnNode(job, n) || untouched.skip(s, n)) {
                continue;
            }
            int[] cards = s.chooseCards(job, n);
            double delta = fragmentationAfter(s, n, job, cards) - fragmentation(s, n)
                    + job.totalMilli() * pressure[t.model[n]];
            long left = s.freeMilli(n) - job.totalMilli();
            // Deltas within a milli-card are ties: best fit decides.
            if (delta < bestDelta - 0.5 || (Math.abs(delta - bestDelta) <= 0.5 && left < bestLeft)) {
                best = n;
                bestDelta = delta;
                bestLeft = left;
            }
        }
        if (best < 0) {
            return Gangs.deferred(s, job);
        }
        return Gangs.onNode(s, job, best);
    }

    /**
     * For a job that may run on several models: how scarce each model is, as the demand bound to it over its
     * free capacity (demand share × all free / its free). Taking a card of a model that bound demand needs costs
     * more than taking one of a model in surplus. Zero for a job of one model: it has no choice to make.
     */
    private double[] pressure(ClusterState s, Job job) {
        int models = s.topology().models.size();
        double[] pressure = new double[Math.max(1, models)];
        if (job.gpus() == 0 || Long.bitCount(job.allowedModels() & ((1L << models) - 1 | (models == 64 ? -1L : 0))) <= 1) {
            return pressure;
        }
        long allFree = 0;
        for (int m = 0; m < models; m++) {
            allFree += s.freeMilliOfModel(m);
        }
        for (int m = 0; m < models; m++) {
            pressure[m] = profile.boundShare(m) * allFree / Math.max(1.0, s.freeMilliOfModel(m));
        }
        return pressure;
    }

    private void prepareCache(ClusterState s) {
        int n = s.topology().nodes();
        if (cachedFrag.length != n || cachedEpoch != profile.epoch()) {
            cachedFrag = new double[n];
            cachedVersion = new int[n];
            java.util.Arrays.fill(cachedVersion, -1);
            cachedEpoch = profile.epoch();
        }
        int maxCards = 0;
        for (int i = 0; i < n; i++) {
            maxCards = Math.max(maxCards, s.topology().cards[i]);
        }
        if (scratch.length < maxCards) {
            scratch = new int[maxCards];
        }
    }

    /** Expected unusable free milli-cards of the node as it is (cached per node version and profile epoch). */
    double fragmentation(ClusterState s, int node) {
        if (cachedVersion[node] != s.version(node)) {
            int k = s.topology().cards[node];
            s.copyFreeOf(node, scratch);
            cachedFrag[node] = fragmentation(s.topology(), node, scratch, k, s.cpuFree(node), s.memoryFree(node));
            cachedVersion[node] = s.version(node);
        }
        return cachedFrag[node];
    }

    private double fragmentationAfter(ClusterState s, int node, Job job, int[] cards) {
        int k = s.topology().cards[node];
        s.copyFreeOf(node, scratch);
        for (int c : cards) {
            scratch[c] -= job.gpuMilli();
        }
        return fragmentation(s.topology(), node, scratch, k, s.cpuFree(node) - job.cpuMilli(),
                s.memoryFree(node) - job.memoryMib());
    }

    /**
     * The weighted sum over task shapes of the free milli-cards a task of that shape could not use on this node:
     * all of them if the task cannot run there at all (model, CPU, memory, too few whole cards), otherwise the
     * free shares of the cards too small for it.
     */
    private double fragmentation(Topology t, int node, int[] free, int k, long cpuFree, long memFree) {
        int total = 0;
        int whole = 0;
        for (int c = 0; c < k; c++) {
            total += free[c];
            if (free[c] == Topology.MILLI_PER_CARD) {
                whole++;
            }
        }
        if (total == 0) {
            return 0;
        }
        double frag = 0;
        DemandProfile p = profile;
        for (int i = 0; i < p.weight.length; i++) {
            int unusable;
            if ((p.models[i] & (1L << t.model[node])) == 0) {
                continue;  // not a fragment: this node was never for that shape (scarcity is priced apart)
            }
            if (p.cpu[i] > cpuFree || p.memory[i] > memFree) {
                unusable = total;
            } else if (p.milli[i] < Topology.MILLI_PER_CARD) {
                unusable = 0;
                for (int c = 0; c < k; c++) {
                    if (free[c] < p.milli[i]) {
                        unusable += free[c];
                    }
                }
            } else if (whole < Math.min(p.gpus[i], k)) {
                unusable = total;
            } else {
                unusable = total - whole * Topology.MILLI_PER_CARD;
            }
            frag += p.weight[i] * unusable;
        }
        return frag;
    }

    @Override
    public String name() {
        return "default";
    }
}
