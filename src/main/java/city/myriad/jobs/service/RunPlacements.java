package city.myriad.jobs.service;

import city.myriad.jobs.model.JobPlacement;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
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
        JobPlacement p;
        try {
            p = json.readValue(stored, JobPlacement.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A stored placement does not parse: " + stored, e);
        }
        return p.nodes().stream().filter(n -> n.node().equals(node)).findFirst()
                .map(n -> OptionalInt.of(p.shareMilli() < 1000 ? p.shareMilli() : n.cards().size() * 1000))
                .orElse(OptionalInt.empty());
    }
}
