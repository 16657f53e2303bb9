package city.myriad.allocation;

import java.util.Arrays;

/**
 * Per node, the declared ends of the allocations running on it, and the latest of them: when the node drains, by
 * the running jobs' declared run times, if nothing more starts there. An allocation whose end is unknown or that
 * never ends counts as running for ever. A node has as many entries as allocations (a few, or a few dozen slices),
 * so a removal scans its row.
 */
final class NodeEnds {

    private final double[][] ends;
    private final int[] count;
    private final double[] latest;

    NodeEnds(int nodes) {
        ends = new double[nodes][];
        count = new int[nodes];
        latest = new double[nodes];
        Arrays.fill(latest, Double.NEGATIVE_INFINITY);
    }

    void add(int node, double end) {
        double[] row = ends[node];
        if (row == null || count[node] == row.length) {
            ends[node] = row = row == null ? new double[4] : Arrays.copyOf(row, row.length * 2);
        }
        row[count[node]++] = end;
        latest[node] = Math.max(latest[node], end);
    }

    /** Removes one entry of {@code end}; throws if the node has none (a release that does not match an allocation). */
    void remove(int node, double end) {
        double[] row = ends[node];
        int n = count[node];
        for (int i = 0; i < n; i++) {
            if (Double.compare(row[i], end) == 0) {
                row[i] = row[n - 1];
                count[node] = n - 1;
                if (end == latest[node]) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k < n - 1; k++) {
                        max = Math.max(max, row[k]);
                    }
                    latest[node] = max;
                }
                return;
            }
        }
        throw new IllegalStateException("node " + node + " runs nothing that ends at " + end);
    }

    /** The latest declared end on the node; negative infinity when nothing runs there. */
    double latest(int node) {
        return latest[node];
    }
}
