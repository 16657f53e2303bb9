package city.myriad.allocation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Preemption for a gang that spans nodes ({@link Preemption} decides for one node): which preemptible jobs to evict
 * so that the policy can place the gang, as a what-if with undo through the scheduler, and a bound that gives up
 * without trying when no set of victims could pay.
 */
final class GangPreemption {

    private static final PlacementResult NOT_NOW =
            new PlacementResult.Deferred(PlacementResult.Reason.NO_NODE_WITH_FREE_CARDS);

    private final Topology topology;
    private final ClusterState state;
    private final PlacementPolicy policy;
    private final Preemption.WhatIf whatIf;
    private final PreemptibleJobs jobs;
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
     * ({@link ClusterState#version}) and its preemptible jobs ({@link PreemptibleJobs#changes}) stay as they were
     * when it was counted: an overloaded cluster tries many gangs in a row, and most nodes do not change between
     * them.
     */
    private final int[] freedCounted;
    private final int[] freedAtVersion;
    private final int[] freedAtVictims;

    GangPreemption(Topology topology, ClusterState state, PlacementPolicy policy, Preemption.WhatIf whatIf,
            PreemptibleJobs jobs) {
        this.topology = topology;
        this.state = state;
        this.policy = policy;
        this.whatIf = whatIf;
        this.jobs = jobs;
        this.seen = new int[topology.nodes()];
        this.victimsOn = new int[topology.nodes()];
        this.lostOn = new double[topology.nodes()];
        this.freedOn = new int[topology.nodes()];
        this.freedCounted = new int[topology.nodes()];
        this.freedAtVersion = new int[topology.nodes()];
        this.freedAtVictims = new int[topology.nodes()];
        Arrays.fill(freedAtVictims, -1);
    }

    /**
     * The victims to evict for a gang across nodes and its placement, or null if no set pays or makes room. A what-if
     * with undo: while the policy cannot place the gang, evict the
     * preemptible jobs of the node that frees the most wholly free cards of the gang's models per victim (then the
     * least lost work); once it fits, put back every victim the gang can do without, last chosen first, so that
     * no victim is needless. If evicting every preemptible job could not make room, nothing is evicted. Greedy:
     * the set is minimal (no victim can be spared), not always the smallest possible.
     */
    Preemption.Plan plan(Job head, double t, double gain) {
        long reachable = 0;
        for (int m = 0; m < topology.models().size(); m++) {
            if (head.allows(m)) {
                reachable += state.wholeFreeOfModel(m) * 1000L + jobs.milliOfModel(m);
            }
        }
        if (reachable < head.totalMilli()) {
            return null;  // even evicting every preemptible job of its models would not free enough cards
        }
        if (cannotPay(head, t, gain)) {
            assert greedyForGang(head, t, gain) == null
                    : "job " + head.id() + ": the bound passed over a plan that pays";
            return null;
        }
        return greedyForGang(head, t, gain);
    }

    /** The greedy steps of {@link #plan}. */
    private Preemption.Plan greedyForGang(Job head, double t, double gain) {
        List<RunningJob> victims = new ArrayList<>();
        if (++pass == Integer.MAX_VALUE) {
            pass = 1;
            Arrays.fill(seen, 0);
        }
        PlacementResult placed = NOT_NOW;  // the caller just found that the gang does not fit
        while (!(placed instanceof PlacementResult.Placed)) {
            int bestNode = -1;
            double bestGainPerVictim = 0;
            double bestLost = Double.MAX_VALUE;
            for (int n = jobs.next(0); n >= 0; n = jobs.next(n + 1)) {
                if (topology.cards(n) == 0 || !head.allows(topology.model(n)) || !state.mayUse(head, n)) {
                    continue;
                }
                if (seen[n] != pass) {
                    // What evicting this node's preemptible jobs would give; kept until a victim touches the node.
                    int count = 0;
                    double lost = 0;
                    for (PreemptibleJobs.Victim victim : jobs.on(n)) {
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
            List<RunningJob> best = jobs.runningOn(bestNode);
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
            return null;
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
            lost += jobs.lost(v, t) / 1000.0;
        }
        if (lost >= gain) {
            for (int i = victims.size() - 1; i >= 0; i--) {
                whatIf.restore(victims.get(i));
            }
            return null;
        }
        return new Preemption.Plan(victims, ((PlacementResult.Placed) placed).placement());
    }

    /**
     * Whether every set of victims that could make room for the gang loses at least {@code gain}, so that
     * {@link #plan} would give up after its greedy steps: in an overloaded cluster nearly every gang's attempt
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
        Arrays.fill(binCards, 0);
        Arrays.fill(binLost, 0);
        for (int n = jobs.next(0); n >= 0; n = jobs.next(n + 1)) {
            if (!usableByGang(head, n)) {
                continue;  // the cards freed there are of no use to it
            }
            for (PreemptibleJobs.Victim v : jobs.on(n)) {
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
        if (freedAtVersion[n] != state.version(n) || freedAtVictims[n] != jobs.changes(n)) {
            freedCounted[n] = wholeCardsFreedOn(n);
            freedAtVersion[n] = state.version(n);
            freedAtVictims[n] = jobs.changes(n);
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
        for (PreemptibleJobs.Victim victim : jobs.on(n)) {
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
}
