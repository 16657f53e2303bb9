package city.myriad.allocation;

import java.util.Arrays;

/**
 * Where one job runs: the nodes, the card indices on each, the share of each card, and the CPU and memory taken on
 * each node (a multi-node gang's CPU and memory go to its nodes in proportion to its cards, rounded up).
 */
public record Placement(Job job, int[] nodes, int[][] cards, long[] cpu, long[] memory) {

    public int milli() {
        return job.gpuMilli();
    }

    public int nodeCount() {
        return nodes.length;
    }

    /**
     * The job on these nodes and cards, taking the CPU and memory the core gives it there: all of them on one node;
     * on several, each node's share in proportion to its cards, rounded up. A stored placement (node names and cards)
     * is read back with this, so that a resumed job holds the CPU and memory it was started with.
     */
    public static Placement onNodes(Job job, int[] nodes, int[][] cards) {
        long[] cpu = new long[nodes.length];
        long[] mem = new long[nodes.length];
        if (nodes.length == 1) {
            cpu[0] = job.cpuMilli();
            mem[0] = job.memoryMib();
        } else {
            for (int i = 0; i < nodes.length; i++) {
                cpu[i] = ceilShare(job.cpuMilli(), cards[i].length, job.gpus());
                mem[i] = ceilShare(job.memoryMib(), cards[i].length, job.gpus());
            }
        }
        return new Placement(job, nodes, cards, cpu, mem);
    }

    static long ceilShare(long total, int part, int whole) {
        return whole == 0 ? 0 : (total * part + whole - 1) / whole;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("job " + job.id() + " on");
        for (int i = 0; i < nodes.length; i++) {
            b.append(' ').append(nodes[i]).append(Arrays.toString(cards[i]));
        }
        return b.toString();
    }
}
