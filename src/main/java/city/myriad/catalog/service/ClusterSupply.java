package city.myriad.catalog.service;

import city.myriad.catalog.model.Cluster;
import city.myriad.catalog.repository.ClusterRepository;
import city.myriad.catalog.repository.NodeRepository;
import city.myriad.platform.cache.Recent;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.security.Caller;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The catalog's port for the domains that sell and schedule its cards (market, jobs): which clusters exist, who
 * manages each, which card models a cluster has, and how many of its cards are available now, in total and in
 * the largest block (a gang that must stay in one block fits in no more).
 */
@ApplicationScoped
public class ClusterSupply {

    /** A cluster as other domains see it. */
    public record ClusterRef(UUID id, UUID operatorId, String slug, String name, String region) {}

    /**
     * One card model of a cluster: cards free now on available nodes (not held by running work), the most of them in
     * any one block, and the share of the available cards that running work holds (0 to 1).
     */
    public record ModelSupply(String model, long availableCards, long largestBlockCards,
            java.math.BigDecimal utilization) {}

    private final Scoped scoped;
    private final ClusterRepository clusters;
    private final NodeRepository nodes;
    private final OperatorLookup operators;
    /** Clusters as read within the last second (a cluster's identity and operator do not change). */
    private final Recent<UUID, ClusterRef> found = new Recent<>(Duration.ofSeconds(1), 10_000);
    /** Cards in service per cluster x model, as read within the last second; forgotten when nodes change here. */
    private final Recent<ModelOf, Long> inService = new Recent<>(Duration.ofSeconds(1), 10_000);

    private record ModelOf(UUID cluster, String model) {}

    /** Nodes of one shape: cards, CPU in thousandths of a core, memory in MiB, and how many nodes have it. */
    public record NodeShape(int cards, long cpuMilli, long memoryMib, long nodes) {}

    /**
     * A node of a model in service, by name: its cards, CPU (milli), memory (MiB), block, and whether it takes new work
     * (AVAILABLE; a DRAINING one only finishes what runs).
     */
    public record NodeInService(String name, int cards, long cpuMilli, long memoryMib, String block,
            boolean takesWork) {}

    /** A node's maintenance window not over: from {@code startAt} until {@code endsAt} it takes no work. */
    public record NodeMaintenance(String node, java.time.Instant startAt, java.time.Instant endsAt) {}

    /** Each cluster's maintenance windows not over, node by node, as read within the last second. */
    private final Recent<UUID, List<NodeMaintenance>> nodeMaintenance = new Recent<>(Duration.ofSeconds(1), 10_000);

    /** Each cluster x model's nodes in service, by name, as read within the last second. */
    private final Recent<ModelOf, List<NodeInService>> nodesInService = new Recent<>(Duration.ofSeconds(1), 10_000);

    /** The shapes of each cluster x model's nodes in service, as read within the last second. */
    private final Recent<ModelOf, List<NodeShape>> shapes = new Recent<>(Duration.ofSeconds(1), 10_000);

    /**
     * Cards of one model a maintenance window takes out of one block from {@code startAt} until {@code endsAt}: what
     * the capacity calendar sells none of.
     */
    public record CardsOut(java.time.Instant startAt, java.time.Instant endsAt, String block, int cards) {}

    private final city.myriad.catalog.repository.MaintenanceRepository maintenance;

    ClusterSupply(Scoped scoped, ClusterRepository clusters, NodeRepository nodes, OperatorLookup operators,
            city.myriad.catalog.repository.MaintenanceRepository maintenance) {
        this.maintenance = maintenance;
        this.scoped = scoped;
        this.clusters = clusters;
        this.nodes = nodes;
        this.operators = operators;
    }

    /** The cluster; 404 {@code CLUSTER_NOT_FOUND} if there is none. */
    public Uni<ClusterRef> find(UUID clusterId) {
        return found.get(clusterId, () -> scoped.unscoped(() -> clusters.findById(clusterId))
                .map(c -> c == null ? null : ref(c))).map(c -> {
                    if (c == null) {
                        throw new MyriadProblem.NotFound(ProblemCode.CLUSTER_NOT_FOUND, "No cluster " + clusterId);
                    }
                    return c;
                });
    }

    /**
     * The cards of a model on the cluster's nodes that are not down, as read within the last second: what a job
     * checks it can ever run on (the scheduling loop refuses one that no longer fits). 400 {@code UNKNOWN_MODEL}
     * when the cluster has no such cards.
     */
    public Uni<Long> cardsInService(UUID clusterId, String model) {
        return inService.get(new ModelOf(clusterId, model), () -> sellableByBlock(clusterId, model)
                .map(byBlock -> byBlock.isEmpty() ? null
                        : byBlock.values().stream().mapToLong(Integer::longValue).sum()))
                .map(cards -> {
                    if (cards == null) {
                        throw unknownModel(clusterId, model);
                    }
                    return cards;
                });
    }

    /**
     * The shapes of the model's nodes that are not down, as read within the last second: what a job that asks CPU or
     * memory checks it can ever run on.
     */
    public Uni<List<NodeShape>> nodeShapes(UUID clusterId, String model) {
        return shapes.get(new ModelOf(clusterId, model), () -> scoped.unscoped(() -> nodes.shapes(clusterId, model))
                .map(rows -> rows.stream().map(r -> new NodeShape(((Number) r[0]).intValue(),
                        ((Number) r[1]).longValue(), ((Number) r[2]).longValue(), ((Number) r[3]).longValue()))
                        .toList()));
    }

    /**
     * The model's nodes that are not down, by name, as read within the last second: what a start estimate plays the
     * queue on, node by node.
     */
    public Uni<List<NodeInService>> nodesInService(UUID clusterId, String model) {
        return nodesInService.get(new ModelOf(clusterId, model), () -> scoped.unscoped(() -> nodes.inService(clusterId,
                        model))
                .map(rows -> rows.stream().map(r -> new NodeInService((String) r[0], ((Number) r[1]).intValue(),
                        ((Number) r[2]).longValue(), ((Number) r[3]).longValue(), (String) r[4],
                        "AVAILABLE".equals(r[5]))).toList()));
    }

    /**
     * The cluster's maintenance windows not over (not cancelled, not completed, not ended), node by node, as read
     * within the last second: what a start estimate plans around.
     */
    public Uni<List<NodeMaintenance>> maintenanceOfNodes(UUID clusterId, java.time.Instant now) {
        return nodeMaintenance.get(clusterId, () -> scoped.unscoped(() -> maintenance.current(clusterId, now))
                .map(windows -> windows.stream().flatMap(m -> java.util.Arrays.stream(m.nodes)
                        .map(n -> new NodeMaintenance(n, m.startAt, m.endsAt()))).toList()));
    }

    /** The cluster's nodes changed (an import, a node's state): what was read of them is forgotten. */
    void nodesChanged() {
        inService.forgetAll();
        shapes.forgetAll();
        nodesInService.forgetAll();
    }

    /** The cluster if the caller may manage it: its operator, or a platform admin; 403 otherwise. */
    public Uni<ClusterRef> managed(Caller caller, UUID clusterId) {
        if (caller.isPlatformAdmin()) {
            return find(clusterId);
        }
        return operators.of(caller).chain(op -> find(clusterId).map(c -> {
            if (!c.operatorId().equals(op.id())) {
                throw new MyriadProblem.Forbidden(ProblemCode.NOT_CLUSTER_OPERATOR,
                        "Only the cluster's operator may do this");
            }
            return c;
        }));
    }

    /** Every cluster, in id order. */
    public Uni<List<ClusterRef>> all() {
        return scoped.unscoped(() -> clusters.listAll()).map(list -> list.stream().map(ClusterSupply::ref)
                .sorted(java.util.Comparator.comparing(ClusterRef::id)).toList());
    }

    /** The card models the cluster has. */
    public Uni<List<String>> models(UUID clusterId) {
        return scoped.unscoped(() -> nodes.models(clusterId));
    }

    /** The share of the model's available cards that running work holds (0 to 1; 0 for a model not there). */
    public Uni<java.math.BigDecimal> utilization(UUID clusterId, String model) {
        return supply(clusterId).map(supply -> supply.stream().filter(m -> m.model().equals(model))
                .map(ModelSupply::utilization).findFirst().orElse(java.math.BigDecimal.ZERO));
    }

    /** Per model, the cards free now, the most of them in one block, and the utilization of running work. */
    public Uni<List<ModelSupply>> supply(UUID clusterId) {
        return scoped.unscoped(() -> nodes.availableByBlock(clusterId)).map(rows -> {
            Map<String, long[]> byModel = new TreeMap<>(); // model -> free, largest free block, cards, milli in use
            for (Object[] r : rows) {
                long cards = ((Number) r[2]).longValue();
                long inUse = Math.min(((Number) r[3]).longValue(), cards * 1000);
                long free = (cards * 1000 - inUse) / 1000;
                long[] acc = byModel.computeIfAbsent((String) r[0], m -> new long[4]);
                acc[0] += free;
                acc[1] = Math.max(acc[1], free);
                acc[2] += cards;
                acc[3] += inUse;
            }
            List<ModelSupply> supply = new ArrayList<>();
            byModel.forEach((model, acc) -> supply.add(new ModelSupply(model, acc[0], acc[1], acc[2] == 0
                    ? java.math.BigDecimal.ZERO : java.math.BigDecimal.valueOf(acc[3])
                            .divide(java.math.BigDecimal.valueOf(acc[2] * 1000), java.math.MathContext.DECIMAL64))));
            return supply;
        });
    }

    private static ClusterRef ref(Cluster c) {
        return new ClusterRef(c.id, c.operatorId, c.slug, c.name, c.region);
    }

    /**
     * Cards of one model per block that may be sold (nodes not down), for a buyer who named the model: 400
     * {@code UNKNOWN_MODEL} when the cluster has no such cards.
     */
    public Uni<Map<String, Integer>> sellableOf(UUID clusterId, String model) {
        return sellableByBlock(clusterId, model).invoke(byBlock -> {
            if (byBlock.isEmpty()) {
                throw unknownModel(clusterId, model);
            }
        });
    }

    private static MyriadProblem unknownModel(UUID clusterId, String model) {
        return new MyriadProblem.Validation(ProblemCode.UNKNOWN_MODEL, "Cluster " + clusterId
                + " has no cards of model '" + model + "'",
                List.of(MyriadProblem.Violation.field("model", "not a card model of the cluster")));
    }

    /** Cards of one model per block that reservations may be sold from (nodes not down); empty: no such model. */
    public Uni<Map<String, Integer>> sellableByBlock(UUID clusterId, String model) {
        return scoped.unscoped(() -> nodes.sellableByBlock(clusterId, model)).map(rows -> {
            Map<String, Integer> byBlock = new TreeMap<>();
            rows.forEach(r -> byBlock.put((String) r[0], ((Number) r[1]).intValue()));
            return byBlock;
        });
    }

    /**
     * The cards of one model the cluster's maintenance windows take out from {@code from} on, per window and block
     * (nodes down are left out: {@link #sellableByBlock} leaves them out already). Read in the caller's transaction,
     * so a buyer holding the calendar's lock sees every window made before it.
     */
    public Uni<List<CardsOut>> maintenanceOut(UUID clusterId, String model, java.time.Instant from) {
        return maintenanceOut(clusterId, model, from, null);
    }

    /** As {@link #maintenanceOut(UUID, String, java.time.Instant)}, without the windows of node {@code exceptNode}. */
    public Uni<List<CardsOut>> maintenanceOut(UUID clusterId, String model, java.time.Instant from,
            String exceptNode) {
        return maintenanceOut(clusterId, model, from, exceptNode, null);
    }

    /** As {@link #maintenanceOut(UUID, String, java.time.Instant, String)}, without window {@code exceptWindow}. */
    public Uni<List<CardsOut>> maintenanceOut(UUID clusterId, String model, java.time.Instant from,
            String exceptNode, UUID exceptWindow) {
        return scoped.unscoped(() -> maintenance.cardsOut(clusterId, model, from, exceptNode, exceptWindow)).map(rows -> rows.stream()
                .map(r -> new CardsOut(city.myriad.platform.db.SqlTimes.instant(r[0]),
                        city.myriad.platform.db.SqlTimes.instant(r[1]), (String) r[2], ((Number) r[3]).intValue()))
                .toList());
    }
}
