package city.myriad.allocation;

/**
 * The price of the whole nodes a placement breaks, over the demand still to come, where jobs never end.
 *
 * <p>A task shape that takes a whole node (as many whole cards as the largest node of its models has) runs only
 * where a node has all its cards free, with the shape's CPU and memory: a slot. The cluster's slots are counted per
 * group of such shapes (same cards and models). Until the cluster is full, about {@code free milli-cards / mean
 * milli-cards of a task} more tasks fit, and the group's share of them ({@code λ}, taken as a Poisson count) will ask
 * for a slot. Breaking one of {@code S} slots loses a task of the group exactly when at least {@code S} come: the
 * price is the group's milli-cards times {@code P(N ≥ S)}. While slots are plenty it is nothing; once they run down
 * to what the group will ask, breaking one more costs its cards.
 *
 * <p>FGD's measure ({@link FragmentationAwarePolicy#fragmentation}) weighs the next task only: a shape of 0.3% of the
 * tasks adds 0.3% of a node's cards when the node is broken, and on a cluster whose CPU per card is ample for most
 * tasks, the light tasks break every whole node long before the whole-node tasks come (docs/allocation-log.md,
 * "Why the CPU-light mix breaks the 8-card nodes"). This is the horizon FGD's measure lacks. No fitted constant: the
 * price is in milli-cards, the score's unit. Measured choices are in docs/design/whole-node-slots.md.
 */
final class WholeNodeSlots {

    private final DemandProfile profile;
    private int epoch = -1;
    /** Per group of whole-node shapes: its cards, allowed models, share of the tasks, CPU carried and memory. */
    private int[] cards = new int[0];
    private long[] models = new long[0];
    private double[] weight = new double[0];
    private long[] cpu = new long[0];
    private long[] memory = new long[0];
    /** Per node and group ({@code node * groups + g}): the node's slots as of the cluster's change {@link #read}. */
    private int[] slots = new int[0];
    /** The cluster the slots were counted on, and how many of its changes they include. */
    private ClusterState counted;
    private long read;
    /** Per group: its slots over the cluster, and the tasks of it expected until the cluster is full. */
    private long[] supply = new long[0];
    private double[] expected = new double[0];

    WholeNodeSlots(DemandProfile profile) {
        this.profile = profile;
    }

    /** Brings the slots up to date with the cluster; false if nothing is priced (then {@link #price} would be 0). */
    boolean startDecision(ClusterState s) {
        if (profile.endless == 0) {
            return false;
        }
        Topology t = s.topology();
        if (epoch != profile.epoch() || counted != s) {
            group(t);
            counted = s;
            read = -1;
        }
        int groups = cards.length;
        if (groups == 0) {
            return false;
        }
        long changes = s.changes();
        if (read < 0 || changes - read > ClusterState.CHANGE_LOG) {
            for (int n = 0, nodes = t.nodes(); n < nodes; n++) {
                recount(s, n);
            }
        } else {
            for (long i = read; i < changes; i++) {
                recount(s, s.changedNode(i));
            }
        }
        read = changes;
        double tasksLeft = (t.totalCards() * (double) Topology.MILLI_PER_CARD - s.allocatedMilli()) / profile.meanMilli();
        for (int g = 0; g < groups; g++) {
            expected[g] = weight[g] * tasksLeft;
        }
        return true;
    }

    private void recount(ClusterState s, int n) {
        int groups = cards.length;
        for (int g = 0; g < groups; g++) {
            int now = slotsOf(s.topology(), n, g, s.wholeFree(n), s.cpuFree(n), s.memoryFree(n));
            supply[g] += now - slots[n * groups + g];
            slots[n * groups + g] = now;
        }
    }

    /**
     * The price, in milli-cards, of leaving the node with these whole cards, CPU and memory free, for a job of
     * {@code jobCards} cards: only the slots of groups larger than the job count (a whole-node job takes a slot
     * wherever it goes).
     */
    double price(ClusterState s, int node, int jobCards, int wholeAfter, long cpuAfter, long memAfter) {
        Topology t = s.topology();
        int groups = cards.length;
        double price = 0;
        for (int g = 0; g < groups; g++) {
            int before = slots[node * groups + g];
            if (before == 0 || cards[g] <= jobCards) {
                continue;
            }
            int after = slotsOf(t, node, g, wholeAfter, cpuAfter, memAfter);
            for (int lost = 0; lost < before - after; lost++) {
                price += atLeast(expected[g], supply[g] - lost) * cards[g] * Topology.MILLI_PER_CARD;
            }
        }
        return profile.endless * price;
    }

    /** The profile's whole-node shapes, grouped by cards and models, CPU and memory averaged by weight. */
    private void group(Topology t) {
        epoch = profile.epoch();
        int shapes = profile.gpus.length;
        int[] gCards = new int[shapes];
        long[] gModels = new long[shapes];
        double[] gWeight = new double[shapes];
        double[] gCpu = new double[shapes];
        double[] gMemory = new double[shapes];
        int groups = 0;
        for (int i = 0; i < shapes; i++) {
            if (profile.milli[i] != Topology.MILLI_PER_CARD || profile.gpus[i] < 2
                    || profile.gpus[i] != t.maxCardsOnOneNode(profile.models[i])) {
                continue;
            }
            int g = 0;
            while (g < groups && !(gCards[g] == profile.gpus[i] && gModels[g] == profile.models[i])) {
                g++;
            }
            if (g == groups) {
                gCards[g] = profile.gpus[i];
                gModels[g] = profile.models[i];
                groups++;
            }
            gWeight[g] += profile.weight[i];
            gCpu[g] += profile.weight[i] * profile.cpuCarried[i];
            gMemory[g] += profile.weight[i] * profile.memory[i];
        }
        cards = java.util.Arrays.copyOf(gCards, groups);
        models = java.util.Arrays.copyOf(gModels, groups);
        weight = java.util.Arrays.copyOf(gWeight, groups);
        cpu = new long[groups];
        memory = new long[groups];
        for (int g = 0; g < groups; g++) {
            cpu[g] = Math.round(gCpu[g] / gWeight[g]);
            memory[g] = Math.round(gMemory[g] / gWeight[g]);
        }
        slots = new int[t.nodes() * groups];
        supply = new long[groups];
        expected = new double[groups];
    }

    private int slotsOf(Topology t, int node, int g, int whole, long cpuFree, long memFree) {
        if ((models[g] & (1L << t.model[node])) == 0) {
            return 0;
        }
        long n = whole / cards[g];
        if (cpu[g] > 0) {
            n = Math.min(n, Math.max(0, cpuFree) / cpu[g]);
        }
        if (memory[g] > 0) {
            n = Math.min(n, Math.max(0, memFree) / memory[g]);
        }
        return (int) n;
    }

    /** P(N ≥ k) for N a Poisson count of mean λ: exact up to λ = 200, then the normal approximation. */
    static double atLeast(double lambda, long k) {
        if (k <= 0) {
            return 1;
        }
        if (lambda <= 0) {
            return 0;
        }
        double sd = Math.sqrt(lambda);
        if (k > lambda + 12 * sd + 30) {
            return 0;
        }
        if (lambda > 200) {
            return 0.5 * erfc((k - 0.5 - lambda) / sd / Math.sqrt(2));
        }
        double pmf = Math.exp(-lambda);
        double below = 0;
        for (long x = 0; x < k; x++) {
            below += pmf;
            pmf *= lambda / (x + 1);
        }
        return Math.max(0, 1 - below);
    }

    /** The complementary error function (Numerical Recipes' Chebyshev fit, relative error under 1.2e-7). */
    private static double erfc(double x) {
        double z = Math.abs(x);
        double u = 1 / (1 + 0.5 * z);
        double r = u * Math.exp(-z * z - 1.26551223 + u * (1.00002368 + u * (0.37409196 + u * (0.09678418
                + u * (-0.18628806 + u * (0.27886807 + u * (-1.13520398 + u * (1.48851587
                + u * (-0.82215223 + u * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
