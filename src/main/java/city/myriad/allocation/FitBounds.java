package city.myriad.allocation;

/**
 * Cheap necessary conditions for a job to fit now, from the cluster's histograms of free capacity and, taken
 * once per cycle when first needed, the most CPU and memory free on a node of each model with at least w
 * wholly free cards. Within a cycle capacity is only taken, never given back, so these stay upper bounds. A
 * job that fails them cannot fit anywhere, so the policy need not be asked.
 */
final class FitBounds {

    private final Topology t;
    private final ClusterState s;
    private long[][] maxCpu;
    private long[][] maxMem;
    private long maxCpuAnyNode = -1;
    private long maxMemAnyNode = -1;

    FitBounds(Topology t, ClusterState s) {
        this.t = t;
        this.s = s;
    }

    /** Every card of the cluster is taken: nothing more can start in this cycle. */
    boolean exhausted() {
        return s.allocatedMilli() >= (long) t.totalCards() * 1000;
    }

    /** False only if the job cannot fit anywhere now; true says it might. */
    boolean mayFit(Job j) {
        if (j.gpus() == 0) {
            if (maxCpuAnyNode < 0) {
                for (int n = 0; n < t.nodes(); n++) {
                    maxCpuAnyNode = Math.max(maxCpuAnyNode, s.cpuFree(n));
                    maxMemAnyNode = Math.max(maxMemAnyNode, s.memoryFree(n));
                }
            }
            return j.cpuMilli() <= maxCpuAnyNode && j.memoryMib() <= maxMemAnyNode;
        }
        boolean single = j.gpus() <= Math.max(1, t.maxCardsOnOneNode(j.allowedModels()));
        long whole = 0;
        for (int m = 0; m < t.models().size(); m++) {
            if (!j.allows(m)) {
                continue;
            }
            if (single && (j.fractional() ? s.mayHaveCardWith(m, j.gpuMilli()) && roomFor(j, m)
                    : s.maxWholeFree(m) >= j.gpus() && (asksCardsOnly(j) || roomFor(j, m)))) {
                return true;
            }
            if (!single) {
                whole += s.wholeFreeOfModel(m);
            }
        }
        return !single && whole >= j.gpus();
    }

    /**
     * A whole-card job that asks no CPU or memory: a node with its wholly free cards (which the histogram just
     * found) has room for it, so the per-node bounds need not be taken (traces without CPU requests, such as
     * Philly's, never take them).
     */
    private static boolean asksCardsOnly(Job j) {
        return j.cpuMilli() <= 0 && j.memoryMib() <= 0;
    }

    /** Whether some node of model m with enough wholly free cards might have the job's CPU and memory. */
    private boolean roomFor(Job j, int m) {
        if (maxCpu == null) {
            bounds();
        }
        int w = j.fractional() ? 0 : j.gpus();
        return w < maxCpu[m].length && maxCpu[m][w] >= j.cpuMilli() && maxMem[m][w] >= j.memoryMib();
    }

    private void bounds() {
        int models = Math.max(1, t.models().size());
        maxCpu = new long[models][];
        maxMem = new long[models][];
        for (int m = 0; m < models; m++) {
            maxCpu[m] = new long[t.maxCardsOnOneNode(1L << m) + 1];
            maxMem[m] = new long[maxCpu[m].length];
            java.util.Arrays.fill(maxCpu[m], -1);
            java.util.Arrays.fill(maxMem[m], -1);
        }
        for (int n = s.nextNodeWithFree(Job.ANY_MODEL, 0); n >= 0; n = s.nextNodeWithFree(Job.ANY_MODEL, n + 1)) {
            int m = t.model(n);
            int w = s.wholeFree(n);
            maxCpu[m][w] = Math.max(maxCpu[m][w], s.cpuFree(n));
            maxMem[m][w] = Math.max(maxMem[m][w], s.memoryFree(n));
        }
        for (int m = 0; m < models; m++) {
            for (int w = maxCpu[m].length - 2; w >= 0; w--) {
                maxCpu[m][w] = Math.max(maxCpu[m][w], maxCpu[m][w + 1]);
                maxMem[m][w] = Math.max(maxMem[m][w], maxMem[m][w + 1]);
            }
        }
    }
}
