package city.myriad.catalog.repository;

import city.myriad.catalog.model.Node;
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

    /** Nodes in name order after {@code afterName} (null: from the first). */
    public Uni<List<Node>> page(UUID clusterId, String afterName, int limit) {
        return (afterName == null ? find("clusterId = ?1 order by name", clusterId)
                : find("clusterId = ?1 and name > ?2 order by name", clusterId, afterName)).page(0, limit).list();
    }

    /** Per model and state: node count and card count. Rows: model, state, nodes, cards. */
    public Uni<List<Object[]>> capacity(UUID clusterId) {
        return getSession().chain(s -> s.createNativeQuery("""
                        select coalesce(gpu_model, ''), state, count(*), coalesce(sum(gpus), 0)
                          from nodes where cluster_id = :cluster
                         group by gpu_model, state order by 1, 2""", Object[].class)
                .setParameter("cluster", clusterId)
                .getResultList());
    }

    /** Cards of available nodes per model and block. Rows: model, block, cards. */
    public Uni<List<Object[]>> availableByBlock(UUID clusterId) {
        return getSession().chain(s -> s.createNativeQuery("""
                        select gpu_model, block, sum(gpus)
                          from nodes where cluster_id = :cluster and gpus > 0 and state = 'AVAILABLE'
                         group by gpu_model, block order by 1, 2""", Object[].class)
                .setParameter("cluster", clusterId)
                .getResultList());
    }

    /** The card models the cluster has, whatever their nodes' state. */
    public Uni<List<String>> models(UUID clusterId) {
        return getSession().chain(s -> s.createNativeQuery("""
                        select distinct gpu_model from nodes
                         where cluster_id = :cluster and gpu_model is not null order by 1""", String.class)
                .setParameter("cluster", clusterId)
                .getResultList());
    }

    /** Cards of one model per block, on nodes that are not down: what reservations may be sold from. */
    public Uni<List<Object[]>> sellableByBlock(UUID clusterId, String model) {
        return getSession().chain(s -> s.createNativeQuery("""
                        select block, sum(gpus) from nodes
                         where cluster_id = :cluster and gpu_model = :model and state <> 'DOWN'
                         group by block order by 1""", Object[].class)
                .setParameter("cluster", clusterId)
                .setParameter("model", model)
                .getResultList());
    }
}
