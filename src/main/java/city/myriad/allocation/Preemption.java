package city.myriad.allocation;

import java.util.ArrayList;
import java.util.List;

/**
 * Preemption: which preemptible running jobs to evict so that a non-preemptible job starts now, and whether that
 * pays. It keeps, per node, the preemptible jobs running there and which nodes hold any. The scheduler tells it
 * what starts and ends ({@link #started}, {@link #ended}) and carries out a {@link Plan}; for a gang across nodes
 * it tries victims as a what-if through the scheduler ({@link WhatIf}), so that the policy places the gang on the
 * cluster as it would be.
 */
final class Preemption {

    /** Takes a running job's cards away from the cluster and gives them back, as the scheduler does on an end. */
    interface WhatIf {
        void evict(RunningJob r);

        void restore(RunningJob r);
    }

    /** A preemption that pays: the victims, already evicted, and the head's placement on the cards they free. */
    record Plan(List<RunningJob> victims, Placement placement) {}

    private static final PlacementResult NOT_NOW = new PlacementResult.Deferred(PlacementResult.Reason.NO_NODE_WITH_FREE_CARDS);

    private final Topology topology;
    private final ClusterState state;
    private final PlacementPolicy policy;
    private final WhatIf whatIf;
    /** Counters that tell the memo whether anything it depends on changed. */
    private long releases;
    private long preemptibleStarts;
    private int preemptionFailedFor = -1;
    private long releasesAtFailure;
    private long preemptibleStartsAtFailure;
    /** Per card model: milli-cards held by running preemptible jobs. */
    private final long[] preemptibleMilli;
    /** Per node: running preemptible jobs on it; and a bit per node that has any. */
    private final int[] preemptibleOn;
    private final long[] nodesWithPreemptible;
    /** Per node: milli-cards, CPU and memory held there by running preemptible jobs. */
    private final long[] preemptibleMilliOn;
    private final long[] preemptibleCpuOn;
    private final long[] preemptibleMemoryOn;
    /**
     * A preemptible job running on a node, with what it holds there and its footprint (see {@link #lostWork}),
     * kept so that weighing a node's victims does not go through their placements.
     */
    private record Victim(RunningJob running, long milli, long cpu, long memory, double footprint,
            int cards, double footprintPerCard) {
        /** The work it loses if stopped at {@code t}, as {@link #lostWork} counts it. */
        double lost(double t) {
            return (t - running.start) * footprint;
        }

        /** Its lost work per card it holds a share of, on any node: no eviction frees more cards than that. */
        double lostPerCard(double t) {
            return (t - running.start) * footprintPerCard;
        }
    }

    /** Per node: the preemptible jobs running there, in the order they started (the candidate victims). */
    private final List<List<Victim>> onNode;
    /**
     * For a gang's greedy steps, per node: its preemptible jobs, their lost work and the whole cards evicting them
     * frees, valid while {@code seen[n] == pass} (one pass per gang preemption attempt).
     */
    private final int[] seen;
    private final int[] victimsOn;
    private final double[] lostOn;
    private final int[] freedOn;
    private int pass;
    /**
     * Per node: the whole cards evicting its preemptible jobs frees, kept across attempts while the node's state
     * ({@link ClusterState#version}) and its preemptible jobs ({@link #victimsChanged}) stay as they were when it was
     * counted: an overloaded cluster tries many gangs in a row, and most nodes do not change between them.
     */
    private final int[] freedCounted;
    private final int[] freedAtVersion;
    private final int[] freedAtVictims;
    private final int[] victimsChanged;
    /** Scratch for {@link #cannotBeat}: per victim on a node, what it holds there, and its lost work. */
    private long[] victimHolds = new long[8];
    private double[] victimLost = new double[8];

    Preemption(Topology topology, ClusterState state, PlacementPolicy policy, WhatIf whatIf) {
        this.topology = topology;
        this.state = state;
        this.policy = policy;
        this.whatIf = whatIf;
        this.preemptibleMilli = new long[Math.max(1, topology.models().size())];
        this.preemptibleOn = new int[topology.nodes()];
        this.nodesWithPreemptible = new long[(topology.nodes() + 63) >>> 6];
        this.preemptibleMilliOn = new long[topology.nodes()];
        this.preemptibleCpuOn = new long[topology.nodes()];
        this.preemptibleMemoryOn = new long[topology.nodes()];
        this.seen = new int[topology.nodes()];
        this.victimsOn = new int[topology.nodes()];
        this.lostOn = new double[topology.nodes()];
        this.freedOn = new int[topology.nodes()];
        this.freedCounted = new int[topology.nodes()];
        this.freedAtVersion = new int[topology.nodes()];
        this.freedAtVictims = new int[topology.nodes()];
        this.victimsChanged = new int[topology.nodes()];
        java.util.Arrays.fill(freedAtVictims, -1);
        this.onNode = new ArrayList<>(topology.nodes());
        for (int n = 0; n < topology.nodes(); n++) {
            onNode.add(new ArrayList<>());
        }
    }

    /** A job runs (started, resumed, or restored after a what-if). */
    void started(RunningJob r) {
        Placement p = r.placement;
        if (p.job().preemptible()) {
            double footprint = footprint(p);
            int cards = 0;
            for (int[] c : p.cards()) {
                cards += c.length;
            }
            double perCard = footprint / Math.max(1, cards);
            for (int i = 0; i < p.nodes().length; i++) {
                victimsChanged[p.nodes()[i]]++;
                onNode.get(p.nodes()[i]).add(new Victim(r, (long) p.cards()[i].length * p.milli(), p.cpu()[i],
                        p.memory()[i], footprint, p.cards()[i].length, perCard));
            }
        }
        count(p, +1);
    }

    /** A job stopped running (ended, evicted, or evicted for a what-if). */
    void ended(RunningJob r) {
        releases++;
        if (r.placement.job().preemptible()) {
            for (int n : r.placement.nodes()) {
                victimsChanged[n]++;
                onNode.get(n).removeIf(v -> v.running() == r);
            }
        }
        count(r.placement, -1);
    }

    /**
     * Makes room for a non-preemptible head by evicting preemptible jobs: the victims (already evicted through
     * {@link WhatIf#evict}) and where the head starts, or null if it does not pay or cannot make room. A head that fits one node
     * evicts the smallest set of preemptible jobs on one node (fewest victims, then least lost work); a gang across
     * nodes evicts per {@link #forGang}. Preemption must pay: the work the victims lose (their cards times
     * the time they have run, all lost since they restart from the beginning) must be less than {@code gain}, the
     * head's cards times the wait it is spared (until its reservation). So a head that would start soon anyway
     * does not evict jobs that have run for hours, and spot jobs are not evicted over and over.
     */
    Plan plan(Job head, double t, double gain) {
        if (head.id() == preemptionFailedFor && releases == releasesAtFailure
                && preemptibleStarts == preemptibleStartsAtFailure) {
            // It did not pay (or found no room) for this head before; since then no capacity was released and no
            // preemptible job started, so the candidate victims only lost more work and the head's wait shrank.
            return null;
        }
        if (gain <= 0) {
            // No wait to spare (its reservation starts now, though it does not fit): no eviction loses less.
            return failedFor(head);
        }
        if (head.gpus() > topology.maxCardsOnOneNode(head.allowedModels())) {
            return forGang(head, t, gain);
        }
        int bestNode = -1;
        List<RunningJob> bestVictims = null;
        double bestLost = Double.MAX_VALUE;
        for (int n = nextWithPreemptible(0); n >= 0; n = nextWithPreemptible(n + 1)) {
            if (topology.cards(n) < head.gpus() || (head.gpus() > 0 && !head.allows(topology.model(n)))) {
                continue;
            }
            if (state.freeMilli(n) + preemptibleMilliOn[n] < head.totalMilli()
                    || state.cpuFree(n) + preemptibleCpuOn[n] < head.cpuMilli()
                    || state.memoryFree(n) + preemptibleMemoryOn[n] < head.memoryMib()) {
                continue;  // even evicting every preemptible job here would not make room
            }
            if (bestVictims != null && cannotBeat(head, n, bestVictims.size(), bestLost, t)) {
                assert !beats(victimsOn(head, n), bestVictims.size(), bestLost, t)
                        : "node " + n + " was passed over for job " + head.id() + " but beats the best set";
                continue;
            }
            List<RunningJob> taken = victimsOn(head, n);
            if (taken == null) {
                continue;
            }
            if (bestVictims == null || beats(taken, bestVictims.size(), bestLost, t)) {
                bestNode = n;
                bestVictims = taken;
                bestLost = lostWork(taken, t);
            }
        }
        if (bestVictims == null || bestLost / 1000.0 >= gain) {
            return failedFor(head);
        }
        for (RunningJob v : bestVictims) {
            whatIf.evict(v);
        }
        int[] cards = state.chooseCards(head, bestNode);
        return new Plan(bestVictims, Placement.onNodes(head, new int[] {bestNode}, new int[][] {cards}));
    }

    /**
     * The victims that make room for the head on node n, or null if even all its preemptible jobs do not: largest
     * first gives the fewest victims; then any victim not needed is dropped, last taken first.
     */
    private List<RunningJob> victimsOn(Job head, int n) {
        // Every preemptible job here, a gang across nodes too: all its work is lost.
        List<RunningJob> victims = runningOn(n);
        if (victims.isEmpty()) {
            return null;
        }
        victims.sort((a, b) -> Long.compare(b.placement.job().totalMilli(), a.placement.job().totalMilli()));
        List<Placement> released = new ArrayList<>();
        List<RunningJob> taken = new ArrayList<>();
        for (RunningJob v : victims) {
            if (state.fitsOnNodeAfterReleasing(head, n, released)) {
                break;
            }
            released.add(v.placement);
            taken.add(v);
        }
        if (!state.fitsOnNodeAfterReleasing(head, n, released)) {
            return null;
        }
        for (int i = taken.size() - 1; i >= 0; i--) {
            Placement p = released.remove(i);
            if (state.fitsOnNodeAfterReleasing(head, n, released)) {
                taken.remove(i);
            } else {
                released.add(i, p);
            }
        }
        return taken;
    }

    /** Whether these victims are chosen over the best set so far: fewer of them, or as many losing strictly less. */
    private boolean beats(List<RunningJob> victims, int bestSize, double bestLost, double t) {
        return victims != null && (victims.size() < bestSize
                || (victims.size() == bestSize && lostWork(victims, t) < bestLost));
    }

    private double lostWork(List<RunningJob> victims, double t) {
        return victims.stream().mapToDouble(v -> lostWork(v, t)).sum();
    }

    /**
     * Whether node n's victims cannot be chosen over the best so far ({@code bestSize} victims losing
     * {@code bestLost}), without trying them: a set is chosen only if it is smaller, or as small and loses
     * strictly less. Whatever set frees room here has at least as many victims as the fewest whose cards, CPU and
     * memory on n could cover what the head lacks there; and if that is the best's size, it loses at least the
     * work of that many of the node's least costly victims. (A margin of 1e-9 keeps rounding from sparing a set.)
     */
    private boolean cannotBeat(Job head, int n, int bestSize, double bestLost, double t) {
        List<Victim> here = onNode.get(n);
        int v = here.size();
        if (victimHolds.length < v) {
            victimHolds = new long[Math.max(v, 2 * victimHolds.length)];
            victimLost = new double[victimHolds.length];
        }
        int fewest = 0;
        for (int resource = 0; resource < 3 && fewest <= bestSize; resource++) {
            long need = switch (resource) {
                case 0 -> head.totalMilli() - state.freeMilli(n);
                case 1 -> head.cpuMilli() - state.cpuFree(n);
                default -> head.memoryMib() - state.memoryFree(n);
            };
            if (need <= 0) {
                continue;
            }
            for (int k = 0; k < v; k++) {
                Victim victim = here.get(k);
                victimHolds[k] = resource == 0 ? victim.milli() : resource == 1 ? victim.cpu() : victim.memory();
            }
            fewest = Math.max(fewest, fewestCovering(need, victimHolds, v));
        }
        if (fewest > v) {
            return true;  // even all of them would not make room: this node is never chosen
        }
        if (fewest != bestSize) {
            return fewest > bestSize;
        }
        for (int k = 0; k < v; k++) {
            Victim victim = here.get(k);
            victimLost[k] = victim.lost(t);
        }
        // The sum of the bestSize smallest, by selection: bestSize is small (the fewest victims found so far).
        double least = 0;
        for (int k = 0; k < bestSize; k++) {
            int min = k;
            for (int i = k + 1; i < v; i++) {
                if (victimLost[i] < victimLost[min]) {
                    min = i;
                }
            }
            double x = victimLost[min];
            victimLost[min] = victimLost[k];
            victimLost[k] = x;
            least += x;
        }
        return least >= bestLost * (1 + 1e-9);
    }

    /**
     * The fewest of the first {@code count} amounts that add up to {@code need} (more than {@code count} if all
     * of them do not), taking the largest first by selection; reorders them.
     */
    private static int fewestCovering(long need, long[] amounts, int count) {
        long sum = 0;
        for (int k = 0; k < count; k++) {
            int max = k;
            for (int i = k + 1; i < count; i++) {
                if (amounts[i] > amounts[max]) {
                    max = i;
                }
            }
            long x = amounts[max];
            amounts[max] = amounts[k];
            amounts[k] = x;
            sum += x;
            if (sum >= need) {
                return k + 1;
            }
        }
        return count + 1;
    }

    /**
     * The work a victim loses if stopped at {@code t}: the time it has run times its footprint in milli-cards, the
     * larger of its cards and its share of its nodes' CPU or memory counted in their cards. A job holding no card
     * (CPU only) or little of one still keeps the rest of a node from others: counting its cards alone would make
     * it free to evict, and it would be evicted over and over.
     */
    private double lostWork(RunningJob v, double t) {
        return (t - v.start) * footprint(v.placement);
    }

    /** The larger of the job's milli-cards and its share of its nodes' CPU or memory counted in their milli-cards. */
    private double footprint(Placement p) {
        Job j = p.job();
        long cards = 0;
        long cpu = 0;
        long memory = 0;
        for (int n : p.nodes()) {
            cards += topology.cards(n);
            cpu += topology.cpu(n);
            memory += topology.memory(n);
        }
        double share = Math.max(cpu == 0 ? 0 : (double) j.cpuMilli() / cpu, memory == 0 ? 0 : (double) j.memoryMib() / memory);
        return Math.max(j.totalMilli(), share * cards * 1000);
    }

    /** The preemptible jobs running on node n, in the order they started. */
    private List<RunningJob> runningOn(int n) {
        List<Victim> here = onNode.get(n);
        List<RunningJob> running = new ArrayList<>(here.size());
        for (Victim victim : here) {
            running.add(victim.running());
        }
        return running;
    }

    /**
     * Preemption for a gang across nodes, as a what-if with undo: while the policy cannot place the gang, evict the
     * preemptible jobs of the node that frees the most wholly free cards of the gang's models per victim (then the
     * least lost work); once it fits, put back every victim the gang can do without, last chosen first, so that
     * no victim is needless. If evicting every preemptible job could not make room, nothing is evicted. Greedy:
     * the set is minimal (no victim can be spared), not always the smallest possible.
     */
    private Plan forGang(Job head, double t, double gain) {
        long reachable = 0;
        for (int m = 0; m < topology.models().size(); m++) {
            if (head.allows(m)) {
                reachable += state.wholeFreeOfModel(m) * 1000L + preemptibleMilli[m];
            }
        }
        if (reachable < head.totalMilli()) {
            return null;  // even evicting every preemptible job of its models would not free enough cards
        }
        if (cannotPay(head, t, gain)) {
            assert greedyForGang(head, t, gain) == null : "job " + head.id() + ": the bound passed over a plan that pays";
            return failedFor(head);
        }
        return greedyForGang(head, t, gain);
    }

    /** The greedy steps of {@link #forGang}. */
    private Plan greedyForGang(Job head, double t, double gain) {
        List<RunningJob> victims = new ArrayList<>();
        if (++pass == Integer.MAX_VALUE) {
            pass = 1;
            java.util.Arrays.fill(seen, 0);
        }
        PlacementResult placed = NOT_NOW;  // the caller just found that the gang does not fit
        while (!(placed instanceof PlacementResult.Placed)) {
            int bestNode = -1;
            double bestGainPerVictim = 0;
            double bestLost = Double.MAX_VALUE;
            for (int n = nextWithPreemptible(0); n >= 0; n = nextWithPreemptible(n + 1)) {
                if (topology.cards(n) == 0 || !head.allows(topology.model(n)) || !state.mayUse(head, n)) {
                    continue;
                }
                if (seen[n] != pass) {
                    // What evicting this node's preemptible jobs would give; kept until a victim touches the node.
                    int count = 0;
                    double lost = 0;
                    for (Victim victim : onNode.get(n)) {
                        count++;
                        lost += victim.lost(t);
                    }
                    victimsOn[n] = count;
                    lostOn[n] = lost;
                    freedOn[n] = count == 0 ? 0 : wholeCardsFreedOnKept(n);
                    seen[n] = pass;
                }
                if (victimsOn[n] == 0 || freedOn[n] == 0) {
                    continue;
                }
                double perVictim = freedOn[n] / (double) victimsOn[n];
                if (perVictim > bestGainPerVictim || (perVictim == bestGainPerVictim && lostOn[n] < bestLost)) {
                    bestNode = n;
                    bestGainPerVictim = perVictim;
                    bestLost = lostOn[n];
                }
            }
            if (bestNode < 0) {
                break;
            }
            List<RunningJob> best = runningOn(bestNode);
            for (RunningJob v : best) {
                whatIf.evict(v);
                victims.add(v);
                for (int m : v.placement.nodes()) {
                    seen[m] = 0;  // its cards, victims and work changed
                }
            }
            placed = policy.place(state, head);
        }
        if (!(placed instanceof PlacementResult.Placed)) {
            for (int i = victims.size() - 1; i >= 0; i--) {
                whatIf.restore(victims.get(i));
            }
            return failedFor(head);
        }
        for (int i = victims.size() - 1; i >= 0; i--) {
            RunningJob v = victims.get(i);
            whatIf.restore(v);
            PlacementResult without = policy.place(state, head);
            if (without instanceof PlacementResult.Placed) {
                victims.remove(i);  // not needed
                placed = without;
            } else {
                whatIf.evict(v);
            }
        }
        double lost = 0;
        for (RunningJob v : victims) {
            lost += lostWork(v, t) / 1000.0;
        }
        if (lost >= gain) {
            for (int i = victims.size() - 1; i >= 0; i--) {
                whatIf.restore(victims.get(i));
            }
            return failedFor(head);
        }
        return new Plan(victims, ((PlacementResult.Placed) placed).placement());
    }

    /**
     * Whether every set of victims that could make room for the gang loses at least {@code gain}, so that
     * {@link #forGang} would give up after its greedy steps: in an overloaded cluster nearly every gang's attempt
     * ends so (7,209 of 7,497 on the stress stand-in of docs/allocation.md), and this costs one walk over the
     * preemptible jobs instead of several over the nodes and a placement call per step.
     *
     * <p>The bound: the gang needs {@code needed} more wholly free cards than the nodes it may use have now (of its
     * models, not held against it), and evicting a job frees at most the cards it holds a share of. So any set that
     * makes room holds shares of at least {@code needed} cards of those nodes, and loses at least the cheapest
     * {@code needed} such cards' lost work, each card priced at its job's lost work per card it holds (a
     * fractional cover: a lower bound of every real one). Prices are binned in quarter powers of two and the last
     * bin taken is priced at its lower edge, which only lowers the bound.
     */
    private boolean cannotPay(Job head, double t, double gain) {
        if (head.gpuMilli() != Topology.MILLI_PER_CARD) {
            return false;
        }
        long whole = 0;
        for (int n = 0; n < topology.nodes(); n++) {
            if (usableByGang(head, n)) {
                whole += state.wholeFree(n);
            }
        }
        long needed = head.gpus() - whole;
        if (needed <= 0) {
            return false;
        }
        java.util.Arrays.fill(binCards, 0);
        java.util.Arrays.fill(binLost, 0);
        for (int n = nextWithPreemptible(0); n >= 0; n = nextWithPreemptible(n + 1)) {
            if (!usableByGang(head, n)) {
                continue;  // the cards freed there are of no use to it
            }
            for (Victim v : onNode.get(n)) {
                if (v.cards() > 0) {
                    double perCard = v.lostPerCard(t);
                    int bin = bin(perCard);
                    binCards[bin] += v.cards();
                    binLost[bin] += perCard * v.cards();
                }
            }
        }
        double bound = 0;
        long left = needed;
        for (int b = 0; b < BINS && left > 0; b++) {
            if (binCards[b] >= left) {
                bound += left * binFloor(b);
                left = 0;
            } else {
                bound += binLost[b];
                left -= binCards[b];
            }
        }
        // Not enough cards held by preemptible jobs: no set makes room. Otherwise a margin for rounding.
        return left > 0 || bound / 1000.0 >= gain * (1 + 1e-9);
    }

    /** Whether the gang could take the node's wholly free cards: of its models, and not held against it. */
    private boolean usableByGang(Job head, int n) {
        return topology.cards(n) > 0 && head.allows(topology.model(n)) && state.mayUse(head, n);
    }

    /** Price bins a quarter of a power of two wide (the exponent and two bits of the mantissa), from 1 up. */
    private static final int BINS = 256;
    private static final long ONE_QUARTERS = Double.doubleToRawLongBits(1.0) >>> 50;
    private final long[] binCards = new long[BINS];
    private final double[] binLost = new double[BINS];

    /** Bin 0 holds prices under 1; bin b >= 1 holds [2^((b-1)/4), 2^(b/4)), the last one everything above. */
    private static int bin(double price) {
        return price < 1 ? 0 : (int) Math.min(BINS - 1, (Double.doubleToRawLongBits(price) >>> 50) - ONE_QUARTERS + 1);
    }

    /** The lowest price of a bin. */
    private static double binFloor(int bin) {
        return bin == 0 ? 0 : Double.longBitsToDouble((bin - 1 + ONE_QUARTERS) << 50);
    }

    /** {@link #wholeCardsFreedOn}, counted again only if the node or its preemptible jobs changed since. */
    private int wholeCardsFreedOnKept(int n) {
        if (freedAtVersion[n] != state.version(n) || freedAtVictims[n] != victimsChanged[n]) {
            freedCounted[n] = wholeCardsFreedOn(n);
            freedAtVersion[n] = state.version(n);
            freedAtVictims[n] = victimsChanged[n];
        }
        assert freedCounted[n] == wholeCardsFreedOn(n) : "node " + n + ": a kept count of freed cards went stale";
        return freedCounted[n];
    }

    /** Cards of node n that would be wholly free if its preemptible jobs released their share of it. */
    private int wholeCardsFreedOn(int n) {
        int k = topology.cards(n);
        int[] f = new int[k];
        for (int c = 0; c < k; c++) {
            f[c] = state.freeOn(n, c);
        }
        for (Victim victim : onNode.get(n)) {
            Placement p = victim.running().placement;
            for (int i = 0; i < p.nodes().length; i++) {
                if (p.nodes()[i] == n) {
                    for (int c : p.cards()[i]) {
                        f[c] += p.milli();
                    }
                }
            }
        }
        int gained = 0;
        for (int c = 0; c < k; c++) {
            if (f[c] == Topology.MILLI_PER_CARD && state.freeOn(n, c) < Topology.MILLI_PER_CARD) {
                gained++;
            }
        }
        return gained;
    }

    /** Remembers that preemption for this head did not pay (or could not make room), for the memo in plan. */
    private Plan failedFor(Job head) {
        preemptionFailedFor = head.id();
        releasesAtFailure = releases;
        preemptibleStartsAtFailure = preemptibleStarts;
        return null;
    }

    /** The first node at or after {@code from} where a preemptible job runs, or -1. */
    private int nextWithPreemptible(int from) {
        int word = from >>> 6;
        if (word >= nodesWithPreemptible.length) {
            return -1;
        }
        long bits = nodesWithPreemptible[word] & (-1L << (from & 63));
        while (bits == 0) {
            if (++word >= nodesWithPreemptible.length) {
                return -1;
            }
            bits = nodesWithPreemptible[word];
        }
        return (word << 6) + Long.numberOfTrailingZeros(bits);
    }

    /** Keeps {@link #preemptibleMilli} and the nodes with preemptible jobs in step as such jobs start and stop. */
    private void count(Placement p, int sign) {
        if (!p.job().preemptible()) {
            return;
        }
        if (sign > 0) {
            preemptibleStarts++;
        }
        for (int i = 0; i < p.nodes().length; i++) {
            int n = p.nodes()[i];
            preemptibleOn[n] += sign;
            if (preemptibleOn[n] > 0) {
                nodesWithPreemptible[n >>> 6] |= 1L << n;
            } else {
                nodesWithPreemptible[n >>> 6] &= ~(1L << n);
            }
            long milli = (long) p.cards()[i].length * p.milli();
            preemptibleMilliOn[n] += sign * milli;
            preemptibleCpuOn[n] += sign * p.cpu()[i];
            preemptibleMemoryOn[n] += sign * p.memory()[i];
            if (topology.cards(n) > 0) {
                preemptibleMilli[topology.model(n)] += sign * milli;
            }
        }
    }
}
