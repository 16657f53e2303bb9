package city.myriad.simulator;

import java.util.Arrays;

/**
 * The runs of a replay by end, then start order: a binary heap whose keys sit in primitive arrays beside the runs,
 * so that sifting compares numbers without loading each run (the replay polls one per completion, and a busy
 * cluster holds thousands).
 */
final class EndQueue {

    private Replay.Run[] runs = new Replay.Run[64];
    private double[] ends = new double[64];
    private long[] seqs = new long[64];
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    Replay.Run peek() {
        return size == 0 ? null : runs[0];
    }

    void add(Replay.Run r) {
        if (size == runs.length) {
            runs = Arrays.copyOf(runs, size * 2);
            ends = Arrays.copyOf(ends, size * 2);
            seqs = Arrays.copyOf(seqs, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(r.end(), r.seq(), ends[parent], seqs[parent])) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        put(r, i);
    }

    Replay.Run poll() {
        if (size == 0) {
            return null;
        }
        Replay.Run first = runs[0];
        Replay.Run last = runs[--size];
        double end = ends[size];
        long seq = seqs[size];
        runs[size] = null;
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && less(ends[child + 1], seqs[child + 1], ends[child], seqs[child])) {
                child++;
            }
            if (!less(ends[child], seqs[child], end, seq)) {
                break;
            }
            move(child, i);
            i = child;
        }
        if (size > 0) {
            put(last, i);
        }
        return first;
    }

    /** The order of runs: by end as {@link Double#compare} orders it, then by start order (unique). */
    private static boolean less(double end1, long seq1, double end2, long seq2) {
        int c = Double.compare(end1, end2);
        return c < 0 || c == 0 && seq1 < seq2;
    }

    private void move(int from, int to) {
        runs[to] = runs[from];
        ends[to] = ends[from];
        seqs[to] = seqs[from];
    }

    private void put(Replay.Run r, int i) {
        runs[i] = r;
        ends[i] = r.end();
        seqs[i] = r.seq();
    }
}
