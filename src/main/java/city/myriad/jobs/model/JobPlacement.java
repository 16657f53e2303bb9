package city.myriad.jobs.model;

import java.util.List;

/**
 * Where a run of a job is: for each node, the indices of the cards it uses there, and the share of each card it
 * takes in thousandths (1000 for whole cards; less only for a fraction of one card).
 */
public record JobPlacement(List<NodeCards> nodes, int shareMilli) {

    public record NodeCards(String node, List<Integer> cards) {}

    public boolean on(String node) {
        return nodes.stream().anyMatch(n -> n.node().equals(node));
    }
}
