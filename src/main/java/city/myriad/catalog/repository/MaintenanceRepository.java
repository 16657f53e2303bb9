package city.myriad.catalog.repository;

import city.myriad.catalog.model.Maintenance;
import city.myriad.catalog.model.MaintenanceState;
import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Maintenance windows of one cluster: every method takes the cluster. A window's effective end is its planned end or
 * its earlier completion ({@link Maintenance#endsAt}); a cancelled one holds nothing.
 */
@ApplicationScoped
public class MaintenanceRepository implements PanacheRepositoryBase<Maintenance, UUID> {

    /** The SQL of a window's effective end (a cancelled window's never matters: every reader leaves those out). */
    private static final String ENDS = "least(coalesce(m.completed_at, m.end_at), m.end_at)";

    public Uni<Maintenance> find(UUID clusterId, UUID id) {
        return find("clusterId = ?1 and id = ?2", clusterId, id).firstResult();
    }

    /** The window, its row locked until the transaction ends: what cancels or completes it does so alone. */
    public Uni<Maintenance> lock(UUID clusterId, UUID id) {
        return find("clusterId = ?1 and id = ?2", clusterId, id)
                .withLock(jakarta.persistence.LockModeType.PESSIMISTIC_WRITE).firstResult();
    }

    /** Serialises the writers of a cluster's windows (two overlapping windows of one node cannot both be made). */
    public Uni<Void> lockSchedule(UUID clusterId) {
        return SessionSql.lockUntilCommit("maintenance/" + clusterId);
    }

    /** The windows not cancelled that have not ended by {@code from}, by start: the schedule as it stands. */
    public Uni<List<Maintenance>> current(UUID clusterId, Instant from) {
        return find("clusterId = ?1 and cancelledAt is null and (completedAt is null or completedAt > ?2) "
                + "and endAt > ?2 order by startAt, id", clusterId, from).list();
    }

    /**
     * The windows after {@code after} in id order (the order they were made), in one state where not null, as of
     * {@code now}, whose planned window [startAt, endAt) overlaps {@code span} (a bound null: open).
     */
    public Uni<List<Maintenance>> page(UUID clusterId, UUID after, MaintenanceState state,
            city.myriad.platform.validation.Fields.Span span, Instant now, int limit) {
        StringBuilder q = new StringBuilder("clusterId = :cluster");
        Parameters p = Parameters.with("cluster", clusterId);
        if (span.from() != null) {
            q.append(" and endAt > :from");
            p.and("from", span.from());
        }
        if (span.to() != null) {
            q.append(" and startAt < :to");
            p.and("to", span.to());
        }
        if (after != null) {
            q.append(" and id > :after");
            p.and("after", after);
        }
        if (state != null && state != MaintenanceState.CANCELLED) {
            p.and("now", now);
        }
        if (state != null) {
            q.append(switch (state) {
                case CANCELLED -> " and cancelledAt is not null";
                case SCHEDULED -> " and cancelledAt is null and startAt > :now";
                case IN_PROGRESS -> " and cancelledAt is null and startAt <= :now and endAt > :now"
                        + " and (completedAt is null or completedAt > :now)";
                case COMPLETED -> " and cancelledAt is null and (endAt <= :now or completedAt <= :now)";
            });
        }
        return find(q + " order by id", p).page(0, limit).list();
    }

    /**
     * The cards of one model the windows not cancelled take out from {@code from} on, per window and block: rows of
     * start, effective end, block, cards. Nodes that are down are left out, as the calendar leaves them out of what it
     * sells (their cards would be taken out twice); so are nodes removed since.
     */
    public Uni<List<Object[]>> cardsOut(UUID clusterId, String model, Instant from, String exceptNode,
            UUID exceptWindow) {
        return SessionSql.select("select m.start_at, " + ENDS + ", n.block, sum(n.cards_in_service)"
                        + " from maintenance_windows m join nodes n on n.cluster_id = m.cluster_id and n.name = any(m.nodes)"
                        + " where m.cluster_id = :cluster and m.cancelled_at is null and " + ENDS + " > :from"
                        + " and n.gpu_model = :model and n.state <> 'DOWN' and n.gpus > 0 and n.name <> :except"
                        + " and m.id <> :exceptWindow"
                        + " group by m.id, m.start_at, m.end_at, m.completed_at, n.block order by 1, 3")
                .setParameter("cluster", clusterId)
                .setParameter("model", model)
                .setParameter("from", SqlTimes.utc(from))
                .setParameter("except", exceptNode == null ? "" : exceptNode)
                .setParameter("exceptWindow", exceptWindow == null ? new UUID(0, 0) : exceptWindow)
                .getResultList();
    }

    /** Per card model, the cards of nodes not down in a window under way at {@code now}: rows of model, cards. */
    public Uni<List<Object[]>> cardsInMaintenance(UUID clusterId, Instant now) {
        return SessionSql.select("select n.gpu_model, sum(n.cards_in_service) from nodes n"
                        + " where n.cluster_id = :cluster and n.gpus > 0 and n.state <> 'DOWN' and exists ("
                        + "select 1 from maintenance_windows m where m.cluster_id = n.cluster_id and n.name = any(m.nodes)"
                        + " and m.cancelled_at is null and m.start_at <= :now and " + ENDS + " > :now)"
                        + " group by n.gpu_model order by 1")
                .setParameter("cluster", clusterId)
                .setParameter("now", SqlTimes.utc(now))
                .getResultList();
    }
}
