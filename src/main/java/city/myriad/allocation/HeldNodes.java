package city.myriad.allocation;

import java.util.Arrays;

/**
 * The nodes held for a scan's heads that a job would still run at the starts of, in the heads' order: part of the
 * key of both memos (shapes that do not fit, kept reservations), which compare them at every lookup. So the hash
 * is computed once, and equal sets are usually the same object ({@link HeadMemo#intern}).
 */
final class HeldNodes {

    static final HeldNodes NONE = new HeldNodes(new int[0]);

    private final int[] nodes;
    private final int hash;

    private HeldNodes(int[] nodes) {
        this.nodes = nodes;
        this.hash = Arrays.hashCode(nodes);
    }

    static HeldNodes of(int... nodes) {
        return nodes.length == 0 ? NONE : new HeldNodes(nodes.clone());
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof HeldNodes other && other.hash == hash && Arrays.equals(other.nodes, nodes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return Arrays.toString(nodes);
    }
}
