package city.myriad.allocation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A set of jobs kept in a total order, as a list of short sorted blocks: what a tenant's waiting jobs are kept in.
 * A scan walks the queue far more often than jobs arrive or leave (each cycle looks at up to a thousand jobs, and
 * a busy cluster starts few), so the walk reads consecutive array slots instead of following a tree's links, while
 * an insertion or removal moves at most one block's slots. The order must tell any two distinct jobs apart (ties
 * broken by id), as a {@link java.util.TreeSet}'s does: a job equal to one held is the same job.
 */
final class SortedJobs implements Iterable<Job> {

    /** Slots per block: a split leaves two half-full blocks. */
    static final int BLOCK = 64;

    private final Comparator<Job> order;
    private final List<Job[]> blocks = new ArrayList<>();
    /** How many jobs each block holds, in {@link #blocks}' order. */
    private int[] counts = new int[8];
    private int size;
    /** Changes so far: an iterator refuses to go on after one. */
    private int version;

    SortedJobs(Comparator<Job> order) {
        this.order = order;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Adds the job; false if it is already held. */
    boolean add(Job j) {
        if (blocks.isEmpty()) {
            Job[] first = new Job[BLOCK];
            first[0] = j;
            blocks.add(first);
            counts[0] = 1;
            size = 1;
            version++;
            return true;
        }
        int b = blockFor(j);
        Job[] block = blocks.get(b);
        int n = counts[b];
        int at = Arrays.binarySearch(block, 0, n, j, order);
        if (at >= 0) {
            return false;
        }
        at = -at - 1;
        if (n == BLOCK) {
            split(b);
            if (at > BLOCK / 2) {
                b++;
                at -= BLOCK / 2;
            }
            block = blocks.get(b);
            n = counts[b];
        }
        System.arraycopy(block, at, block, at + 1, n - at);
        block[at] = j;
        counts[b] = n + 1;
        size++;
        version++;
        return true;
    }

    /** Removes the job; false if it was not held. */
    boolean remove(Job j) {
        if (size == 0) {
            return false;
        }
        int b = blockFor(j);
        Job[] block = blocks.get(b);
        int n = counts[b];
        int at = Arrays.binarySearch(block, 0, n, j, order);
        if (at < 0) {
            return false;
        }
        System.arraycopy(block, at + 1, block, at, n - at - 1);
        block[n - 1] = null;
        counts[b] = n - 1;
        if (n == 1) {
            blocks.remove(b);
            System.arraycopy(counts, b + 1, counts, b, blocks.size() - b);
        }
        size--;
        version++;
        return true;
    }

    boolean contains(Job j) {
        if (size == 0) {
            return false;
        }
        int b = blockFor(j);
        return Arrays.binarySearch(blocks.get(b), 0, counts[b], j, order) >= 0;
    }

    /**
     * The block the job belongs in: the first whose last job is not before it, or the last block. A job between
     * two blocks goes to the later one's front.
     */
    private int blockFor(Job j) {
        int lo = 0;
        int hi = blocks.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            Job last = blocks.get(mid)[counts[mid] - 1];
            if (order.compare(last, j) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private void split(int b) {
        Job[] full = blocks.get(b);
        Job[] upper = new Job[BLOCK];
        System.arraycopy(full, BLOCK / 2, upper, 0, BLOCK / 2);
        Arrays.fill(full, BLOCK / 2, BLOCK, null);
        blocks.add(b + 1, upper);
        if (counts.length < blocks.size()) {
            counts = Arrays.copyOf(counts, counts.length * 2);
        }
        System.arraycopy(counts, b + 1, counts, b + 2, blocks.size() - b - 2);
        counts[b] = BLOCK / 2;
        counts[b + 1] = BLOCK / 2;
    }

    /** The jobs in order. The set must not change while it is walked. */
    @Override
    public Iterator<Job> iterator() {
        return new Iterator<>() {
            private final int expected = version;
            private int block;
            private int at;

            @Override
            public boolean hasNext() {
                return block < blocks.size();
            }

            @Override
            public Job next() {
                if (expected != version) {
                    throw new ConcurrentModificationException();
                }
                if (block >= blocks.size()) {
                    throw new NoSuchElementException();
                }
                Job j = blocks.get(block)[at];
                if (++at == counts[block]) {
                    block++;
                    at = 0;
                }
                return j;
            }
        };
    }
}
