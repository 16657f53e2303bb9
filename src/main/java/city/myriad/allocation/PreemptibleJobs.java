package city.myriad.allocation;

import java.util.ArrayList;
import java.util.List;

/**
 * The preemptible jobs running, the candidate victims of a preemption: per node the jobs in the order they started,
 * with what each holds there, the milli-cards, CPU and memory they hold in all, and per card model the milli-cards
 * they hold. {@link Preemption} keeps it in step with the scheduler's starts and ends.
 */
final class PreemptibleJobs {

    /**
     * A preemptible job running on a node, with what it holds there and its footprint (see {@link #lost}), kept so
     * that weighing a node's victims does not go through their placements.
     */
    record Victim(RunningJob running, long milli, long cpu, long memory, double footprint, int cards,
            double footprintPerCard) {
        /** The work it loses if stopped at {@code t}, as {@link PreemptibleJobs#lost} counts it. */
        double lost(double t) {
            return (t - running.start) * footprint;
        }

        /** Its lost work per card it holds a share of, on any node: no eviction frees more cards than that. */
        double lostPerCard(double t) {
            return (t - running.start) * footprintPerCard;
        }
    }

    private final Topology topology;
    /** Per node: the preemptible jobs running there, in the order they started. */
    private final List<List<Victim>> onNode;
    /** Per card model: milli-cards held by running preemptible jobs. */
    private final long[] milliOfModel;
    /** Per node: running preemptible jobs on it; and a bit per node that has any. */
    private final int[] countOn;
    private final long[] nodesWithAny;
    /** Per node: milli-cards, CPU and memory held there by running preemptible jobs. */
    private final long[] milliOn;
    private final long[] cpuOn;
    private final long[] memoryOn;
    /** Per node: counts every change to its preemptible jobs. */
    private final int[] changes;

    PreemptibleJobs(Topology topology) {
        this.topology = topology;
        this.milliOfModel = new long[Math.max(1, topology.models().size())];
        this.countOn = new int[topology.nodes()];
        this.nodesWithAny = new long[(topology.nodes() + 63) >>> 6];
        this.milliOn = new long[topology.nodes()];
        this.cpuOn = new long[topology.nodes()];
        this.memoryOn = new long[topology.nodes()];
        this.changes = new int[topology.nodes()];
        this.onNode = new ArrayList<>(topology.nodes());
        for (int n = 0; n < topology.nodes(); n++) {
            onNode.add(new ArrayList<>());
        }
    }

    /** A job runs (started, resumed, or restored after a what-if): a victim on each of its nodes if preemptible. */
    void started(RunningJob r) {
        Placement p = r.placement;
        if (!p.job().preemptible()) {
            return;
        }
        double footprint = footprint(p);
        int cards = 0;
        for (int[] c : p.cards()) {
            cards += c.length;
        }
        double perCard = footprint / Math.max(1, cards);
        for (int i = 0; i < p.nodes().length; i++) {
            changes[p.nodes()[i]]++;
            onNode.get(p.nodes()[i]).add(new Victim(r, (long) p.cards()[i].length * p.milli(), p.cpu()[i],
                    p.memory()[i], footprint, p.cards()[i].length, perCard));
        }
        count(p, +1);
    }

    /** A job stopped running (ended, evicted, or evicted for a what-if). */
    void ended(RunningJob r) {
        if (!r.job().preemptible()) {
            return;
        }
        for (int n : r.placement.nodes()) {
            changes[n]++;
            onNode.get(n).removeIf(v -> v.running() == r);
        }
        count(r.placement, -1);
    }

    /** The preemptible jobs running on node n, in the order they started. */
    List<Victim> on(int n) {
        return onNode.get(n);
    }

    /** The same, as the running jobs. */
    List<RunningJob> runningOn(int n) {
        List<Victim> here = onNode.get(n);
        List<RunningJob> running = new ArrayList<>(here.size());
        for (Victim victim : here) {
            running.add(victim.running());
        }
        return running;
    }

    /** The first node at or after {@code from} where a preemptible job runs, or -1. */
    int next(int from) {
        int word = from >>> 6;
        if (word >= nodesWithAny.length) {
            return -1;
        }
        long bits = nodesWithAny[word] & (-1L << (from & 63));
        while (bits == 0) {
            if (++word >= nodesWithAny.length) {
                return -1;
            }
            bits = nodesWithAny[word];
        }
        return (word << 6) + Long.numberOfTrailingZeros(bits);
    }

    long milliOn(int n) {
        return milliOn[n];
    }

    long cpuOn(int n) {
        return cpuOn[n];
    }

    long memoryOn(int n) {
        return memoryOn[n];
    }

    /** Milli-cards of this model held by preemptible jobs. */
    long milliOfModel(int model) {
        return milliOfModel[model];
    }

    /** Counts the starts and ends of preemptible jobs on node n: equal counts, the same victims. */
    int changes(int n) {
        return changes[n];
    }

    /**
     * The work a victim loses if stopped at {@code t}: the time it has run times its footprint in milli-cards, the
     * larger of its cards and its share of its nodes' CPU or memory counted in their cards. A job holding no card
     * (CPU only) or little of one still keeps the rest of a node from others: counting its cards alone would make
     * it free to evict, and it would be evicted over and over.
     */
    double lost(RunningJob v, double t) {
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
        double share = Math.max(cpu == 0 ? 0 : (double) j.cpuMilli() / cpu,
                memory == 0 ? 0 : (double) j.memoryMib() / memory);
        return Math.max(j.totalMilli(), share * cards * 1000);
    }

    /** Keeps the sums and the nodes with preemptible jobs in step as such jobs start and stop. */
    private void count(Placement p, int sign) {
        for (int i = 0; i < p.nodes().length; i++) {
            int n = p.nodes()[i];
            countOn[n] += sign;
            if (countOn[n] > 0) {
                nodesWithAny[n >>> 6] |= 1L << n;
            } else {
                nodesWithAny[n >>> 6] &= ~(1L << n);
            }
            long milli = (long) p.cards()[i].length * p.milli();
            milliOn[n] += sign * milli;
            cpuOn[n] += sign * p.cpu()[i];
            memoryOn[n] += sign * p.memory()[i];
            if (topology.cards(n) > 0) {
                milliOfModel[topology.model(n)] += sign * milli;
            }
        }
    }
}
