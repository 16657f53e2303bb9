package city.myriad.allocation;

import java.util.Arrays;

/**
 * The demand profile's shapes grouped for scoring a node ({@link FragmentationAwarePolicy}), built once per profile
 * epoch. Shapes of one slice size (they differ in models or CPU class) use the same free shares of a node, so they
 * share a slot; shapes of whole cards are grouped by card count and whether they must stay on one node. A score
 * finds each group's usable milli-cards once, then weighs the group's shapes of the node's model at once where the
 * node's CPU and memory serve them all ({@link #serves}), else one by one.
 *
 * <p>Groups are numbered the slots first, then the whole-card groups. Rows are {@code model * count() + group}.
 */
final class ShapeGroups {

    /** Per slot: the slice's milli-cards. */
    final int[] sliceMilli;
    /** Per whole-card group: its tasks' cards, and whether they must run on one node. */
    final int[] wholeCards;
    final boolean[] wholeOneNode;
    /**
     * Per row: the shapes' weight, the most CPU and memory one asks, and, where jobs never end, the most CPU (memory)
     * carried per milli-card of a task and per task. The same sum as shape by shape, in another order (equal to about
     * 1e-11 milli-cards); where jobs end, the placements of every dynamic replay measured are byte-identical, and the
     * decisions' p99 on workloads with CPU requests a third lower: docs/allocation.md, "Speed".
     */
    final double[] weight;
    private final long[] mostCpu;
    private final long[] mostMemory;
    private final double[] cpuPerMilli;
    private final long[] cpuPerTask;
    private final double[] memoryPerMilli;
    private final long[] memoryPerTask;
    /** The shapes of each row, in profile order: {@code shapes[start[row] .. start[row + 1])}. */
    final int[] start;
    final int[] shapes;
    /** Per model: the weight of all its shapes. */
    final double[] modelWeight;
    /**
     * Per card model: the profile's weight in the shapes that may run on it, exactly 1 where every shape may, in the
     * share of jobs that never end (1 where every job ends). A node's fragmentation is divided by it: the expected
     * waste over the tasks that can use the node, not over all tasks. A shape bound to some models counts only on
     * their nodes, so without it a model that much demand is bound to would sum more weight per free milli-card than
     * one no task is bound to, and a job free to run on both would compare their nodes on two scales (the scarcity of
     * the bound model is its price's part). Where jobs end it made the one dynamic replay on several models wait
     * longer, so there it is left out: docs/design/fragmentation-per-model.md.
     */
    final double[] modelShare;

    ShapeGroups(Topology t, DemandProfile p) {
        int shapeCount = p.gpus.length;
        // Per shape: whether its tasks must run on one node (some node of its models has as many cards).
        boolean[] oneNode = new boolean[shapeCount];
        for (int i = 0; i < shapeCount; i++) {
            oneNode[i] = p.gpus[i] <= t.maxCardsOnOneNode(p.models[i]);
        }
        // A slot per slice size, in the order the shapes name them.
        int[] slotOf = new int[shapeCount];
        int[] milli = new int[shapeCount];
        int slots = 0;
        for (int i = 0; i < shapeCount; i++) {
            slotOf[i] = -1;
            if (p.milli[i] < Topology.MILLI_PER_CARD) {
                for (int j = 0; j < slots && slotOf[i] < 0; j++) {
                    if (milli[j] == p.milli[i]) {
                        slotOf[i] = j;
                    }
                }
                if (slotOf[i] < 0) {
                    milli[slots] = p.milli[i];
                    slotOf[i] = slots++;
                }
            }
        }
        sliceMilli = Arrays.copyOf(milli, slots);
        // Then a group per whole-card count and one-node rule.
        int[] group = new int[shapeCount];
        int[] cards = new int[shapeCount];
        boolean[] one = new boolean[shapeCount];
        int wholeGroups = 0;
        for (int i = 0; i < shapeCount; i++) {
            if (slotOf[i] >= 0) {
                group[i] = slotOf[i];
                continue;
            }
            group[i] = -1;
            for (int g = 0; g < wholeGroups && group[i] < 0; g++) {
                if (cards[g] == p.gpus[i] && one[g] == oneNode[i]) {
                    group[i] = slots + g;
                }
            }
            if (group[i] < 0) {
                cards[wholeGroups] = p.gpus[i];
                one[wholeGroups] = oneNode[i];
                group[i] = slots + wholeGroups++;
            }
        }
        wholeCards = Arrays.copyOf(cards, wholeGroups);
        wholeOneNode = Arrays.copyOf(one, wholeGroups);
        // The sums per model and group.
        int groups = slots + wholeGroups;
        int models = Math.max(1, t.models.size());
        int rows = models * groups;
        weight = new double[rows];
        mostCpu = new long[rows];
        mostMemory = new long[rows];
        cpuPerMilli = new double[rows];
        cpuPerTask = new long[rows];
        memoryPerMilli = new double[rows];
        memoryPerTask = new long[rows];
        start = new int[rows + 1];
        modelWeight = new double[models];
        int[] listed = new int[models * p.weight.length];  // a shape is in one group per model at most
        int n = 0;
        for (int m = 0; m < models; m++) {
            long bit = 1L << m;
            for (int g = 0; g < groups; g++) {
                int row = m * groups + g;
                start[row] = n;
                for (int i = 0; i < p.weight.length; i++) {
                    if ((p.models[i] & bit) == 0 || group[i] != g) {
                        continue;
                    }
                    listed[n++] = i;
                    weight[row] += p.weight[i];
                    modelWeight[m] += p.weight[i];
                    mostCpu[row] = Math.max(mostCpu[row], p.cpu[i]);
                    mostMemory[row] = Math.max(mostMemory[row], p.memory[i]);
                    double task = (double) p.gpus[i] * p.milli[i];
                    if (p.cpu[i] > 0) {
                        long c = Math.max(1, p.cpuCarried[i]);
                        cpuPerMilli[row] = Math.max(cpuPerMilli[row], c / task);
                        cpuPerTask[row] = Math.max(cpuPerTask[row], c);
                    }
                    if (p.memory[i] > 0) {
                        memoryPerMilli[row] = Math.max(memoryPerMilli[row], p.memory[i] / task);
                        memoryPerTask[row] = Math.max(memoryPerTask[row], p.memory[i]);
                    }
                }
            }
        }
        start[rows] = n;
        shapes = Arrays.copyOf(listed, n);
        modelShare = modelShare(t, p);
    }

    /** Slice slots: groups {@code 0 .. slots() - 1}. */
    int slots() {
        return sliceMilli.length;
    }

    /** All groups, the slots first. */
    int count() {
        return sliceMilli.length + wholeCards.length;
    }

    /**
     * Whether a node's free CPU and memory surely fit every shape of the row and, where jobs never end ({@code
     * endless} > 0), carry each for all the {@code usable} milli-cards ({@link FragmentationAwarePolicy#carriesAll}
     * for each): then every shape of it uses them all, and none is stranded. A sufficient test, with a millicore (a
     * MiB) to spare for the rounding of its products.
     */
    boolean serves(int row, long usable, long cpuFree, long memFree, double endless) {
        if (cpuFree < mostCpu[row] || memFree < mostMemory[row]) {
            return false;
        }
        return endless == 0
                || (cpuFree >= usable * cpuPerMilli[row] + cpuPerTask[row] + 1
                && memFree >= usable * memoryPerMilli[row] + memoryPerTask[row] + 1);
    }

    /** Per model: the weight of the profile's shapes that may run on it, where jobs never end (see the field). */
    private static double[] modelShare(Topology t, DemandProfile p) {
        double[] share = new double[Math.max(1, t.models.size())];
        for (int m = 0; m < share.length; m++) {
            long bit = 1L << m;
            double weight = 0;
            boolean all = true;
            for (int i = 0; i < p.weight.length; i++) {
                if ((p.models[i] & bit) != 0) {
                    weight += p.weight[i];
                } else {
                    all = false;
                }
            }
            share[m] = all ? 1 : p.endless * weight + (1 - p.endless);  // exact at endless 0 and 1
        }
        return share;
    }
}
