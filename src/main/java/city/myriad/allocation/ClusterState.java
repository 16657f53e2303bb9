package city.myriad.allocation;

import java.util.Arrays;

/**
 * What is free on a cluster right now: milli-cards per card, CPU and memory per node, and per node the count of
 * wholly free cards. Mutated only through {@link #allocate} and {@link #release}, which keep the invariant that
 * nothing is ever allocated beyond capacity (they throw on a violation: that is a bug, not an outcome).
 */
public final class ClusterState {

    private final Topology topology;
    private final int[] free;
    /** Per node: how many times a job was placed on it or left it. */
    private final long[] allocations;
    /** Scratch for one node's what-if (a node's free shares with some jobs released). */
    private int[] whatIf = new int[0];
    private final long[] cpuFree;
    private final long[] memFree;
    private final int[] wholeFree;
    private final int[] freeMilli;
    /** Bumped on every change of a node, so that scores cached per node know when they are stale. */
    private final int[] version;
    /** Per node: the tenant holding it (a reservation), or Reservations.NONE. */
    private final int[] heldBy;
    /**
     * Per node: the tenant of the reservation that will hold it from nextHoldFromS, Reservations.MAINTENANCE, or
     * Reservations.NONE.
     */
    private final int[] nextHolder;
    private final double[] nextHoldFromS;
    /** Whether any node is kept for a reservation to come: only then does a job's run time decide where it may go. */
    private boolean anyNextHold;
    /** The tenants that hold at least one node. */
    private final java.util.Set<Integer> holders = new java.util.HashSet<>();
    /** How many of the latest node changes {@link #changedNode} recalls (a power of two). */
    public static final int CHANGE_LOG = 4096;
    private final int[] changedNodes = new int[CHANGE_LOG];
    private long changes;
    /** Per card model: free milli-cards over all nodes of that model. */
    private final long[] freeMilliOfModel;
    /** Per card model: how many nodes have w wholly free cards, for every w (a histogram: max in O(cards)). */
    private final int[][] nodesByWholeFree;
    /** Per card model: how many cards have a free share in each tenth (0-99, 100-199, ..., 1000). */
    private final int[][] cardsByFreeTenth;
    /**
     * Per card: the part of its free share counted as planned waste (the share an optimal packing of the expected
     * slices leaves empty, {@link SumOfSquares}), at most its free share; and per card model, how many cards have
     * exactly m milli-cards free beyond that, for every m from 0 to 1000: the counts the sum-of-squares rule reads.
     * Without planned waste these are the cards by free share.
     */
    private final int[] planned;
    private final int[][] cardsByUnplannedFree;
    /**
     * Per card model, one bit per node (in node order): set while the node has a free share of some card. The
     * policies walk these instead of every node: on a busy cluster most nodes have nothing free.
     */
    private final long[][] nodesWithFree;
    /** The same bits for all models at once (a node has one model), and the mask of all models: most jobs allow any. */
    private final long[] nodesWithFreeAny;
    private final long allModels;
    /** Per card model: wholly free cards over all nodes of that model. */
    private final long[] wholeFreeOfModel;
    /**
     * For every k from 1 to the most cards of a node, one bit per node: set while the node has at least k wholly
     * free cards. A job of k whole cards on one node walks these: most nodes with a free card have too few.
     */
    private final long[][] wholeAtLeast;
    /**
     * Per node class, one bit per node: set while nothing runs on the node ({@link #untouched}). Untouched nodes of
     * one class score alike, so a decision passes over all but the first (see UntouchedNodes) a word at a time.
     */
    private final long[][] untouchedOfClass;
    private long allocatedMilli;
    /** The declared ends of what runs on each node ({@link #drainsAt}). */
    private final NodeEnds ends;
    private double decidingAtS = Double.NaN;

    public ClusterState(Topology topology) {
        this.topology = topology;
        this.ends = new NodeEnds(topology.nodes());
        this.allocations = new long[topology.nodes()];
        int n = topology.nodes();
        free = new int[topology.totalCards()];
        Arrays.fill(free, Topology.MILLI_PER_CARD);
        cpuFree = topology.cpu.clone();
        memFree = topology.memory.clone();
        wholeFree = topology.cards.clone();
        freeMilli = new int[n];
        for (int i = 0; i < n; i++) {
            freeMilli[i] = topology.cards[i] * Topology.MILLI_PER_CARD;
        }
        version = new int[n];
        heldBy = new int[n];
        Arrays.fill(heldBy, Reservations.NONE);
        nextHolder = new int[n];
        Arrays.fill(nextHolder, Reservations.NONE);
        nextHoldFromS = new double[n];
        Arrays.fill(nextHoldFromS, Double.POSITIVE_INFINITY);
        int models = Math.max(1, topology.models.size());
        freeMilliOfModel = new long[models];
        int maxCards = 0;
        for (int i = 0; i < n; i++) {
            maxCards = Math.max(maxCards, topology.cards[i]);
        }
        nodesByWholeFree = new int[models][maxCards + 1];
        cardsByFreeTenth = new int[models][11];
        cardsByUnplannedFree = new int[models][Topology.MILLI_PER_CARD + 1];
        planned = new int[topology.totalCards()];
        nodesWithFree = new long[models][(n + 63) >>> 6];
        nodesWithFreeAny = new long[(n + 63) >>> 6];
        allModels = models >= 64 ? -1L : (1L << models) - 1;
        wholeFreeOfModel = new long[models];
        wholeAtLeast = new long[maxCards + 1][(n + 63) >>> 6];
        untouchedOfClass = new long[topology.nodeClasses][(n + 63) >>> 6];
        for (int i = 0; i < n; i++) {
            untouchedOfClass[topology.nodeClass[i]][i >>> 6] |= 1L << i;
            for (int k = 1; k <= wholeFree[i]; k++) {
                wholeAtLeast[k][i >>> 6] |= 1L << i;
            }
            if (topology.cards[i] == 0) {
                continue;
            }
            nodesWithFree[topology.model[i]][i >>> 6] |= 1L << i;
            nodesWithFreeAny[i >>> 6] |= 1L << i;
            wholeFreeOfModel[topology.model[i]] += topology.cards[i];
            freeMilliOfModel[topology.model[i]] += freeMilli[i];
            nodesByWholeFree[topology.model[i]][wholeFree[i]]++;
            cardsByFreeTenth[topology.model[i]][10] += topology.cards[i];
            cardsByUnplannedFree[topology.model[i]][Topology.MILLI_PER_CARD] += topology.cards[i];
        }
    }

    /** The most wholly free cards on one node of this model (0 if none). */
    public int maxWholeFree(int model) {
        int[] h = nodesByWholeFree[model];
        for (int w = h.length - 1; w > 0; w--) {
            if (h[w] > 0) {
                return w;
            }
        }
        return 0;
    }

    /** Whether some card of this model may have {@code milli} free (exact to the tenth; an upper bound). */
    public boolean mayHaveCardWith(int model, int milli) {
        int[] h = cardsByFreeTenth[model];
        for (int b = milli / 100; b <= 10; b++) {
            if (h[b] > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * The first node at or after {@code from} that the job could use by its cards: for a job with cards, a node of
     * an allowed model with a free share of some card; for a CPU-only job, any node. -1 when there is none. Walking
     * these visits, in node order, every node where the job might fit (and maybe some where it does not).
     */
    public int nextCandidate(Job job, int from) {
        if (job.gpus() == 0) {
            return from < topology.nodes() ? from : -1;
        }
        return nextNodeWithFree(job.allowedModels(), from);
    }

    /** The first node at or after {@code from} of an allowed model with a free share of some card, or -1. */
    public int nextNodeWithFree(long allowed, int from) {
        int n = topology.nodes();
        if (from >= n) {
            return -1;
        }
        int word = from >>> 6;
        long bits = union(allowed, word) & (-1L << (from & 63));
        while (true) {
            if (bits != 0) {
                int node = (word << 6) + Long.numberOfTrailingZeros(bits);
                return node < n ? node : -1;
            }
            if (++word >= nodesWithFree[0].length) {
                return -1;
            }
            bits = union(allowed, word);
        }
    }

    /** How many 64-node words the bit sets of nodes have (node n is bit n % 64 of word n / 64). */
    public int words() {
        return nodesWithFreeAny.length;
    }

    /**
     * The nodes of one word where a single-node job could fit by its cards: of an allowed model with at least its
     * cards wholly free (a whole-card job), with a free share of some card (a slice), or any node (a CPU-only
     * job). A superset: the caller still checks {@link #fitsOnNode}.
     */
    public long candidatesOnOneNode(Job job, int word) {
        if (job.gpus() == 0) {
            int n = topology.nodes();
            return word < (n >>> 6) ? -1L : (1L << (n & 63)) - 1;
        }
        long bits = union(job.allowedModels(), word);
        if (job.fractional()) {
            return bits;
        }
        return job.gpus() < wholeAtLeast.length ? bits & wholeAtLeast[job.gpus()][word] : 0;
    }

    /** The untouched nodes of a node class in one word (see {@link #untouched}). */
    long untouchedOfClass(int nodeClass, int word) {
        return untouchedOfClass[nodeClass][word];
    }

    private long union(long allowedModels, int word) {
        if ((allowedModels & allModels) == allModels) {
            return nodesWithFreeAny[word];
        }
        long bits = 0;
        for (int m = 0; m < nodesWithFree.length; m++) {
            if ((allowedModels & (1L << m)) != 0) {
                bits |= nodesWithFree[m][word];
            }
        }
        return bits;
    }

    public Topology topology() {
        return topology;
    }

    public int freeOn(int node, int card) {
        return free[topology.cardOffset[node] + card];
    }

    /** Free milli-cards of the node, over all its cards. */
    public int freeMilli(int node) {
        return freeMilli[node];
    }

    /** How many cards of the model have exactly {@code milli} milli-cards free beyond their planned waste. */
    public int cardsWithUnplannedFree(int model, int milli) {
        return cardsByUnplannedFree[model][milli];
    }

    /** The card's free milli-cards beyond its planned waste. */
    public int unplannedFreeOn(int node, int card) {
        int i = topology.cardOffset[node] + card;
        return free[i] - planned[i];
    }

    /**
     * Counts {@code milli} more of a card of the model whose unplanned free share is {@code share} as planned waste
     * (the first such card in node order); false if no card has that share. It changes no free share: only what
     * the sum-of-squares rule reads.
     */
    boolean planWaste(int model, int share, int milli) {
        if (milli <= 0 || milli > share || cardsByUnplannedFree[model][share] == 0) {
            return false;
        }
        for (int n = 0; n < topology.nodes(); n++) {
            if (topology.model[n] != model) {
                continue;
            }
            int off = topology.cardOffset[n];
            for (int c = 0; c < topology.cards[n]; c++) {
                if (free[off + c] - planned[off + c] == share) {
                    cardsByUnplannedFree[model][share]--;
                    planned[off + c] += milli;
                    cardsByUnplannedFree[model][share - milli]++;
                    return true;
                }
            }
        }
        throw new IllegalStateException("no card of model " + model + " with " + share + " unplanned free milli-cards");
    }

    /** Free milli-cards over all nodes of a card model. */
    public long freeMilliOfModel(int model) {
        return freeMilliOfModel[model];
    }

    /** Changes whenever a job is placed on the node or leaves it (not when it is held or let go). */
    public long allocations(int node) {
        return allocations[node];
    }

    /**
     * How many times a node's free cards, CPU or memory changed since the cluster was made. With {@link #changedNode}
     * a reader that keeps totals over the nodes re-reads only the nodes changed since its last look, if it looks
     * again within {@link #CHANGE_LOG} changes (else it reads them all).
     */
    public long changes() {
        return changes;
    }

    /** The node of the i-th change (0-based), for {@code changes() - CHANGE_LOG <= i < changes()}. */
    public int changedNode(long i) {
        return changedNodes[(int) (i & (CHANGE_LOG - 1))];
    }

    /** Changes each time the node's free cards, CPU or memory change: what a cache of a per-node score keys on. */
    public int version(int node) {
        return version[node];
    }

    /** The free milli-cards of each card of the node, copied into the start of {@code into}. */
    public void copyFreeOf(int node, int[] into) {
        System.arraycopy(free, topology.cardOffset[node], into, 0, topology.cards[node]);
    }

    public int wholeFree(int node) {
        return wholeFree[node];
    }

    public long cpuFree(int node) {
        return cpuFree[node];
    }

    public long memoryFree(int node) {
        return memFree[node];
    }

    /** Wholly free cards over all nodes of a card model. */
    public long wholeFreeOfModel(int model) {
        return wholeFreeOfModel[model];
    }

    public long allocatedMilli() {
        return allocatedMilli;
    }

    /** Allocated milli-cards / all milli-cards of the cluster. */
    public double allocationRatio() {
        return topology.totalCards() == 0 ? 0 : allocatedMilli / (topology.totalCards() * 1000.0);
    }

    /**
     * Takes the current reservations: from now on a held node takes only its holder's jobs, and a node kept for a
     * reservation to come takes other tenants' non-preemptible jobs only if they end before it begins.
     */
    public void applyReservations(Reservations reservations) {
        holders.clear();
        anyNextHold = false;
        for (int n = 0; n < heldBy.length; n++) {
            int holder = reservations.holder(n);
            if (holder >= 0) {
                holders.add(holder);
            }
            int next = reservations.nextHolder(n);
            // A tenant's reservation to come, or maintenance (Reservations.MAINTENANCE): either way a job's run time
            // decides whether it may use the node.
            double fromS = next != Reservations.NONE ? reservations.nextHoldFromS(n) : Double.POSITIVE_INFINITY;
            anyNextHold |= next != Reservations.NONE;
            if (holder != heldBy[n] || next != nextHolder[n] || fromS != nextHoldFromS[n]) {
                heldBy[n] = holder;
                nextHolder[n] = next;
                nextHoldFromS[n] = fromS;
                version[n]++;
            }
        }
    }

    /** The holder of a node kept for the queue's head job: no job may use it while the hold lasts. */
    static final int HELD_FOR_HEAD = -2;

    /** What a hold replaced, to put back when it is lifted. */
    public record Hold(int node, int previousHolder) {}

    /**
     * Keeps a node for the reservation of the queue's head job: while held, no job may be placed on it, so that a
     * job backfilled past the head's reserved start cannot take the cards the head will need. Undo with
     * {@link #lift}.
     */
    public Hold holdForHead(int node) {
        Hold h = new Hold(node, heldBy[node]);
        heldBy[node] = HELD_FOR_HEAD;
        version[node]++;
        return h;
    }

    public void lift(Hold hold) {
        heldBy[hold.node()] = hold.previousHolder();
        version[hold.node()]++;
    }

    /** Whether nothing runs on the node: all its cards, CPU and memory are free. */
    public boolean untouched(int node) {
        return freeMilli[node] == topology.cards[node] * Topology.MILLI_PER_CARD && cpuFree[node] == topology.cpu[node]
                && memFree[node] == topology.memory[node];
    }

    /**
     * Whether the job may use this node: it is held by nobody, or by the job's tenant; a node held for a tenant also
     * takes other tenants' preemptible jobs while its cards are idle (its holder reclaims them at once, see
     * {@link Scheduler}). A node out of service or kept for the queue's head takes nothing. A node kept for another
     * tenant's reservation to come takes a non-preemptible job only if, placed now ({@link #decidingAt}), it is
     * declared to end by the time that reservation begins (a job preemptible is reclaimed then); so does a node whose
     * maintenance is to come ({@link Reservations#MAINTENANCE}: no tenant's).
     */
    public boolean mayUse(Job job, int node) {
        if (!mayUseNow(job, node)) {
            return false;
        }
        int next = nextHolder[node];
        return next == Reservations.NONE || next == job.tenant() || job.preemptible()
                || decidingAtS + job.durationS() <= nextHoldFromS[node];
    }

    /**
     * Whether the node's hold now lets the job use it: nobody's, the job's tenant's, or another tenant's to a
     * preemptible job.
     */
    private boolean mayUseNow(Job job, int node) {
        int holder = heldBy[node];
        return holder == Reservations.NONE || holder == job.tenant() || (holder >= 0 && job.preemptible());
    }

    /**
     * Whether a maintenance window to come is what keeps the job off this node now ({@link Reservations#MAINTENANCE}):
     * the node's hold now lets it in, but the job is not preemptible and, placed now, is declared to run past the
     * window's start. Its free cards are not looked at ({@link #fitsFree}).
     */
    public boolean keptForMaintenance(Job job, int node) {
        return nextHolder[node] == Reservations.MAINTENANCE && !job.preemptible()
                && decidingAtS + job.durationS() > nextHoldFromS[node] && mayUseNow(job, node);
    }

    /** Whether the whole job fits in the node's free cards, CPU and memory, whatever holds the node. */
    public boolean fitsFree(Job job, int node) {
        if (job.cpuMilli() > cpuFree[node] || job.memoryMib() > memFree[node]) {
            return false;
        }
        return fitsFreeCards(job, node);
    }

    /**
     * Whether any tenant holds a node now or will hold one: only then does the tenant of a job decide which nodes
     * it may use.
     */
    public boolean heldForTenants() {
        return !holders.isEmpty() || anyNextHold;
    }

    /** Whether a node is kept for a reservation to come: only then does a job's run time decide where it may go. */
    public boolean nextHoldsKept() {
        return anyNextHold;
    }

    /** Whether the tenant holds any node now. */
    public boolean holdsAny(int tenant) {
        return holders.contains(tenant);
    }

    /** The tenant holding the node, or a negative value (nobody, out of service, kept for the head). */
    public int holder(int node) {
        return heldBy[node];
    }

    /** Whether the whole job fits on this one node now. */
    public boolean fitsOnNode(Job job, int node) {
        if (job.cpuMilli() > cpuFree[node] || job.memoryMib() > memFree[node] || !mayUse(job, node)) {
            return false;
        }
        return fitsFreeCards(job, node);
    }

    private boolean fitsFreeCards(Job job, int node) {
        if (job.gpus() == 0) {
            return true;
        }
        if (topology.cards[node] == 0 || !job.allows(topology.model[node])) {
            return false;
        }
        if (job.fractional()) {
            int off = topology.cardOffset[node];
            for (int c = 0; c < topology.cards[node]; c++) {
                if (free[off + c] >= job.gpuMilli()) {
                    return true;
                }
            }
            return false;
        }
        return wholeFree[node] >= job.gpus();
    }

    /**
     * Whether the job would fit on this node if these placements released their share of it: a what-if on one
     * node, without copying the cluster.
     */
    public boolean fitsOnNodeAfterReleasing(Job job, int node, java.util.List<Placement> released) {
        long cpu = cpuFree[node];
        long mem = memFree[node];
        int k = topology.cards[node];
        int[] f = whatIf(node);
        for (Placement p : released) {
            for (int i = 0; i < p.nodes().length; i++) {
                if (p.nodes()[i] != node) {
                    continue;
                }
                for (int c : p.cards()[i]) {
                    f[c] += p.milli();
                }
                cpu += p.cpu()[i];
                mem += p.memory()[i];
            }
        }
        return fitsWith(job, node, f, k, cpu, mem);
    }

    /**
     * The same what-if with the released shares added up already: per card of the cluster ({@code cardMilli}, by
     * the topology's card offsets) and the node's CPU and memory.
     */
    public boolean fitsOnNodeAfterReleasing(Job job, int node, int[] cardMilli, long cpu, long memory) {
        int k = topology.cards[node];
        int off = topology.cardOffset[node];
        int[] f = whatIf(node);
        for (int c = 0; c < k; c++) {
            f[c] += cardMilli[off + c];
        }
        return fitsWith(job, node, f, k, cpuFree[node] + cpu, memFree[node] + memory);
    }

    /** The node's free shares per card, in a buffer the next what-if reuses. */
    private int[] whatIf(int node) {
        int k = topology.cards[node];
        if (whatIf.length < k) {
            whatIf = new int[k];
        }
        System.arraycopy(free, topology.cardOffset[node], whatIf, 0, k);
        return whatIf;
    }

    private boolean fitsWith(Job job, int node, int[] f, int k, long cpu, long mem) {
        if (job.cpuMilli() > cpu || job.memoryMib() > mem || !mayUse(job, node)) {
            return false;
        }
        if (job.gpus() == 0) {
            return true;
        }
        if (k == 0 || !job.allows(topology.model[node])) {
            return false;
        }
        int whole = 0;
        for (int c = 0; c < k; c++) {
            if (job.fractional() && f[c] >= job.gpuMilli()) {
                return true;
            }
            if (f[c] == Topology.MILLI_PER_CARD) {
                whole++;
            }
        }
        return !job.fractional() && whole >= job.gpus();
    }

    /**
     * The cards the job would take on this node: for a fractional job the card with the least free share that
     * still fits (best fit within the node); for whole cards the first wholly free ones.
     */
    public int[] chooseCards(Job job, int node) {
        int off = topology.cardOffset[node];
        if (job.gpus() == 0) {
            return new int[0];
        }
        if (job.fractional()) {
            int best = -1;
            for (int c = 0; c < topology.cards[node]; c++) {
                int f = free[off + c];
                if (f >= job.gpuMilli() && (best < 0 || f < free[off + best])) {
                    best = c;
                }
            }
            return best < 0 ? null : new int[] {best};
        }
        int[] chosen = new int[job.gpus()];
        int k = 0;
        for (int c = 0; c < topology.cards[node] && k < chosen.length; c++) {
            if (free[off + c] == Topology.MILLI_PER_CARD) {
                chosen[k++] = c;
            }
        }
        return k == chosen.length ? chosen : null;
    }

    /** Allocates a placement that runs until released, with no declared end (static packing, tests). */
    public void allocate(Placement p) {
        allocate(p, Double.POSITIVE_INFINITY);
    }

    /**
     * Why the placement cannot be allocated on the state as it is, or null if it can: a node or card that the
     * topology does not have, a card of a model the job does not allow, a card or node named twice, or less free
     * share than it takes; and with {@code cpuAndMemory}, less free CPU or memory than it takes. Checked before a
     * stored placement is resumed, so that records that no longer match the nodes (an inventory re-imported with
     * fewer cards) are refused whole instead of corrupting the state half way.
     */
    public String misfit(Placement p, boolean cpuAndMemory) {
        int milli = p.milli();
        if (p.cards().length != p.nodes().length || p.cpu().length != p.nodes().length
                || p.memory().length != p.nodes().length) {
            return "a placement's nodes, cards, CPU and memory differ in length";
        }
        for (int i = 0; i < p.nodes().length; i++) {
            int node = p.nodes()[i];
            if (node < 0 || node >= topology.nodes()) {
                return "no node " + node;
            }
            for (int j = 0; j < i; j++) {
                if (p.nodes()[j] == node) {
                    return "node " + topology.nodeName(node) + " named twice";
                }
            }
            if (p.job().gpus() > 0 && !p.job().allows(topology.model[node])) {  // CPU-only work goes anywhere
                return "node " + topology.nodeName(node) + " is of a model the job does not allow";
            }
            int[] cards = p.cards()[i];
            for (int k = 0; k < cards.length; k++) {
                int c = cards[k];
                if (c < 0 || c >= topology.cards[node]) {
                    return "node " + topology.nodeName(node) + " has no card " + c;
                }
                for (int j = 0; j < k; j++) {
                    if (cards[j] == c) {
                        return "card " + c + " of node " + topology.nodeName(node) + " named twice";
                    }
                }
                if (free[topology.cardOffset[node] + c] < milli) {
                    return "card " + c + " of node " + topology.nodeName(node) + " has "
                            + free[topology.cardOffset[node] + c] + " milli-cards free, not " + milli;
                }
            }
            if (cpuAndMemory && (p.cpu()[i] < 0 || p.cpu()[i] > cpuFree[node] || p.memory()[i] < 0
                    || p.memory()[i] > memFree[node])) {
                return "node " + topology.nodeName(node) + " has " + cpuFree[node] + " milli-CPU and "
                        + memFree[node] + " MiB free, not " + p.cpu()[i] + " and " + p.memory()[i];
            }
        }
        return null;
    }

    /** The placement taking on each node no more CPU and memory than is free there now (and never below 0). */
    public Placement withinFreeCpuAndMemory(Placement p) {
        long[] cpu = p.cpu().clone();
        long[] memory = p.memory().clone();
        for (int i = 0; i < p.nodes().length; i++) {
            cpu[i] = Math.max(0, Math.min(cpu[i], cpuFree[p.nodes()[i]]));
            memory[i] = Math.max(0, Math.min(memory[i], memFree[p.nodes()[i]]));
        }
        return new Placement(p.job(), p.nodes(), p.cards(), cpu, memory);
    }

    /** Allocates a placement whose job is declared to end at {@code endS} (infinite: never, or not known). */
    public void allocate(Placement p, double endS) {
        apply(p, -1);
        for (int node : p.nodes()) {
            ends.add(node, endS);
        }
    }

    public void release(Placement p) {
        release(p, Double.POSITIVE_INFINITY);
    }

    /** Releases a placement allocated with the declared end {@code endS}. */
    public void release(Placement p, double endS) {
        apply(p, +1);
        for (int node : p.nodes()) {
            ends.remove(node, endS);
        }
    }

    /**
     * When the node drains by the declared run times of what runs on it, if nothing more starts there: the latest
     * declared end of its running jobs; negative infinity when nothing runs, positive when a job runs for ever.
     */
    public double drainsAt(int node) {
        return ends.latest(node);
    }

    /** The time the decisions being made are made at (the scheduler's cycle); NaN when there is none (static packing). */
    public double decidingAt() {
        return decidingAtS;
    }

    /** Sets the time of the decisions to come: a job placed now is declared to end at this time plus its run time. */
    public void decideAt(double t) {
        decidingAtS = t;
    }

    private void apply(Placement p, int sign) {
        int milli = p.milli();
        for (int i = 0; i < p.nodes().length; i++) {
            int node = p.nodes()[i];
            int off = topology.cardOffset[node];
            int model = topology.model[node];
            int wholeBefore = wholeFree[node];
            if (topology.cards[node] > 0) {
                nodesByWholeFree[model][wholeFree[node]]--;
                wholeFreeOfModel[model] -= wholeFree[node];
            }
            for (int c : p.cards()[i]) {
                int before = free[off + c];
                int after = before + sign * milli;
                cardsByFreeTenth[model][Math.max(0, before) / 100]--;
                cardsByFreeTenth[model][Math.min(1000, Math.max(0, after)) / 100]++;
                if (after < 0 || after > Topology.MILLI_PER_CARD) {
                    throw new IllegalStateException("card " + c + " of node " + node + " over- or under-allocated by " + p);
                }
                free[off + c] = after;
                // A slice that takes more than the card's unplanned share takes part of its planned waste.
                cardsByUnplannedFree[model][before - planned[off + c]]--;
                planned[off + c] = Math.min(planned[off + c], after);
                cardsByUnplannedFree[model][after - planned[off + c]]++;
                if (before == Topology.MILLI_PER_CARD) {
                    wholeFree[node]--;
                }
                if (after == Topology.MILLI_PER_CARD) {
                    wholeFree[node]++;
                }
                freeMilli[node] += sign * milli;
                freeMilliOfModel[topology.model[node]] += sign * milli;
            }
            if (topology.cards[node] > 0) {
                nodesByWholeFree[model][wholeFree[node]]++;
                wholeFreeOfModel[model] += wholeFree[node];
                if (freeMilli[node] > 0) {
                    nodesWithFree[model][node >>> 6] |= 1L << node;
                    nodesWithFreeAny[node >>> 6] |= 1L << node;
                } else {
                    nodesWithFree[model][node >>> 6] &= ~(1L << node);
                    nodesWithFreeAny[node >>> 6] &= ~(1L << node);
                }
            }
            for (int k = wholeBefore + 1; k <= wholeFree[node]; k++) {
                wholeAtLeast[k][node >>> 6] |= 1L << node;
            }
            for (int k = wholeFree[node] + 1; k <= wholeBefore; k++) {
                wholeAtLeast[k][node >>> 6] &= ~(1L << node);
            }
            cpuFree[node] += sign * p.cpu()[i];
            memFree[node] += sign * p.memory()[i];
            if (untouched(node)) {
                untouchedOfClass[topology.nodeClass[node]][node >>> 6] |= 1L << node;
            } else {
                untouchedOfClass[topology.nodeClass[node]][node >>> 6] &= ~(1L << node);
            }
            if (cpuFree[node] < 0 || memFree[node] < 0 || cpuFree[node] > topology.cpu[node]
                    || memFree[node] > topology.memory[node]) {
                throw new IllegalStateException("CPU or memory of node " + node + " over-allocated by " + p);
            }
            version[node]++;
            allocations[node]++;
            changedNodes[(int) (changes++ & (CHANGE_LOG - 1))] = node;
        }
        allocatedMilli -= (long) sign * p.job().totalMilli();
    }
}
