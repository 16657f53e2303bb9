package city.myriad.catalog.repository;

import city.myriad.platform.db.SessionSql;
import city.myriad.catalog.model.Node;
import city.myriad.catalog.model.NodeState;
import io.quarkus.panache.common.Parameters;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/** Nodes of one cluster: every method takes the cluster. Bulk writes go through {@code InventoryWriter}. */
@ApplicationScoped
public class NodeRepository implements PanacheRepositoryBase<Node, UUID> {

    public Uni<Node> findByName(UUID clusterId, String name) {
        return find("clusterId = ?1 and name = ?2", clusterId, name).firstResult();
    }

    /** The cluster's nodes of these names (those it has), in name order. */
    public Uni<List<Node>> byNames(UUID clusterId, java.util.Collection<String> names) {
        if (names.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return find("clusterId = ?1 and name in ?2 order by name", clusterId, List.copyOf(names)).list();
    }

    /** Deletes the node (locked by {@link #lockByName} first). */
    public Uni<Void> remove(city.myriad.catalog.model.Node node) {
        return delete(node);
    }

    /** The node, locked until the transaction ends: a conditional write compares and changes it alone. */
    public Uni<Node> lockByName(UUID clusterId, String name) {
        return find("clusterId = ?1 and name = ?2", clusterId, name)
                .withLock(jakarta.persistence.LockModeType.PESSIMISTIC_WRITE).firstResult();
    }

    /** The cluster's nodes after {@code afterName} in name order, in one state and of one model where not null. */
    public Uni<List<Node>> page(UUID clusterId, String afterName, NodeState state, String model, int limit) {
        StringBuilder q = new StringBuilder("clusterId = :cluster");
        Parameters p = Parameters.with("cluster", clusterId);
        if (afterName != null) {
            q.append(" and name > :after");
            p.and("after", afterName);
        }
        if (state != null) {
            q.append(" and state = :state");
            p.and("state", state.name());
        }
        if (model != null) {
            q.append(" and gpuModel = :model");
            p.and("model", model);
        }
        return find(q + " order by name", p).page(0, limit).list();
    }

    /** Per model and state: node count and card count. Rows: model, state, nodes, cards. */
    public Uni<List<Object[]>> capacity(UUID clusterId) {
        return SessionSql.select("""
                        select coalesce(gpu_model, ''), state, count(*), coalesce(sum(gpus), 0)
                          from nodes where cluster_id = :cluster
                         group by gpu_model, state order by 1, 2""")
                .setParameter("cluster", clusterId)
                .getResultList();
    }

    /**
     * Cards of available nodes per model and block, and the milli-cards running work holds there (as last reported
     * by the cluster's scheduling loop). Rows: model, block, cards, milli-cards in use.
     */
    public Uni<List<Object[]>> availableByBlock(UUID clusterId) {
        return SessionSql.select("""
                        select n.gpu_model, n.block, sum(n.gpus),
                               coalesce((select u.in_use_milli from cluster_usage u where u.cluster_id = n.cluster_id
                                           and u.model = n.gpu_model and u.block = n.block), 0)
                          from nodes n where n.cluster_id = :cluster and n.gpus > 0 and n.state = 'AVAILABLE'
                         group by n.cluster_id, n.gpu_model, n.block order by 1, 2""")
                .setParameter("cluster", clusterId)
                .getResultList();
    }

    /** The card models the cluster has, whatever their nodes' state. */
    public Uni<List<String>> models(UUID clusterId) {
        return SessionSql.select("""
                        select distinct gpu_model from nodes
                         where cluster_id = :cluster and gpu_model is not null order by 1""")
                .setParameter("cluster", clusterId)
                .column(String.class);
    }

    /** Cards of one model per block, on nodes that are not down: what reservations may be sold from. */
    public Uni<List<Object[]>> sellableByBlock(UUID clusterId, String model) {
        return SessionSql.select("""
                        select block, sum(gpus) from nodes
                         where cluster_id = :cluster and gpu_model = :model and state <> 'DOWN'
                         group by block order by 1""")
                .setParameter("cluster", clusterId)
                .setParameter("model", model)
                .getResultList();
    }

    /** The shapes of the nodes of one model that are not down: cards, CPU (milli) and memory (MiB), and how many. */
    public Uni<List<Object[]>> shapes(UUID clusterId, String model) {
        return SessionSql.select("""
                        select gpus, cpu_milli, memory_mib, count(*) from nodes
                         where cluster_id = :cluster and gpu_model = :model and state <> 'DOWN'
                         group by 1, 2, 3 order by 1, 2, 3""")
                .setParameter("cluster", clusterId)
                .setParameter("model", model)
                .getResultList();
    }

    /** The nodes of one model that are not down, by name: cards, CPU (milli), memory (MiB), block and state. */
    public Uni<List<Object[]>> inService(UUID clusterId, String model) {
        return SessionSql.select("""
                        select name, gpus, cpu_milli, memory_mib, block, state from nodes
                         where cluster_id = :cluster and gpu_model = :model and state <> 'DOWN'
                         order by name""")
                .setParameter("cluster", clusterId)
                .setParameter("model", model)
                .getResultList();
    }

    /** Replaces what the cluster's scheduling loop reports running, per model and block, in milli-cards. */
    public Uni<Void> reportUsage(UUID clusterId, java.util.Map<String, java.util.Map<String, Long>> milliByModelAndBlock,
            java.time.OffsetDateTime at) {
        Uni<Void> work = getSession().chain(s -> s.createNativeQuery("delete from cluster_usage where cluster_id = :cluster")
                .setParameter("cluster", clusterId).executeUpdate()).replaceWithVoid();
        for (var model : milliByModelAndBlock.entrySet()) {
            for (var block : model.getValue().entrySet()) {
                work = work.chain(() -> getSession().chain(s -> s.createNativeQuery("""
                                insert into cluster_usage (cluster_id, model, block, in_use_milli, updated_at)
                                values (:cluster, :model, :block, :milli, :at)""")
                        .setParameter("cluster", clusterId).setParameter("model", model.getKey())
                        .setParameter("block", block.getKey()).setParameter("milli", block.getValue())
                        .setParameter("at", at).executeUpdate())).replaceWithVoid();
            }
        }
        return work;
    }
}
