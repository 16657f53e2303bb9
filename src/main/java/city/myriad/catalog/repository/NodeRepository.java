package city.myriad.catalog.repository;

import city.myriad.platform.db.SessionSql;
import city.myriad.catalog.model.CardOut;
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

    /** The cards out of service of these nodes, by node and card. */
    public Uni<List<CardOut>> cardsOut(java.util.Collection<UUID> nodeIds) {
        if (nodeIds.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return SessionSql.select("""
                        select node_id, card, reason, since, set_by from node_cards_out
                         where node_id = any(:nodes) and back_at is null order by node_id, card""")
                .setParameter("nodes", nodeIds.toArray(UUID[]::new))
                .getResultList()
                .map(rows -> rows.stream().map(NodeRepository::cardOut).toList());
    }

    /** Every card out of service of the cluster's nodes: rows of node name, card, in name and card order. */
    public Uni<List<Object[]>> cardsOutOfCluster(UUID clusterId) {
        return SessionSql.select("""
                        select n.name, o.card from node_cards_out o join nodes n on n.id = o.node_id
                         where n.cluster_id = :cluster and o.back_at is null order by 1, 2""")
                .setParameter("cluster", clusterId)
                .getResultList();
    }

    /**
     * Takes the card out of service (the node's row, locked by the caller, counts it through V72's trigger); true if it
     * was in service, false if it was out already (its reason and time kept).
     */
    public Uni<Boolean> takeCardOut(UUID nodeId, int card, String reason, java.time.Instant since, String by) {
        return SessionSql.select("""
                        insert into node_cards_out (node_id, card, reason, since, set_by)
                        values (:node, :card, :reason, :since, :by)
                        on conflict (node_id, card) where back_at is null do nothing returning card""")
                .setParameter("node", nodeId).setParameter("card", card).setParameter("reason", reason)
                .setParameter("since", city.myriad.platform.db.SqlTimes.utc(since)).setParameter("by", by)
                .getResultList().map(rows -> !rows.isEmpty());
    }

    /** Puts the card back in service at {@code at} (its outage kept, ended); true if it was out. */
    public Uni<Boolean> putCardBack(UUID nodeId, int card, java.time.Instant at, String by) {
        return SessionSql.select("""
                        update node_cards_out set back_at = greatest(:at, since), back_by = :by
                         where node_id = :node and card = :card and back_at is null returning card""")
                .setParameter("node", nodeId).setParameter("card", card)
                .setParameter("at", city.myriad.platform.db.SqlTimes.utc(at)).setParameter("by", by)
                .getResultList().map(rows -> !rows.isEmpty());
    }

    /** A card's time out of service, ended or not: rows of the outage list. */
    public record Outage(long id, String node, int card, String reason, java.time.Instant since, String setBy,
            java.time.Instant backAt, String backBy) {}

    /**
     * The cluster's card outages that overlap [from, to) (each bound null: open), newest first, those before the
     * outage {@code beforeId} if given, up to {@code limit}.
     */
    public Uni<List<Outage>> outages(UUID clusterId, java.time.Instant from, java.time.Instant to, Long beforeId,
            int limit) {
        return SessionSql.select("""
                        select o.id, n.name, o.card, o.reason, o.since, o.set_by, o.back_at, o.back_by
                          from node_cards_out o join nodes n on n.id = o.node_id
                         where n.cluster_id = :cluster
                           and (cast(:to as timestamptz) is null or o.since < :to)
                           and (cast(:from as timestamptz) is null or o.back_at is null or o.back_at > :from)
                           and (cast(:before as bigint) is null or o.id < :before)
                         order by o.id desc limit :limit""")
                .setParameter("cluster", clusterId)
                .setParameter("from", city.myriad.platform.db.SqlTimes.utc(from))
                .setParameter("to", city.myriad.platform.db.SqlTimes.utc(to))
                .setParameter("before", beforeId).setParameter("limit", limit)
                .getResultList()
                .map(rows -> rows.stream().map(r -> new Outage(((Number) r[0]).longValue(), (String) r[1],
                        ((Number) r[2]).intValue(), (String) r[3], city.myriad.platform.db.SqlTimes.instant(r[4]),
                        (String) r[5], city.myriad.platform.db.SqlTimes.instant(r[6]), (String) r[7])).toList());
    }

    private static CardOut cardOut(Object[] r) {
        return new CardOut((UUID) r[0], ((Number) r[1]).intValue(), (String) r[2],
                city.myriad.platform.db.SqlTimes.instant(r[3]), (String) r[4]);
    }

    /**
     * The cluster's nodes after {@code afterName} in name order, in one state and of one model where not null, only those
     * with a card out of service if asked.
     */
    public Uni<List<Node>> page(UUID clusterId, String afterName, NodeState state, String model, boolean withCardsOut,
            int limit) {
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
        if (withCardsOut) {
            q.append(" and cardsOut > 0");
        }
        return find(q + " order by name", p).page(0, limit).list();
    }

    /** Per model and state: node count and card count. Rows: model, state, nodes, cards. */
    public Uni<List<Object[]>> capacity(UUID clusterId) {
        return SessionSql.select("""
                        select coalesce(gpu_model, ''), state, count(*), coalesce(sum(gpus), 0),
                               coalesce(sum(cards_out), 0)
                          from nodes where cluster_id = :cluster
                         group by gpu_model, state order by 1, 2""")
                .setParameter("cluster", clusterId)
                .getResultList();
    }

    /**
     * Cards in service of available nodes per model and block, and the milli-cards running work holds there (as last reported
     * by the cluster's scheduling loop). Rows: model, block, cards, milli-cards in use.
     */
    public Uni<List<Object[]>> availableByBlock(UUID clusterId) {
        return SessionSql.select("""
                        select n.gpu_model, n.block, sum(n.cards_in_service),
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

    /**
     * Cards in service of one model per block, on nodes that are not down: what reservations may be sold from (a card out
     * of service on a node in service is sold to nobody).
     */
    public Uni<List<Object[]>> sellableByBlock(UUID clusterId, String model) {
        return SessionSql.select("""
                        select block, sum(cards_in_service) from nodes
                         where cluster_id = :cluster and gpu_model = :model and state <> 'DOWN'
                         group by block order by 1""")
                .setParameter("cluster", clusterId)
                .setParameter("model", model)
                .getResultList();
    }

    /**
     * The shapes of the nodes of one model that are not down and have a card in service: cards in service, CPU (milli)
     * and memory (MiB), and how many.
     */
    public Uni<List<Object[]>> shapes(UUID clusterId, String model) {
        return SessionSql.select("""
                        select cards_in_service, cpu_milli, memory_mib, count(*) from nodes
                         where cluster_id = :cluster and gpu_model = :model and state <> 'DOWN'
                           and cards_in_service > 0
                         group by 1, 2, 3 order by 1, 2, 3""")
                .setParameter("cluster", clusterId)
                .setParameter("model", model)
                .getResultList();
    }

    /**
     * The nodes of one model that are not down, by name: cards in service, CPU (milli), memory (MiB), block and state.
     */
    public Uni<List<Object[]>> inService(UUID clusterId, String model) {
        return SessionSql.select("""
                        select name, cards_in_service, cpu_milli, memory_mib, block, state from nodes
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
