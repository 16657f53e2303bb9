package city.myriad.jobs.service;

import city.myriad.catalog.service.ClusterSupply.NodeShape;
import java.util.List;

/**
 * Whether a job that asks CPU or memory could ever run on a cluster's nodes of its model, judged as the allocation
 * core places it, so that a job that never could is refused at submission instead of waiting forever:
 * <ul>
 * <li>A job of a fraction of a card, or of no more cards than the largest node has, runs on one node: some node
 * must have its cards, its CPU and its memory.</li>
 * <li>A gang spans nodes and takes on each node its CPU and memory in proportion to its cards there, rounded up
 * ({@code ceil(cpu × k / cards)} for k cards): the cards of all nodes, each counted up to what its CPU and memory
 * can carry at that share, must add up to the gang's.</li>
 * </ul>
 */
final class NodeNeeds {

    private NodeNeeds() {}

    static boolean canEverRun(int cardsMilli, long cpuMilli, long memoryMib, List<NodeShape> shapes) {
        int cards = cardsMilli >= 1000 ? cardsMilli / 1000 : 1;
        int largest = shapes.stream().mapToInt(NodeShape::cards).max().orElse(0);
        if (cards <= Math.max(1, largest)) {
            return shapes.stream().anyMatch(n -> n.cards() >= cards && n.cpuMilli() >= cpuMilli
                    && n.memoryMib() >= memoryMib);
        }
        long carried = 0;
        for (NodeShape n : shapes) {
            long each = Math.min(n.cards(), Math.min(cardsFor(n.cpuMilli(), cpuMilli, cards),
                    cardsFor(n.memoryMib(), memoryMib, cards)));
            carried += each * n.nodes();
        }
        return carried >= cards;
    }

    /**
     * The most cards k of a gang of {@code cards} that a node with {@code has} carries: ceil(asked × k / cards) ≤ has.
     */
    private static long cardsFor(long has, long asked, int cards) {
        if (asked == 0) {
            return Long.MAX_VALUE;
        }
        try {
            return Math.multiplyExact(has, (long) cards) / asked;
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;  // more than any gang could ask
        }
    }
}
