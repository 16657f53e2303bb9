package city.myriad.allocation;

/**
 * Myriad's default placement. A single-node job goes to the node where placing it increases the expected
 * fragmentation of the cluster least: fragmentation of a node is the share of its free milli-cards that the
 * expected next tasks that may run on its model (the learned {@link DemandProfile}) could not use, weighted by how
 * often each task shape arrives among them — the idea of Fragmentation Gradient Descent (Weng et al., USENIX ATC
 * '23), taken per model where jobs never end ({@link ShapeGroups#modelShare}). Ties (scores within half a
 * milli-card), frequent when the profile is young or nodes are alike, go to the node whose drain the job delays
 * least (its declared end past the latest declared end of what runs there; 0 where jobs never end), then to the
 * best fit (least free capacity left), which packs nodes instead of spreading; then to the lower node index. A gang
 * that spans nodes is placed topology-aware: inside one block, in as few racks as possible; a gang that may run on
 * several models goes first to the blocks of the models it costs least on (the same price per model as a
 * single-node job pays: see {@link #modelPrice}).
 *
 * <p>Where jobs never end, a single-node job also pays for the node's free cards its CPU takes beyond its own, in the
 * share of the demand that asks less CPU per card ({@link #cardsItsCpuTakes}).
 *
 * <p>Where jobs never end, a job free to run on several models also pays for the whole nodes it breaks, over the
 * demand still to come: the chance that the tasks needing a whole node will need this one ({@link WholeNodeSlots}).
 *
 * <p>Where jobs never end, a slice of a card also pays for the leftover share it leaves, by how many of the model's
 * cards already have that share free and how many have the share it fills ({@link SumOfSquares}).
 *
 * <p>A single-node job whose best placement would strand more free milli-cards (by the CPU or memory it takes from
 * beside them) than it takes itself is deferred ({@link PlacementResult.Reason#WOULD_STRAND_CARDS}), in the share of
 * jobs that never end: see {@link #placeWhereItPays}.
 */
public final class FragmentationAwarePolicy implements PlacementPolicy {

    /**
     * How much of a card stranded by CPU counts as lost: tasks of a shape vary, and some still fit where the
     * shape's CPU does not, so counting every such card as lost overstates the stranding. Chosen on 50 static
     * workloads (docs/allocation.md, 2026-12-01) together with the carry of {@link DemandProfile#cpuCarried} (then
     * 0.9 of the mean for every shape): the pair raised the mean of every mix; either alone, 0.7 or 0.5 for this
     * weight, or 0.8 for the carry, lowered some.
     */
    static final double STRANDED_WEIGHT = 0.8;

    private final DemandProfile profile = new DemandProfile(true);
    /** Planned waste owed to the slices placed so far and not yet counted on cards, in milli-cards. */
    private double plannedOwed;
    private final UntouchedNodes untouched = new UntouchedNodes();
    private final WholeNodeSlots wholeNodes = new WholeNodeSlots(profile);
    private double[] cachedFrag = new double[0];
    /** Per node: the part of {@link #cachedFrag} that the node's free CPU and memory strand. */
    private double[] cachedStranded = new double[0];
    /** The part of the last fragmentation computed that CPU and memory strand (a second result of the hot path). */
    private double lastStranded;
    private int[] cachedVersion = new int[0];
    private int cachedEpoch = -1;
    private int[] scratch = new int[0];
    /** The profile's shapes grouped for scoring, built once per profile epoch. */
    private ShapeGroups groups;
    /** Per group: the milli-cards of the node being scored that the group's shapes can use by their cards. */
    private long[] usableOfGroup = new long[0];
    /**
     * Per node and slot ({@code node * slots + slot}): the node's free milli-cards on cards with at least the
     * slot's slice free, as of {@link #cachedVersion}. A candidate placement changes a few cards, so the score after
     * it adjusts these for those cards instead of walking every card once per slot.
     */
    private long[] cachedSliceUsable = new long[0];
    private long[] afterSliceUsable = new long[0];

    @Override
    public void observe(Job job) {
        profile.observe(job);
    }

    public DemandProfile profile() {
        return profile;
    }

    @Override
    public PlacementResult place(ClusterState s, Job job) {
        PlacementResult.Rejected never = Gangs.neverFits(s.topology(), job);
        if (never != null) {
            return never;
        }
        if (!Gangs.singleNode(s.topology(), job)) {
            // A gang free to run on several models prices them as a single-node job does.
            return Gangs.topologyAware(s, job, modelPrice(s, job));
        }
        Topology t = s.topology();
        prepareCache(s);
        double[] price = modelPrice(s, job);
        double cpuTakesWeight = profile.endless * profile.lighterShare(job);
        int best = -1;
        double bestDelta = Double.MAX_VALUE;
        double bestStrandedMore = 0;
        long bestLeft = Long.MAX_VALUE;
        double bestDrainLater = Double.MAX_VALUE;
        untouched.startDecision(t);
        // Only a job free to run on several models pays for the whole nodes it breaks (design/whole-node-slots.md).
        boolean wholeNodesPriced = severalModels(t, job) && wholeNodes.startDecision(s);
        // A job that asks no card scores 0 or more everywhere (its CPU only lowers what a node's cards can be used by,
        // and it pays no model price): a node of no free cards where it fits scores 0 and leaves 0, and none after it
        // can be preferred. The scan stops there (the same node as the whole scan; in static packing these jobs made
        // most of the slowest decisions).
        boolean stopsAtNoCardLeft = job.totalMilli() == 0;
        // A slice where jobs never end pays for crowding its leftover share among the model's cards (SumOfSquares).
        boolean slicesPriced = job.fractional() && profile.endless > 0;
        // The candidate nodes a word at a time, in node order (ties go to the first).
        scan:
        for (int w = 0, words = s.words(); w < words; w++) {
            long bits = s.candidatesOnOneNode(job, w) & ~untouched.passed(s, w);
            while (bits != 0) {
                int n = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (!s.fitsOnNode(job, n) || untouched.skip(s, n)) {
                    continue;
                }
                if (s.untouched(n)) {
                    bits &= ~s.untouchedOfClass(t.nodeClass[n], w);  // they score as this one does
                }
                int[] cards = s.chooseCards(job, n);
                double before = fragmentation(s, n);  // refreshes the node's cached slice sums, which the after reads
                double delta = fragmentationAfter(s, n, job, cards) - before
                        + job.totalMilli() * price[t.model[n]]
                        + (cpuTakesWeight == 0 ? 0 : cpuTakesWeight * cardsItsCpuTakes(s, n, job))
                        + (wholeNodesPriced ? wholeNodes.price(s, n, job.gpus(), wholeIn(scratch, t.cards[n]),
                                s.cpuFree(n) - job.cpuMilli(), s.memoryFree(n) - job.memoryMib()) : 0)
                        + (slicesPriced ? profile.endless * SumOfSquares.price(s, t.model[n],
                                s.unplannedFreeOn(n, cards[0]), job.gpuMilli()) : 0);
                double strandedMore = lastStranded - cachedStranded[n];
                long left = s.freeMilli(n) - job.totalMilli();
                double drainLater = drainLater(s, n, job);
                // Deltas within a milli-card are ties: the node whose drain the job delays least, then best fit.
                // Drains within a second of each other are ties too.
                if (delta < bestDelta - 0.5 || (Math.abs(delta - bestDelta) <= 0.5 && (drainLater < bestDrainLater - 1
                        || (Math.abs(drainLater - bestDrainLater) <= 1 && left < bestLeft)))) {
                    best = n;
                    bestDelta = delta;
                    bestStrandedMore = strandedMore;
                    bestLeft = left;
                    bestDrainLater = drainLater;
                    if (stopsAtNoCardLeft && bestDelta <= 0.5 && bestLeft == 0 && bestDrainLater <= 1) {
                        break scan;
                    }
                }
            }
        }
        if (best < 0) {
            return Gangs.deferred(s, job);
        }
        return placeWhereItPays(s, job, best, bestStrandedMore);
    }

    /**
     * After a slice is placed where work never ends, the planned waste it brings is booked on the model's cards
     * ({@link #planWaste}): here, once the slice holds its card, and never for a placement that was only tried.
     */
    @Override
    public void allocated(ClusterState s, Placement p) {
        if (p.job().fractional() && profile.endless > 0) {
            planWaste(s, s.topology().model[p.nodes()[0]]);
        }
    }

    /** Whole cards among these free milli-cards ({@link #fragmentationAfter} leaves the node's in the scratch). */
    private static int wholeIn(int[] free, int k) {
        int whole = 0;
        for (int c = 0; c < k; c++) {
            if (free[c] == Topology.MILLI_PER_CARD) {
                whole++;
            }
        }
        return whole;
    }

    /**
     * How much later the node drains if the job starts there now: the seconds its declared end lies past the latest
     * declared end of what runs there ({@link ClusterState#drainsAt}; on an idle node, its whole run time). Among
     * nodes that score alike, the job goes where it delays the drain least: short jobs fill the gaps beside long
     * ones, and the nodes of short jobs free whole soon, for the jobs that need a whole node (a blocked wide job's
     * reservation takes the node that frees first). 0 where jobs never end or no decision time is set (static
     * packing), so there nothing changes: design/drain-aware-ties.md.
     */
    private static double drainLater(ClusterState s, int node, Job job) {
        double now = s.decidingAt();
        if (Double.isNaN(now) || Double.isInfinite(job.durationS())) {
            return 0;
        }
        return Math.max(0, now + job.durationS() - Math.max(now, s.drainsAt(node)));
    }

    /**
     * The node's free milli-cards that the job's CPU takes beyond its own cards, at the node's free CPU per free
     * milli-card now: a job of 8 cores on a node with 2 free cards and 8 free cores takes its card and the other
     * card's CPU. Where jobs never end, those cards are left to tasks that ask (next to) no CPU. The score counts
     * them in the share of jobs that never end ({@link DemandProfile#endless}) times the share of the demand that
     * asks less CPU per card than this job ({@link DemandProfile#lighterShare}): the tasks that could have used
     * those cards with the CPU the job takes. A node with CPU to spare for its free cards costs nothing; on nodes
     * short of CPU, the CPU-heavier of two jobs goes elsewhere and leaves the node to the lighter ones. Where every
     * job asks the same CPU per card, no demand is lighter and the term is zero. It is in milli-cards, the score's
     * unit: no fitted constant. Measured on the 97 static workloads of docs/allocation.md (2026-12-02): 148 of the
     * 194 figures up, 19 down; below max(FGD, best fit) 15 instead of 25 (the training mix at 130% arrived: 3 of 13
     * instead of 13), none newly below. The frequency-weighted per-shape count of stranded cards ({@link
     * #STRANDED_WEIGHT}) sees this too, but in whole tasks of each shape's mean CPU: a job of moderate CPU on a node
     * short of it can lower that count (the shapes that could not fit before shrink with the free cards) while it
     * takes the CPU the lighter tasks would have used its remaining cards with.
     */
    private static double cardsItsCpuTakes(ClusterState s, int node, Job job) {
        long free = s.freeMilli(node);
        long cpuFree = s.cpuFree(node);
        if (job.cpuMilli() == 0 || free == 0) {
            return 0;
        }
        double takes = cpuFree <= 0 ? free : Math.min(free, (double) job.cpuMilli() * free / cpuFree);
        return Math.max(0, takes - job.totalMilli());
    }

    /**
     * The job goes to its best node unless even there it would cost more than it gives: the CPU and memory it takes
     * leave {@code strandedMore} more of the node's free milli-cards beyond what the expected tasks could use (cards
     * with nobody's CPU beside them), and, counted in the share of jobs that never end ({@link
     * DemandProfile#endless}), that is more than the milli-cards it takes. Then it is deferred: where jobs never end
     * those cards are lost for good, so placing it lowers what the cluster can still allocate; where every job ends
     * (the service: each declares a maximum run time) they come back within a run time and no job is held back. A
     * job that asks no card (CPU only) is placed only where it strands none, as GPU clusters keep CPU work off GPU
     * nodes. The break-even point, not a fitted constant; measured on the 88 static workloads of docs/allocation.md
     * (2026-12-02): deferring at 1.25, 1.5 or 2 times the job's milli-cards left more figures below FGD or best fit
     * (24, 31, 33 of 176 against 22), at 0.5 or 0.6 times too (29); at 0.75 or 0.9 as many (22), but lower at 100%
     * arrived on most mixes for gains at 130%; counting every fragment a placement adds, not only the stranded ones,
     * left 24 (and refused a slice that breaks a whole card).
     */
    private PlacementResult placeWhereItPays(ClusterState s, Job job, int node, double strandedMore) {
        if (strandedMore * profile.endless > job.totalMilli()) {
            return new PlacementResult.Deferred(PlacementResult.Reason.WOULD_STRAND_CARDS);
        }
        return Gangs.onNode(s, job, node);
    }

    /**
     * For a job that may run on several models, the price of a milli-card of each model, in milli-cards; zero for a
     * job of one model (it has no choice to make). Two parts:
     * <ul>
     * <li>scarcity: the demand bound to the model over its free capacity (demand share × all free / its free).
     * Taking a card of a model that bound demand needs costs more than taking one of a model in surplus;</li>
     * <li>the cards the job's CPU and memory strand on the model: each model has its own CPU and memory per card,
     * and a job asking more of them than its cards' share ({@link Topology#besideCardsOfModel}) leaves that many
     * more of the model's cards without CPU or memory in the end, in the share of jobs that never end (where jobs
     * end, it comes back). The per-node fragmentation sees this only on the node, against the expected shapes;
     * this part sees it over the model: a CPU-heavy job goes to the model with CPU to spare per card.</li>
     * </ul>
     * Measured on the 88 static workloads of docs/allocation.md (2026-12-02): the stranding part raised 140 of the
     * 176 figures (0.40 points on average, up to 2.39), lowered 17 (the training mix at 100% arrived up to 0.15).
     */
    private double[] modelPrice(ClusterState s, Job job) {
        Topology t = s.topology();
        int models = t.models.size();
        double[] price = new double[Math.max(1, models)];
        if (job.totalMilli() == 0 || !severalModels(t, job)) {
            return price;
        }
        long allFree = 0;
        for (int m = 0; m < models; m++) {
            allFree += s.freeMilliOfModel(m);
        }
        double milli = job.totalMilli();
        for (int m = 0; m < models; m++) {
            double stranded = Math.max(0, t.besideCardsOfModel(m, job.cpuMilli(), job.memoryMib()) - milli);
            price[m] = profile.boundShare(m) * allFree / Math.max(1.0, s.freeMilliOfModel(m))
                    + profile.endless * stranded / milli;
        }
        return price;
    }

    /** Whether the job may run on more than one of the cluster's models. */
    private static boolean severalModels(Topology t, Job job) {
        int models = t.models.size();
        return Long.bitCount(job.allowedModels() & ((1L << models) - 1 | (models == 64 ? -1L : 0))) > 1;
    }

    private void prepareCache(ClusterState s) {
        int n = s.topology().nodes();
        if (cachedFrag.length != n || cachedEpoch != profile.epoch()) {
            cachedFrag = new double[n];
            cachedStranded = new double[n];
            cachedVersion = new int[n];
            java.util.Arrays.fill(cachedVersion, -1);
            cachedEpoch = profile.epoch();
            groups = new ShapeGroups(s.topology(), profile);
            usableOfGroup = new long[groups.count()];
            int slots = groups.slots();
            if (cachedSliceUsable.length < n * slots) {
                cachedSliceUsable = new long[n * slots];  // else reused: every node's row is rewritten before it is read
            }
            afterSliceUsable = new long[slots];
            int maxCards = 0;
            for (int i = 0; i < n; i++) {
                maxCards = Math.max(maxCards, s.topology().cards[i]);
            }
            if (scratch.length < maxCards) {
                scratch = new int[maxCards];
            }
        }
    }

    /** Expected unusable free milli-cards of the node as it is (cached per node version and profile epoch). */
    double fragmentation(ClusterState s, int node) {
        if (cachedVersion[node] != s.version(node)) {
            int k = s.topology().cards[node];
            s.copyFreeOf(node, scratch);
            int[] sliceMilli = groups.sliceMilli;
            int slots = sliceMilli.length;
            for (int j = 0; j < slots; j++) {
                long usable = 0;
                for (int c = 0; c < k; c++) {
                    if (scratch[c] >= sliceMilli[j]) {
                        usable += scratch[c];
                    }
                }
                cachedSliceUsable[node * slots + j] = usable;
            }
            cachedFrag[node] = fragmentation(s.topology(), node, scratch, k, s.cpuFree(node), s.memoryFree(node),
                    cachedSliceUsable, node * slots);
            cachedStranded[node] = lastStranded;
            cachedVersion[node] = s.version(node);
        }
        return cachedFrag[node];
    }

    /** The same after placing the job on these cards; the node's cached slice sums must be current. */
    private double fragmentationAfter(ClusterState s, int node, Job job, int[] cards) {
        int k = s.topology().cards[node];
        s.copyFreeOf(node, scratch);
        int[] sliceMilli = groups.sliceMilli;
        int slots = sliceMilli.length;
        System.arraycopy(cachedSliceUsable, node * slots, afterSliceUsable, 0, slots);
        for (int c : cards) {
            int was = scratch[c];
            int now = was - job.gpuMilli();
            scratch[c] = now;
            for (int j = 0; j < slots; j++) {
                int m = sliceMilli[j];
                afterSliceUsable[j] += (now >= m ? now : 0) - (was >= m ? was : 0);
            }
        }
        return fragmentation(s.topology(), node, scratch, k, s.cpuFree(node) - job.cpuMilli(),
                s.memoryFree(node) - job.memoryMib(), afterSliceUsable, 0);
    }

    /**
     * The weighted sum over the task shapes that may run on the node's model of the free milli-cards a task of that
     * shape could not use on this node, over their weight where jobs never end ({@link ShapeGroups#modelShare}); the
     * shapes of other models are no fragments here (the node was never for them). All of them if the task cannot run
     * there at all (CPU, memory, too few whole cards, or fewer cards on the node than a task that must stay on one
     * node needs). Otherwise the free shares of the cards too small for it, and beyond those what the node's free CPU
     * and memory cannot carry: a node with three free cards and CPU for one more task of the shape holds two cards
     * that shape cannot use while the CPU stays taken. That part
     * counts in the share of jobs that never end (see docs/design/cpu-stranding.md): CPU held by a job that ends
     * comes back, and then keeping whole nodes for whole-node jobs matters more. Shapes larger than any node
     * (gangs) take a node's cards with CPU and memory in proportion.
     */
    private double fragmentation(Topology t, int node, int[] free, int k, long cpuFree, long memFree,
            long[] sliceUsable, int slotOffset) {
        int total = 0;
        int whole = 0;
        for (int c = 0; c < k; c++) {
            total += free[c];
            if (free[c] == Topology.MILLI_PER_CARD) {
                whole++;
            }
        }
        if (total == 0) {
            lastStranded = 0;
            return 0;
        }
        ShapeGroups sg = groups;
        int slots = sg.slots();
        System.arraycopy(sliceUsable, slotOffset, usableOfGroup, 0, slots);
        for (int g = 0; g < sg.wholeCards.length; g++) {
            usableOfGroup[slots + g] = wholeCardsUsable(sg.wholeCards[g], sg.wholeOneNode[g], k, whole);
        }
        // Σ over the model's shapes of weight × (total − usable): total × their weight, less what each uses. The
        // shapes of another model are no fragments here (this node was never for them; scarcity is priced apart).
        int model = t.model[node];
        int groups = usableOfGroup.length;
        double frag = total * sg.modelWeight[model];
        double stranded = 0;
        DemandProfile p = profile;
        for (int g = 0; g < groups; g++) {
            long byCards = usableOfGroup[g];
            int row = model * groups + g;
            if (byCards == 0 || sg.weight[row] == 0) {
                continue;  // they use none of it
            }
            if (sg.serves(row, byCards, cpuFree, memFree, p.endless)) {
                frag -= sg.weight[row] * byCards;
                continue;
            }
            for (int j = sg.start[row], end = sg.start[row + 1]; j < end; j++) {
                int i = sg.shapes[j];
                long usable = p.cpu[i] > cpuFree || p.memory[i] > memFree ? 0 : byCards;
                if (usable > 0 && p.endless > 0 && !carriesAll(p, i, usable, cpuFree, memFree)) {
                    long carried = carried(p, i, k, cpuFree, memFree);
                    if (carried < usable) {
                        usable -= (long) (STRANDED_WEIGHT * p.endless * (usable - carried));
                    }
                }
                frag -= p.weight[i] * usable;
                stranded += p.weight[i] * (byCards - usable);
            }
        }
        double share = sg.modelShare[model];
        if (share > 0) {
            frag /= share;
            stranded /= share;
        }
        lastStranded = stranded;
        return frag;
    }

    /**
     * The free milli-cards of a node a task of {@code gpus} whole cards can use by its cards alone: its whole cards,
     * unless it needs more of them (or more cards than the node has, if it must stay on one node).
     */
    private static long wholeCardsUsable(int gpus, boolean oneNode, int k, int whole) {
        if ((gpus > k && oneNode) || whole < Math.min(gpus, k)) {
            return 0;
        }
        return (long) whole * Topology.MILLI_PER_CARD;
    }

    /**
     * Whether the node's free CPU and memory surely carry tasks of shape {@code i} for all these milli-cards: room for
     * one task more than they make up, checked in products (a node evaluation asks this of every shape, and the
     * divisions of {@link #carried} are the hot path's cost). When it holds, {@link #carried} would be at least
     * {@code usable}; when it does not, that answers.
     */
    static boolean carriesAll(DemandProfile p, int i, long usable, long cpuFree, long memFree) {
        long task = (long) p.gpus[i] * p.milli[i];
        long tasksPlusOne = usable + task;  // (tasks + 1) × task milli-cards, at least
        return (p.cpu[i] <= 0 || cpuFree * task >= tasksPlusOne * Math.max(1, p.cpuCarried[i]))
                && (p.memory[i] <= 0 || memFree * task >= tasksPlusOne * p.memory[i]);
    }

    /** The milli-cards of tasks of shape {@code i} that the node's free CPU and memory can carry. */
    static long carried(DemandProfile p, int i, int k, long cpuFree, long memFree) {
        double tasks = Double.MAX_VALUE;
        if (p.cpu[i] > 0) {
            tasks = cpuFree / (double) Math.max(1, p.cpuCarried[i]);
        }
        if (p.memory[i] > 0) {
            tasks = Math.min(tasks, (double) memFree / p.memory[i]);
        }
        if (tasks == Double.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        // A task on one node runs whole or not at all; a gang's part on this node takes CPU per card.
        double carriedTasks = p.gpus[i] > k ? tasks : Math.floor(tasks);
        return (long) (carriedTasks * p.gpus[i] * p.milli[i]);
    }

    @Override
    public String name() {
        return "default";
    }

    /**
     * After a slice is placed where work never ends: the planned waste it brings ({@link DemandProfile#plannedWaste},
     * in the share of such work) counted on the model's cards in the slices' unit, as the sum-of-squares rule would
     * place imaginary items of that size.
     */
    private void planWaste(ClusterState s, int model) {
        plannedOwed += profile.endless * profile.plannedWaste;
        int unit = profile.sliceUnit;
        while (plannedOwed >= unit) {
            plannedOwed -= unit;
            if (!SumOfSquares.planWaste(s, model, unit)) {
                plannedOwed = 0;  // no card has room for it: nothing is owed once the cards are full
                return;
            }
        }
    }
}
