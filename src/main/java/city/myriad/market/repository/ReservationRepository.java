package city.myriad.market.repository;

import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;

import city.myriad.market.model.CapacityCalendar.Hold;
import city.myriad.market.model.Reservation;
import city.myriad.market.model.ReservationState;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/**
 * Reservations (every method takes the tenant) and the capacity calendar they hold. Runs in the caller's
 * transaction; {@link #lockCalendar} serialises the writers of one cluster and model across replicas.
 */
@ApplicationScoped
public class ReservationRepository implements PanacheRepositoryBase<Reservation, UUID> {

    public Uni<Reservation> find(UUID tenantId, UUID id) {
        return find("tenantId = ?1 and id = ?2", tenantId, id).firstResult();
    }

    /**
     * The tenant's reservation, its row locked until the transaction ends: what changes it (an extension, a
     * cancellation) reads it after any other change of it has committed.
     */
    public Uni<Reservation> findLocked(UUID tenantId, UUID id) {
        return find("tenantId = ?1 and id = ?2", tenantId, id)
                .withLock(jakarta.persistence.LockModeType.PESSIMISTIC_WRITE).firstResult();
    }

    /**
     * Marks the reservations in their window that end within {@code notice} of {@code now} and were not told of
     * that end yet (none, or an end before an extension moved it); a trigger writes each one's
     * {@code reservation.ending} event (V57), and only when the end marked changes, so a row marked again (two
     * replicas racing) is told once. Platform scope. How many were marked.
     */
    public Uni<Long> noticeEnding(Instant now, java.time.Duration notice) {
        return SessionSql.select("""
                        with due as (update reservations set ending_notice_for = end_at
                                      where status = 'CONFIRMED' and start_at <= :now and end_at > :now
                                        and end_at <= :until and ending_notice_for is distinct from end_at
                                     returning 1)
                        select count(*) from due""")
                .setParameter("now", SqlTimes.utc(now))
                .setParameter("until", SqlTimes.utc(now.plus(notice)))
                .singleValue(Long.class);
    }

    /** The reservation's hold in the calendar now runs to {@code end} (it was extended). */
    public Uni<Void> holdUntil(UUID reservationId, Instant end) {
        return getSession().chain(s -> s.createNativeQuery(
                        "update capacity_holds set end_at = :end where reservation_id = :id")
                .setParameter("id", reservationId)
                .setParameter("end", SqlTimes.utc(end))
                .executeUpdate()).replaceWithVoid();
    }

    /**
     * The tenant's reservations (every tenant's for null, in platform scope) after {@code after} in id order, of one
     * project, state and cluster where not null, and only those short of cards now with {@code shortNow}; the state
     * is the one {@link ReservationState#of} gives at {@code now}.
     */
    public Uni<List<Reservation>> page(UUID tenantId, UUID after, UUID projectId, ReservationState state,
            UUID clusterId, boolean shortNow, Instant now, int limit) {
        StringBuilder q = new StringBuilder(tenantId == null ? "1 = 1" : "tenantId = :tenant");
        Parameters p = tenantId == null ? new Parameters() : Parameters.with("tenant", tenantId);
        if (shortNow) {
            q.append(" and cardsShort > 0");
        }
        if (after != null) {
            q.append(" and id > :after");
            p.and("after", after);
        }
        if (projectId != null) {
            q.append(" and projectId = :project");
            p.and("project", projectId);
        }
        if (clusterId != null) {
            q.append(" and clusterId = :cluster");
            p.and("cluster", clusterId);
        }
        if (state != null) {
            q.append(switch (state) {
                case CANCELLED -> " and status = 'CANCELLED'";
                case CONFIRMED -> " and status <> 'CANCELLED' and startAt > :now";
                case ACTIVE -> " and status <> 'CANCELLED' and startAt <= :now and endAt > :now";
                case ENDED -> " and status <> 'CANCELLED' and endAt <= :now";
            });
            if (state != ReservationState.CANCELLED) {
                p.and("now", now);
            }
        }
        return find(q + " order by id", p).page(0, limit).list();
    }

    /** Waits for, then holds until the transaction ends, the calendar of this cluster and model. */
    public Uni<Void> lockCalendar(UUID clusterId, String model) {
        return SessionSql.lockUntilCommit("calendar/" + clusterId + "/" + model);
    }

    /** The holds of this cluster and model that have not ended by {@code from}. */
    public Uni<List<Hold>> holds(UUID clusterId, String model, Instant from) {
        return SessionSql.select("""
                        select start_at, end_at, cards, block from capacity_holds
                         where cluster_id = :cluster and model = :model and end_at > :from""")
                .setParameter("cluster", clusterId)
                .setParameter("model", model)
                .setParameter("from", SqlTimes.utc(from))
                .getResultList()
                .map(rows -> rows.stream().map(r -> new Hold(SqlTimes.instant(r[0]), SqlTimes.instant(r[1]), ((Number) r[2]).intValue(),
                        (String) r[3])).toList());
    }

    public Uni<Void> hold(Reservation r) {
        return getSession().chain(s -> s.createNativeQuery("""
                        insert into capacity_holds (reservation_id, cluster_id, model, block, cards, start_at, end_at)
                        values (:id, :cluster, :model, :block, :cards, :start, :end)""")
                .setParameter("id", r.id)
                .setParameter("cluster", r.clusterId)
                .setParameter("model", r.model)
                .setParameter("block", r.block)
                .setParameter("cards", r.cards)
                .setParameter("start", SqlTimes.utc(r.startAt))
                .setParameter("end", SqlTimes.utc(r.endAt))
                .executeUpdate()).replaceWithVoid();
    }

    /** Uses up the quote the reservation was bought with (a quote prices one purchase: see QuoteService). */
    public Uni<Void> useQuote(UUID quoteId, Reservation r) {
        return getSession().chain(s -> s.createNativeQuery("""
                        insert into quote_uses (quote_id, tenant_id, used_by, used_at)
                        values (:quote, :tenant, :reservation, :at)""")
                .setParameter("quote", quoteId)
                .setParameter("tenant", r.tenantId)
                .setParameter("reservation", r.id)
                .setParameter("at", SqlTimes.utc(r.createdAt))
                .executeUpdate()).replaceWithVoid();
    }

    public Uni<Void> release(UUID reservationId) {
        return getSession().chain(s -> s.createNativeQuery("delete from capacity_holds where reservation_id = :id")
                .setParameter("id", reservationId)
                .executeUpdate()).replaceWithVoid();
    }

    /** The tenant's reservations not cancelled whose window has not ended at {@code now}. */
    public Uni<List<Reservation>> live(UUID tenantId, Instant now) {
        return find("tenantId = ?1 and status = 'CONFIRMED' and endAt > ?2", tenantId, now).list();
    }

    /** The tenant's reservations of this cluster and model, not cancelled, whose windows overlap [start, end). */
    public Uni<List<Reservation>> overlapping(UUID tenantId, UUID clusterId, String model, Instant start, Instant end) {
        return find("tenantId = ?1 and clusterId = ?2 and model = ?3 and status = 'CONFIRMED' and endAt > ?4 "
                + "and startAt < ?5", tenantId, clusterId, model, start, end).list();
    }

    /**
     * The cluster's reservations, of every tenant, not cancelled, whose window is not over at {@code at} and begins
     * by {@code until}: those in their window, and those beginning within a look-ahead.
     */
    public Uni<List<Reservation>> activeOn(UUID clusterId, Instant at, Instant until) {
        return find("clusterId = ?1 and status = 'CONFIRMED' and startAt <= ?3 and endAt > ?2 order by createdAt, id",
                clusterId, at, until).list();
    }

    /** Of {@code ids}, the reservations of the cluster that were cancelled or whose window ended by {@code at}. */
    public Uni<List<Reservation>> closedOn(UUID clusterId, java.util.Collection<UUID> ids, Instant at) {
        return find("clusterId = ?1 and id in ?2 and (status = 'CANCELLED' or endAt <= ?3)", clusterId, ids, at).list();
    }

    /**
     * Totals of reservations bought in the window and not cancelled, plus fees of those cancelled, plus the
     * extensions bought in the window of reservations not cancelled (a cancellation gives them back).
     */
    public Uni<Long> spend(UUID tenantId, UUID projectId, String currency, OffsetDateTime from, OffsetDateTime to) {
        String project = projectId == null ? "" : " and project_id = :project";
        SessionSql q = SessionSql.select("""
                select coalesce((select sum(case when status = 'CANCELLED' then coalesce(cancellation_fee_minor, 0)
                                                 else total_minor end)
                                   from reservations
                                  where tenant_id = :tenant and currency = :currency and created_at >= :from
                                    and created_at < :to""" + project + """
                                ), 0)
                       + coalesce((select sum(e.total_minor)
                                     from reservation_extensions e join reservations r on r.id = e.reservation_id
                                    where e.tenant_id = :tenant and e.currency = :currency and e.created_at >= :from
                                      and e.created_at < :to and r.status <> 'CANCELLED'"""
                + project.replace("project_id", "r.project_id") + "), 0)")
                .setParameter("tenant", tenantId).setParameter("currency", currency)
                .setParameter("from", from).setParameter("to", to);
        if (projectId != null) {
            q.setParameter("project", projectId);
        }
        return q.singleValue(Number.class).map(Number::longValue);
    }

    /**
     * The nodes of the cluster that its reservations hold or keep, in node order: node, block, rack, kind, since,
     * reservation, tenant, window start and end.
     */
    public Uni<List<Object[]>> reservedNodesOn(UUID clusterId) {
        return city.myriad.platform.db.SessionSql.select("""
                select n.name, n.block, n.rack, rn.kind, rn.since, r.id, r.tenant_id, r.start_at, r.end_at
                  from reservation_nodes rn
                  join nodes n on n.cluster_id = rn.cluster_id and n.name = rn.node
                  join reservations r on r.id = rn.reservation_id
                 where rn.cluster_id = :cluster and r.end_at > now()
                 order by n.name, rn.kind""").setParameter("cluster", clusterId).getResultList();
    }

    /**
     * The nodes the scheduling loop gives the reservation, as it last wrote them: name, block, rack, HELD or KEPT,
     * since; held ones first, then by name.
     */
    public Uni<List<Object[]>> nodesOf(UUID reservationId) {
        return city.myriad.platform.db.SessionSql.select("""
                select n.name, n.block, n.rack, rn.kind, rn.since
                  from reservation_nodes rn
                  join nodes n on n.cluster_id = rn.cluster_id and n.name = rn.node
                 where rn.reservation_id = :id
                 order by rn.kind, n.name""").setParameter("id", reservationId).getResultList();
    }
}
