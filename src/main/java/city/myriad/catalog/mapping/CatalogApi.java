package city.myriad.catalog.mapping;

import city.myriad.catalog.model.CardOut;
import city.myriad.catalog.model.Cluster;
import city.myriad.catalog.model.Maintenance;
import city.myriad.catalog.model.MaintenanceState;
import city.myriad.catalog.model.Node;
import city.myriad.catalog.model.NodeState;
import city.myriad.catalog.model.Operator;
import city.myriad.platform.Identified;
import city.myriad.platform.Slugs;
import city.myriad.platform.validation.MaxChars;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The catalog domain's API models, kept apart from its entities. */
public final class CatalogApi {

    private CatalogApi() {}

    static final String SLUG = Slugs.PATTERN;
    static final String SLUG_RULE = Slugs.RULE;

    @Schema(name = "Operator", description = "A city or its contractor that runs clusters")
    public record OperatorView(UUID id, @Schema(examples = "hangzhou") String slug,
            @Schema(examples = "Hangzhou Municipal AI Computing Center") String name, Instant createdAt) implements Identified {
        public static OperatorView of(Operator o) {
            return new OperatorView(o.id, o.slug, o.name, o.createdAt);
        }
    }

    @Schema(name = "CreateOperator")
    public record CreateOperator(
            @NotBlank @Pattern(regexp = SLUG, message = SLUG_RULE) @Schema(examples = "shenzhen") String slug,
            @NotBlank @MaxChars(200) @Schema(maxLength = 200, examples = "Shenzhen Municipal Computing Center") String name) {}

    @Schema(name = "Cluster", description = "A city-run cluster of accelerator cards")
    public record ClusterView(UUID id, UUID operatorId, @Schema(examples = "hangzhou-city") String slug,
            @Schema(examples = "Hangzhou City Cluster") String name, @Schema(examples = "cn-east-hangzhou") String region,
            Instant createdAt) implements Identified {
        public static ClusterView of(Cluster c) {
            return new ClusterView(c.id, c.operatorId, c.slug, c.name, c.region, c.createdAt);
        }
    }

    @Schema(name = "CreateCluster")
    public record CreateCluster(
            @NotBlank @Pattern(regexp = SLUG, message = SLUG_RULE) @Schema(examples = "hangzhou-east") String slug,
            @NotBlank @MaxChars(200) @Schema(maxLength = 200, examples = "Hangzhou East AI Computing Center") String name,
            @NotBlank @MaxChars(100) @Schema(maxLength = 100, examples = "cn-east-hangzhou") String region,
            @Schema(description = "The operating city; platform admins must give it, operators may omit it")
            UUID operatorId) {}

    @Schema(name = "Node", description = "A machine of a cluster and its place in the topology")
    public record NodeView(@Schema(examples = "hz-n0001") String name, @Schema(examples = "ASCEND-910B") String gpuModel,
            @Schema(examples = "8") int gpus, @Schema(examples = "192000") long cpuMilli,
            @Schema(examples = "1572864") long memoryMib, @Schema(examples = "hz-r001") String rack,
            @Schema(examples = "hz-b01") String block, NodeState state,
            @Schema(description = "Of its cards, those not out of service (`setCardState`): all it can take work on "
                    + "while AVAILABLE", examples = "7") int cardsInService,
            @Schema(description = "Its cards out of service, by index") List<CardOutView> cardsOut,
            Instant updatedAt) {
        /** The node with its cards out of service (those of other nodes in {@code outs} are left aside). */
        public static NodeView of(Node n, List<CardOut> outs) {
            List<CardOutView> mine = outs.stream().filter(o -> o.nodeId().equals(n.id)).map(CardOutView::of).toList();
            return new NodeView(n.name, n.gpuModel, n.gpus, n.cpuMilli, n.memoryMib, n.rack, n.block,
                    NodeState.valueOf(n.state), n.gpus - mine.size(), mine, n.updatedAt);
        }
    }

    @Schema(name = "CardOut", description = "A card out of service: it takes no work and is sold to nobody until it is "
            + "put back, while the node's other cards work on")
    public record CardOutView(@Schema(description = "Its index on the node (0 to gpus - 1), as placements name it",
            examples = "3") int card,
            @Schema(examples = "HBM uncorrectable ECC error (Xid 48)") String reason, Instant since,
            @Schema(description = "Who took it out: a user name, or `agent` for its cluster's agent",
                    examples = "olga") String setBy) {
        static CardOutView of(CardOut o) {
            return new CardOutView(o.card(), o.reason(), o.since(), o.setBy());
        }
    }

    @Schema(name = "CardOutage", description = "A card's time out of service, ended or going on")
    public record CardOutageView(@Schema(examples = "hz-n0001") String node,
            @Schema(description = "Its index on the node", examples = "3") int card,
            @Schema(examples = "HBM uncorrectable ECC error (Xid 48)") String reason, Instant since,
            @Schema(description = "Who took it out: a user name, or `agent`", examples = "olga") String setBy,
            @Schema(description = "When it came back; null while it is out") Instant backAt,
            @Schema(description = "Who put it back: a user name, `agent`, or `import` (its node re-imported as other "
                    + "hardware); null while it is out", examples = "agent") String backBy,
            @Schema(description = "Seconds out of service, to now while it is out", examples = "86400")
            long secondsOut) {}

    @Schema(name = "CardStateChange", description = "Take a card out of service, or put it back")
    public record CardStateChange(
            @NotNull @Schema(description = "DOWN: out of service (what runs on it ends as on a node down); AVAILABLE: "
                    + "back in service", enumeration = {"DOWN", "AVAILABLE"}, examples = "DOWN") CardState state,
            @MaxChars(500) @Schema(maxLength = 500, description = "Why: required to take it out",
                    examples = "HBM uncorrectable ECC error (Xid 48)") String reason) {}

    /** What a card can be set to: in service, or out of it. */
    public enum CardState { DOWN, AVAILABLE }

    @Schema(name = "NodeHistoryEntry", description = "What a node was from `at` until the next entry (newer)")
    public record NodeHistoryEntry(
            @Schema(description = "REMOVED: the node was removed, or its cards or model changed (the next entry says "
                    + "what it became)", enumeration = {"AVAILABLE", "DRAINING", "DOWN", "REMOVED"},
                    examples = "DOWN") String state,
            @Schema(examples = "ASCEND-910B") String gpuModel, @Schema(examples = "8") int gpus,
            @Schema(description = "Of its cards, how many were out of service (`setCardState`)", examples = "1")
            int cardsOut, Instant at) {}

    @Schema(name = "NodeStateChange")
    public record NodeStateChange(@NotNull NodeState state) {}

    @Schema(name = "InventoryImport", description = "What an inventory import did")
    public record ImportResult(@Schema(examples = "1250") int nodes, @Schema(examples = "10000") int cards,
            @Schema(examples = "[\"ASCEND-910B\"]") List<String> models, @Schema(examples = "1250") int created,
            @Schema(examples = "0") int updated, @Schema(examples = "0") int unchanged) {}

    @Schema(name = "CardCounts", description = "Cards by node state")
    public record CardCounts(@Schema(examples = "10000") long total, @Schema(examples = "9992") long available,
            @Schema(examples = "8") long draining, @Schema(examples = "0") long down,
            @Schema(examples = "16", description = "Of the cards not down, those on nodes in a maintenance window "
                    + "now (they take no work; counted in their node's state too)") long inMaintenance) {}

    @Schema(name = "ModelCapacity")
    public record ModelCapacity(@Schema(examples = "ASCEND-910B") String model, @Schema(examples = "1250") long nodes,
            CardCounts cards) {}

    @Schema(name = "ClusterCapacity", description = "A cluster's cards per model and node state")
    public record Capacity(UUID clusterId, CardCounts cards, List<ModelCapacity> models) {}

    @Schema(name = "CreateMaintenance", description = "A maintenance window of some of the cluster's nodes")
    public record CreateMaintenance(
            @NotNull @Size(min = 1, max = 1000) @Schema(description = "The nodes taken out, by name (1 to 1,000, "
                    + "each once)", examples = "[\"hz-n0001\", \"hz-n0002\"]")
            List<@NotBlank @MaxChars(100) String> nodes,
            @NotNull @Schema(description = "When the nodes stop taking work: not in the past, within 366 days")
            Instant startAt,
            @NotNull @Schema(description = "When they are back (at most 30 days after the start); "
                    + "completeMaintenance may end it earlier") Instant endAt,
            @NotBlank @MaxChars(500) @Schema(maxLength = 500, examples = "Firmware upgrade of the rack's switches")
            String reason) {}

    @Schema(name = "UpdateMaintenance", description = "What to change of a maintenance window: a field left out (or "
            + "null) stays as it is; none can be cleared")
    public record UpdateMaintenance(
            @Schema(description = "A new start: only while the window is SCHEDULED (not in the past, within 366 days)")
            Instant startAt,
            @Schema(description = "A new planned end: while it is SCHEDULED or IN_PROGRESS (later than now, at most 30 "
                    + "days after the start); completeMaintenance ends it now") Instant endAt,
            @MaxChars(500) @Schema(maxLength = 500, examples = "Firmware upgrade, second pass") String reason) {}

    @Schema(name = "Maintenance", description = "A maintenance window: from its start to its end its nodes take no "
            + "job and none of their cards is sold")
    public record MaintenanceView(UUID id, UUID clusterId,
            @Schema(examples = "[\"hz-n0001\", \"hz-n0002\"]") List<String> nodes,
            @Schema(description = "The cards of those nodes per card model, as the nodes are now",
                    examples = "{\"ASCEND-910B\": 16}") java.util.Map<String, Integer> cards,
            Instant startAt,
            @Schema(description = "The planned end") Instant endAt,
            @Schema(description = "When the nodes are back: the planned end, or the earlier completion "
                    + "(the start for a cancelled window)") Instant endsAt,
            MaintenanceState state, String reason,
            @Schema(description = "Who scheduled it (username)") String createdBy, Instant createdAt,
            Instant cancelledAt, Instant completedAt) implements Identified {
        public static MaintenanceView of(Maintenance m, java.util.Map<String, Integer> cards, Instant now) {
            return new MaintenanceView(m.id, m.clusterId, List.of(m.nodes), cards, m.startAt, m.endAt, m.endsAt(),
                    MaintenanceState.of(m, now), m.reason, m.createdBy, m.createdAt, m.cancelledAt, m.completedAt);
        }
    }
}
