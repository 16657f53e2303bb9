package city.myriad.allocation;

import java.util.Arrays;

/**
 * What is free on a cluster right now: milli-cards per card, CPU and memory per node, and per node the count of
 * wholly free cards. Mutated only through {@link #allocate} and {@link #release}, which keep the invariant that
 * nothing is ever allocated beyond capacity (they throw on a violation: that is a bug, not an outcome).
 */
public final class ClusterState {

    final Topology topology;
    final int[] free;
    final long[] cpuFree;
    final long[] memFree;
    final int[] wholeFree;
    final int[] freeMilli;
    /** Bumped on every change of a node, so that scores cached per node know when they are stale. */
    final int[] version;
    /** Per node: the tenant holding it (a reservation), or Reservations.NONE. */
    final int[] heldBy;
    /** Per card model: free milli-cards over all nodes of that model. */
    final long[] freeMilliOfModel;
    long allocatedMilli;

    public ClusterState(Topology topology) {
        this.topology = topology;
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
        freeMilliOfModel = new long[Math.max(1, topology.models.size())];
        for (int i = 0; i < n; i++) {
            freeMilliOfModel[topology.model[i]] += freeMilli[i];
        }
    }

    private ClusterState(ClusterState o) {
        topology = o.topology;
        free = o.free.clone();
        cpuFree = o.cpuFree.clone();
        memFree = o.memFree.clone();
        wholeFree = o.wholeFree.clone();
        freeMilli = o.freeMilli.clone();
        version = o.version.clone();
        heldBy = o.heldBy.clone();
        freeMilliOfModel = o.freeMilliOfModel.clone();
        allocatedMilli = o.allocatedMilli;
    }

    /** An independent copy for what-ifs. */
    public ClusterState copy() {
        return new ClusterState(this);
    }

    public Topology topology() {
        return topology;
    }

    public int freeOn(int node, int card) {
        return free[topology.cardOffset[node] + card];
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

    /** Free milli-cards over all nodes of a card model. */
    public long freeMilliOfModel(int model) {
        return freeMilliOfModel[model];
    }

    public long allocatedMilli() {
        return allocatedMilli;
    }

    /** Allocated milli-cards / all milli-cards of the cluster. */
    public double allocationRatio() {
        return topology.totalCards() == 0 ? 0 : allocatedMilli / (topology.totalCards() * 1000.0);
    }

    /** Takes the current reservations: from now on a held node takes only its holder's jobs. */
    public void applyReservations(Reservations reservations) {
        for (int n = 0; n < heldBy.length; n++) {
            int holder = reservations.holder(n);
            if (holder != heldBy[n]) {
                heldBy[n] = holder;
                version[n]++;
            }
        }
    }

    /** Whether the job's tenant may use this node: it is held by nobody, or by that tenant. */
    public boolean mayUse(Job job, int node) {
        return heldBy[node] == Reservations.NONE || heldBy[node] == job.tenant();
    }

    /** Whether the whole job fits on this one node now. */
    public boolean fitsOnNode(Job job, int node) {
        if (job.cpuMilli() > cpuFree[node] || job.memoryMib() > memFree[node] || !mayUse(job, node)) {
            return false;
        }
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

    public void allocate(Placement p) {
        apply(p, -1);
    }

    public void release(Placement p) {
        apply(p, +1);
    }

    private void apply(Placement p, int sign) {
        int milli = p.milli();
        for (int i = 0; i < p.nodes().length; i++) {
            int node = p.nodes()[i];
            int off = topology.cardOffset[node];
            for (int c : p.cards()[i]) {
                int before = free[off + c];
                int after = before + sign * milli;
                if (after < 0 || after > Topology.MILLI_PER_CARD) {
                    throw new IllegalStateException("card " + c + " of node " + node + " over- or under-allocated by " + p);
                }
                free[off + c] = after;
                if (before == Topology.MILLI_PER_CARD) {
                    wholeFree[node]--;
                }
                if (after == Topology.MILLI_PER_CARD) {
                    wholeFree[node]++;
                }
                freeMilli[node] += sign * milli;
                freeMilliOfModel[topology.model[node]] += sign * milli;
            }
            cpuFree[node] += sign * p.cpu()[i];
            memFree[node] += sign * p.memory()[i];
            if (cpuFree[node] < 0 || memFree[node] < 0 || cpuFree[node] > topology.cpu[node]
                    || memFree[node] > topology.memory[node]) {
                throw new IllegalStateException("CPU or memory of node " + node + " over-allocated by " + p);
            }
            version[node]++;
        }
        allocatedMilli -= (long) sign * p.job().totalMilli();
    }
}
