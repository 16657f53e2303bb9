package city.myriad.jobs.service;

import city.myriad.jobs.model.JobPlacement;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/** The jobs domain's port for metering: what a run's stored placement holds on one node. */
@ApplicationScoped
public class RunPlacements {

    private final ObjectMapper json;

    RunPlacements(ObjectMapper json) {
        this.json = json;
    }

    /**
     * The cards, in thousandths, that a run placed as {@code stored} (a job's or segment's placement) uses on
     * {@code node}: its whole cards there, or its share of one card; empty if the run is not on that node.
     */
    public OptionalInt cardsMilliOn(String stored, String node) {
        Integer milli = cardsMilliByNode(stored).get(node);
        return milli == null ? OptionalInt.empty() : OptionalInt.of(milli);
    }

    /** Every node of a run placed as {@code stored}, with the cards (in thousandths) it uses there. */
    public Map<String, Integer> cardsMilliByNode(String stored) {
        JobPlacement p = StoredPlacements.read(json, stored);
        if (p == null) {
            throw new IllegalStateException("The run has no stored placement");
        }
        Map<String, Integer> byNode = new HashMap<>();
        p.nodes().forEach(n -> byNode.put(n.node(), p.shareMilli() < 1000 ? p.shareMilli() : n.cards().size() * 1000));
        return byNode;
    }
}
