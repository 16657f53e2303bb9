package city.myriad.catalog.service;

import city.myriad.catalog.mapping.CatalogApi.Capacity;
import city.myriad.catalog.mapping.CatalogApi.CardCounts;
import city.myriad.catalog.mapping.CatalogApi.ClusterView;
import city.myriad.catalog.mapping.CatalogApi.CreateCluster;
import city.myriad.catalog.mapping.CatalogApi.ImportResult;
import city.myriad.catalog.mapping.CatalogApi.ModelCapacity;
import city.myriad.catalog.mapping.CatalogApi.NodeView;
import city.myriad.catalog.model.Cluster;
import city.myriad.catalog.model.NodeSpec;
import city.myriad.catalog.model.NodeState;
import city.myriad.catalog.repository.ClusterRepository;
import city.myriad.catalog.repository.InventoryWriter;
import city.myriad.catalog.repository.NodeRepository;
import city.myriad.catalog.repository.OperatorRepository;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.platform.db.Constraints;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.http.Preconditions;
import city.myriad.platform.idempotency.Idempotency;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import city.myriad.platform.time.Ids;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The cluster catalog. Clusters are the marketplace's shelves: every signed-in caller may browse them and their
 * capacity. Only the owning operator (or a platform admin) registers a cluster, imports its inventory, reads its
 * nodes and changes their state.
 */
@ApplicationScoped
public class ClusterService {

    private final Scoped scoped;
    private final ClusterSupply supply;
    private final ClusterRepository clusters;
    private final OperatorRepository operators;
    private final NodeRepository nodes;
    private final InventoryWriter inventory;
    private final OperatorLookup operatorLookup;
    private final Idempotency idempotency;
    private final Ids ids;
    private final Clock clock;
    private final Preconditions preconditions;
    private final city.myriad.catalog.repository.MaintenanceRepository maintenance;

    private final AuditTrail audit;

    /** The domains that may refuse a node's removal (jobs: running work; marketplace: reservations sold). */
    private final jakarta.enterprise.inject.Instance<NodeRemovalCheck> removalChecks;

    ClusterService(Scoped scoped, ClusterRepository clusters, OperatorRepository operators, NodeRepository nodes,
            InventoryWriter inventory, OperatorLookup operatorLookup, Idempotency idempotency, Ids ids, Clock clock,
            AuditTrail audit,
            ClusterSupply supply, Preconditions preconditions,
            jakarta.enterprise.inject.Instance<NodeRemovalCheck> removalChecks,
            city.myriad.catalog.repository.MaintenanceRepository maintenance) {
        this.maintenance = maintenance;
        this.removalChecks = removalChecks;
        this.audit = audit;
        this.preconditions = preconditions;
        this.supply = supply;
        this.scoped = scoped;
        this.clusters = clusters;
        this.operators = operators;
        this.nodes = nodes;
        this.inventory = inventory;
        this.operatorLookup = operatorLookup;
        this.idempotency = idempotency;
        this.ids = ids;
        this.clock = clock;
    }

    public Uni<ClusterView> create(Caller caller, CreateCluster command) {
        return create(caller, command, ids.next());
    }

    /** Registers the cluster with an id the caller chose: imports, and the demo world with its well-known ids. */
    public Uni<ClusterView> create(Caller caller, CreateCluster command, UUID clusterId) {
        return owningOperator(caller, command.operatorId())
                .chain(operatorId -> scoped.unscoped(() -> idempotency.once(null, ClusterView.class,
                        () -> clusters.slugTaken(operatorId, command.slug())
                                .chain(taken -> {
                                    if (taken) {
                                        throw slugTaken(command.slug());
                                    }
                                    Cluster c = new Cluster();
                                    c.id = clusterId;
                                    c.operatorId = operatorId;
                                    c.slug = command.slug();
                                    c.name = command.name().strip();
                                    c.region = command.region().strip();
                                    c.createdAt = clock.instant();
                                    return clusters.persistAndFlush(c).call(saved -> audit.recordForOperator(caller,
                                            operatorId, "createCluster", Target.of("CLUSTER", c.id), Map.of(
                                                    "slug", c.slug, "name", c.name, "region", c.region)));
                                })
                                .map(ClusterView::of))))
                .onFailure(Constraints::isUniqueViolation).transform(e -> slugTaken(command.slug()));
    }

    /** Operators see their own clusters; everybody else sees the whole catalog. */
    public Uni<Page<ClusterView>> list(Caller caller, PageRequest page) {
        Uni<UUID> scope = caller.is(Caller.OPERATOR) && !caller.isPlatformAdmin()
                ? operatorLookup.of(caller).map(OperatorLookup.OperatorRef::id) : Uni.createFrom().nullItem();
        return scope.chain(operatorId -> scoped.unscoped(() -> clusters.page(operatorId, page.afterUuid(),
                        page.limit() + 1)))
                .map(rows -> page.page(rows, c -> c.id.toString()).map(ClusterView::of));
    }

    public Uni<ClusterView> get(Caller caller, UUID clusterId) {
        return scoped.unscoped(() -> cluster(clusterId)).map(ClusterView::of);
    }

    /** Imports a whole inventory file: every row valid or nothing written; re-importing changes nothing. */
    public Uni<ImportResult> importInventory(Caller caller, UUID clusterId, byte[] csv) {
        return owned(caller, clusterId).chain(cluster -> {
            List<NodeSpec> rows = InventoryFile.parse(csv);
            int cards = rows.stream().mapToInt(NodeSpec::gpus).sum();
            List<String> models = List.copyOf(new TreeSet<>(InventoryFile.models(rows)));
            return inventory.write(cluster.id, rows, OffsetDateTime.now(clock), (c, o) -> audit.recordForOperator(c,
                            caller, cluster.operatorId, "importNodes", Target.of("INVENTORY", cluster.id), Map.of(
                                    "nodes", rows.size(), "cards", cards, "models", models, "created", o.created(),
                                    "updated", o.updated(), "unchanged", o.unchanged())))
                    .onFailure(InventoryWriter.RackInTwoBlocks.class).transform(e -> new MyriadProblem.Validation(ProblemCode.RACK_IN_TWO_BLOCKS, "After this import rack '" + ((InventoryWriter.RackInTwoBlocks) e).rack
                            + "' would be in two blocks; a rack belongs to one block. Nothing was imported."))
                    .invoke(supply::nodesChanged)
                    .map(o -> new ImportResult(rows.size(), cards, models, o.created(), o.updated(), o.unchanged()));
        });
    }

    /** The cluster's nodes in name order, in one state and of one model where given. */
    public Uni<Page<NodeView>> nodes(Caller caller, UUID clusterId, PageRequest page, String state, String model,
            boolean withCardsOut) {
        NodeState s = city.myriad.platform.validation.Fields.oneOf("state", state, NodeState.class);
        return owned(caller, clusterId)
                .chain(c -> scoped.unscoped(() -> nodes.page(c.id, page.after().orElse(null), s, model,
                        withCardsOut, page.limit() + 1).chain(rows -> nodes.cardsOut(rows.stream().filter(n -> n.cardsOut > 0)
                                .map(n -> n.id).toList()).map(outs -> page.page(rows, n -> n.name)
                                .map(n -> NodeView.of(n, outs))))));
    }

    /** One node of the cluster, as {@link #nodes} lists it (its ETag is what {@link #setNodeState} matches). */
    public Uni<NodeView> node(Caller caller, UUID clusterId, String nodeName) {
        return owned(caller, clusterId).chain(c -> scoped.unscoped(() -> nodes.findByName(c.id, nodeName)
                .chain(n -> view(found(n, clusterId, nodeName)))));
    }

    /**
     * Sets a node's state. With {@code ifMatch} (the ETag of {@link #node}), only if the node has not changed since it
     * was read: of two operators who read it AVAILABLE and act on it at once, one drains it and the other is told it
     * changed (412), instead of putting back a state the first one had just left.
     */
    public Uni<NodeView> setNodeState(Caller caller, UUID clusterId, String nodeName, NodeState state,
            String ifMatch) {
        return owned(caller, clusterId).chain(c -> scoped.unscoped(() -> nodes.lockByName(c.id, nodeName)
                .chain(n -> view(found(n, clusterId, nodeName)).chain(read -> {
                    preconditions.check(ifMatch, read);
                    if (n.state.equals(state.name())) {
                        return Uni.createFrom().item(read);  // already so: nothing changes, nothing recorded
                    }
                    String before = n.state;
                    n.state = state.name();
                    n.updatedAt = clock.instant();
                    return audit.recordForOperator(caller, c.operatorId, "setNodeState", Target.of("NODE",
                            c.id + "/" + n.name),
                            Map.of("clusterId", c.id, "node", n.name, "state", n.state, "previousState", before))
                            .chain(() -> view(n));
                })))).invoke(supply::nodesChanged);
    }

    /**
     * Removes a node from the cluster for good (decommissioned hardware). Only a node out of service (DRAINING or
     * DOWN: 409 NODE_IN_SERVICE otherwise), on which no job runs (409 NODE_IN_USE, from the jobs domain) and whose
     * cards no reservation sold needs (409 NODE_RESERVED, from the marketplace; a DOWN node's cards are sold to
     * nobody already). With {@code ifMatch} (the ETag of {@link #node}), only if the node has not changed since. The
     * node's row is locked while the domains are asked, so a state change cannot slip in between; the scheduling
     * loop hears of it at once (the nodes' delete trigger) and rebuilds its core without it.
     */
    public Uni<Void> removeNode(Caller caller, UUID clusterId, String nodeName, String ifMatch) {
        return owned(caller, clusterId).chain(c -> scoped.unscoped(() -> nodes.lockByName(c.id, nodeName)
                .chain(n -> view(found(n, clusterId, nodeName)).chain(read -> {
                    preconditions.check(ifMatch, read);
                    if (NodeState.AVAILABLE.name().equals(n.state)) {
                        throw new MyriadProblem.Conflict(ProblemCode.NODE_IN_SERVICE, "Node '" + nodeName
                                + "' is AVAILABLE: set it DRAINING (its jobs finish) or DOWN before removing it");
                    }
                    // The cards a reservation could have been sold: those in service (a card out is sold to nobody).
                    NodeRemovalCheck.Removal removal = new NodeRemovalCheck.Removal(c.id, n.name, n.gpuModel,
                            n.gpus - n.cardsOut, n.block, n.state);
                    Uni<Void> checked = Uni.createFrom().voidItem();
                    for (NodeRemovalCheck check : removalChecks) {
                        checked = checked.chain(() -> check.check(removal));
                    }
                    Map<String, Object> details = new java.util.LinkedHashMap<>();
                    details.put("clusterId", c.id);
                    details.put("node", n.name);
                    details.put("model", n.gpuModel == null ? "" : n.gpuModel);
                    details.put("cards", n.gpus);
                    details.put("rack", n.rack);
                    details.put("block", n.block);
                    details.put("state", n.state);
                    return checked.chain(() -> nodes.remove(n))
                            .chain(() -> audit.recordForOperator(caller, c.operatorId, "removeNode",
                                    Target.of("NODE", c.id + "/" + n.name), details));
                })))).invoke(supply::nodesChanged);
    }

    /** The node as getNode shows it, with its cards out of service. */
    private Uni<NodeView> view(city.myriad.catalog.model.Node n) {
        return n.cardsOut == 0 ? Uni.createFrom().item(NodeView.of(n, List.of()))
                : nodes.cardsOut(List.of(n.id)).map(outs -> NodeView.of(n, outs));
    }

    private static city.myriad.catalog.model.Node found(city.myriad.catalog.model.Node n, UUID clusterId,
            String nodeName) {
        if (n == null) {
            throw new MyriadProblem.NotFound(ProblemCode.NODE_NOT_FOUND, "No node '" + nodeName + "' in cluster " + clusterId);
        }
        return n;
    }

    public Uni<Capacity> capacity(Caller caller, UUID clusterId) {
        return scoped.unscoped(() -> cluster(clusterId).chain(c -> nodes.capacity(c.id)
                        .chain(rows -> maintenance.cardsInMaintenance(c.id, clock.instant())
                                .map(out -> capacityOf(clusterId, rows, out)))));
    }

    /**
     * The capacity from the rows of {@link NodeRepository#capacity} (model, state, nodes, cards, cards out of service)
     * and the cards in a maintenance window now per model (rows: model, cards).
     */
    static Capacity capacityOf(UUID clusterId, List<Object[]> rows, List<Object[]> inMaintenance) {
        Map<String, Long> out = new TreeMap<>();
        inMaintenance.forEach(r -> out.put((String) r[0], ((Number) r[1]).longValue()));
        Map<String, long[]> byModel = new TreeMap<>();  // model -> nodes, total, available, draining, down
        for (Object[] r : rows) {
            String model = (String) r[0];
            if (model.isEmpty()) {
                continue;  // nodes without cards carry no card capacity
            }
            NodeState state = NodeState.valueOf((String) r[1]);
            long nodeCount = ((Number) r[2]).longValue();
            long cards = ((Number) r[3]).longValue();
            // A card out of service counts as down whatever its node's state (setCardState).
            long cardsOut = r.length > 4 ? ((Number) r[4]).longValue() : 0;
            long[] acc = byModel.computeIfAbsent(model, m -> new long[5]);
            acc[0] += nodeCount;
            acc[1] += cards;
            acc[2 + state.ordinal()] += cards - cardsOut;
            acc[2 + NodeState.DOWN.ordinal()] += cardsOut;
        }
        List<ModelCapacity> models = new ArrayList<>();
        long[] all = new long[5];
        byModel.forEach((model, a) -> {
            long maintained = out.getOrDefault(model, 0L);
            models.add(new ModelCapacity(model, a[0], new CardCounts(a[1], a[2], a[3], a[4], maintained)));
            for (int i = 0; i < 4; i++) {
                all[i] += a[i + 1];
            }
            all[4] += maintained;
        });
        return new Capacity(clusterId, new CardCounts(all[0], all[1], all[2], all[3], all[4]), models);
    }

    private Uni<Cluster> cluster(UUID clusterId) {
        return clusters.findById(clusterId).map(c -> {
            if (c == null) {
                throw new MyriadProblem.NotFound(ProblemCode.CLUSTER_NOT_FOUND, "No cluster " + clusterId);
            }
            return c;
        });
    }

    /** The cluster if the caller may manage it: its operator or a platform admin (the rule is ClusterSupply's). */
    private Uni<Cluster> owned(Caller caller, UUID clusterId) {
        return supply.managed(caller, clusterId).chain(ref -> scoped.unscoped(() -> cluster(ref.id())));
    }

    /** The operator a new cluster belongs to: the caller's own, or the one a platform admin names. */
    private Uni<UUID> owningOperator(Caller caller, UUID requested) {
        if (caller.isPlatformAdmin()) {
            if (requested == null) {
                return Uni.createFrom().failure(new MyriadProblem.Validation(ProblemCode.OPERATOR_REQUIRED,
                        "operatorId is required when a platform admin registers a cluster",
                        List.of(MyriadProblem.Violation.field("operatorId", "must not be null"))));
            }
            return scoped.unscoped(() -> operators.findById(requested)).map(o -> {
                if (o == null) {
                    throw new MyriadProblem.Validation(ProblemCode.UNKNOWN_OPERATOR, "No operator " + requested,
                            List.of(MyriadProblem.Violation.field("operatorId", "no such operator")));
                }
                return o.id;
            });
        }
        return operatorLookup.of(caller).map(op -> {
            if (requested != null && !requested.equals(op.id())) {
                throw new MyriadProblem.Forbidden(ProblemCode.NOT_YOUR_OPERATOR, "Operators register clusters for themselves only");
            }
            return op.id();
        });
    }

    private static MyriadProblem.Conflict slugTaken(String slug) {
        return new MyriadProblem.Conflict(ProblemCode.CLUSTER_SLUG_TAKEN, "The operator has a cluster with slug '" + slug + "'");
    }
}
