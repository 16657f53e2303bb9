package city.myriad.catalog.service;

import city.myriad.catalog.model.NodeState;
import city.myriad.catalog.repository.NodeRepository;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The catalog's port for the scheduling loop and the cluster's agents: a cluster's nodes as the allocation core
 * needs them (in name order, with their state), and the node states the agents report.
 */
@ApplicationScoped
public class ClusterNodes {

    /**
     * A node: its cards, CPU, memory, place in the topology, state (AVAILABLE, DRAINING or DOWN), and the indexes of
     * its cards out of service (ascending; empty when all are in service).
     */
    public record NodeRef(String name, String model, int cards, long cpuMilli, long memoryMib, String rack,
            String block, String state, List<Integer> cardsOut) {

        public NodeRef {
            cardsOut = List.copyOf(cardsOut);
        }

        /** Its cards in service, by index: those the scheduling core is given. */
        public int[] cardsInService() {
            return java.util.stream.IntStream.range(0, cards).filter(c -> !cardsOut.contains(c)).toArray();
        }

        /** Whether the node takes new work. */
        public boolean inService() {
            return NodeState.AVAILABLE.name().equals(state);
        }

        public boolean down() {
            return NodeState.DOWN.name().equals(state);
        }

        /**
         * Whether the other is the same hardware in the same place, with the same cards in service (its state aside): a
         * re-import or a card taken out may change it. A node without cards has no model (null).
         */
        public boolean sameHardware(NodeRef other) {
            return other != null && Objects.equals(name, other.name) && Objects.equals(model, other.model)
                    && cards == other.cards && cpuMilli == other.cpuMilli && memoryMib == other.memoryMib
                    && Objects.equals(rack, other.rack) && Objects.equals(block, other.block)
                    && cardsOut.equals(other.cardsOut);
        }
    }

    /** A maintenance window not over: its nodes, its start and when they are back. */
    public record MaintenanceRef(UUID id, List<String> nodes, java.time.Instant startAt, java.time.Instant endsAt) {}

    private final Scoped scoped;
    private final NodeRepository nodes;
    private final Clock clock;
    private final ClusterSupply supply;
    private final city.myriad.catalog.repository.MaintenanceRepository maintenance;

    private final CardHealth cards;

    ClusterNodes(Scoped scoped, NodeRepository nodes, Clock clock, ClusterSupply supply,
            city.myriad.catalog.repository.MaintenanceRepository maintenance, CardHealth cards) {
        this.cards = cards;
        this.maintenance = maintenance;
        this.supply = supply;
        this.scoped = scoped;
        this.nodes = nodes;
        this.clock = clock;
    }

    /** Every node of the cluster, in name order. */
    public Uni<List<NodeRef>> of(UUID clusterId) {
        return scoped.unscoped(() -> nodes.find("clusterId = ?1 order by name", clusterId).list()
                .chain(list -> nodes.cardsOutOfCluster(clusterId).map(rows -> {
                    java.util.Map<String, List<Integer>> out = new java.util.HashMap<>();
                    for (Object[] r : rows) {
                        out.computeIfAbsent((String) r[0], k -> new java.util.ArrayList<>())
                                .add(((Number) r[1]).intValue());
                    }
                    return list.stream().map(n -> new NodeRef(n.name, n.gpuModel, n.gpus, n.cpuMilli, n.memoryMib,
                            n.rack, n.block, n.state, out.getOrDefault(n.name, List.of()))).toList();
                })));
    }

    /** The cluster's maintenance windows not cancelled that have not ended by {@code from}, by start. */
    public Uni<List<MaintenanceRef>> maintenance(UUID clusterId, java.time.Instant from) {
        return scoped.unscoped(() -> maintenance.current(clusterId, from)).map(list -> list.stream()
                .map(m -> new MaintenanceRef(m.id, List.of(m.nodes), m.startAt, m.endsAt())).toList());
    }

    /**
     * Sets a node's state as its agent reported it (AVAILABLE, DRAINING or DOWN); 400 UNKNOWN_NODE if the cluster
     * has no such node. Returns whether the state changed.
     */
    public Uni<Boolean> report(UUID clusterId, String nodeName, String state) {
        NodeState next = NodeState.valueOf(state);
        return scoped.unscoped(() -> nodes.findByName(clusterId, nodeName).map(n -> {
            if (n == null) {
                throw new MyriadProblem.Validation(ProblemCode.UNKNOWN_NODE, "No node '" + nodeName + "' in cluster "
                        + clusterId, List.of(MyriadProblem.Violation.field("node", "not a node of the cluster")));
            }
            if (n.state.equals(next.name())) {
                return false;
            }
            n.state = next.name();
            n.updatedAt = clock.instant();
            return true;
        })).invoke(changed -> {
            if (changed) {
                supply.nodesChanged();
            }
        });
    }

    /**
     * A card taken out of service ({@code down}) or put back as the cluster's agent reported it: whether it changed
     * (CardHealth's rules; 400 for a node or card the cluster lacks).
     */
    public Uni<Boolean> reportCard(UUID clusterId, String nodeName, int card, boolean down, String detail) {
        return cards.report(clusterId, nodeName, card, down, detail);
    }

    /**
     * What runs on the cluster now, per model and block, in milli-cards, as its scheduling loop sees it: offers and
     * SPOT prices read it. Replaces the previous report.
     */
    public Uni<Void> reportUsage(UUID clusterId, java.util.Map<String, java.util.Map<String, Long>> milliByModelAndBlock) {
        return scoped.unscoped(() -> nodes.reportUsage(clusterId, milliByModelAndBlock,
                java.time.OffsetDateTime.now(clock)));
    }
}
