package city.myriad.allocation;

/**
 * Within one placement decision, lets a policy score only the first untouched node of each node class: untouched
 * nodes of one class (same model, cards, CPU and memory, nothing running) score alike, and ties go to the first.
 * On a fresh or lightly used cluster this turns thousands of evaluations into a few dozen.
 */
final class UntouchedNodes {

    private int[] seen = new int[0];
    private int decision;

    /** Starts a new decision on this cluster. */
    void startDecision(Topology t) {
        if (seen.length != t.nodeClasses) {
            seen = new int[t.nodeClasses];
        }
        decision++;
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
        return false;
    }
}
