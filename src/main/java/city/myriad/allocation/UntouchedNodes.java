package city.myriad.allocation;

/**
 * Within one placement decision, lets a policy score only the first untouched node of each node class: untouched
 * nodes of one class (same model, cards, CPU and memory, nothing running) score alike, and ties go to the first.
 * On a fresh or lightly used cluster this turns thousands of evaluations into a few dozen; {@link #passed} lets
 * a walk over a word of nodes drop the rest of a class's untouched nodes at once.
 */
final class UntouchedNodes {

    private int[] seen = new int[0];
    /** The classes looked at in this decision, in the order they were. */
    private int[] seenClasses = new int[0];
    private int seenCount;
    private int decision;

    /** Starts a new decision on this cluster. */
    void startDecision(Topology t) {
        if (seen.length != t.nodeClasses) {
            seen = new int[t.nodeClasses];
            seenClasses = new int[t.nodeClasses];
        }
        decision++;
        seenCount = 0;
    }

    /** Whether this node is an untouched one of a class already looked at in this decision; marks it if not. */
    boolean skip(ClusterState s, int node) {
        if (!s.untouched(node)) {
            return false;
        }
        int c = s.topology().nodeClass[node];
        if (seen[c] == decision) {
            return true;
        }
        seen[c] = decision;
        seenClasses[seenCount++] = c;
        return false;
    }

    /** The nodes of one word that {@link #skip} would pass over now: the untouched nodes of the classes looked at. */
    long passed(ClusterState s, int word) {
        long bits = 0;
        for (int i = 0; i < seenCount; i++) {
            bits |= s.untouchedOfClass(seenClasses[i], word);
        }
        return bits;
    }
}
