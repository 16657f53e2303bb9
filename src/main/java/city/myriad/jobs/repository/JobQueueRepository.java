package city.myriad.jobs.repository;

import city.myriad.allocation.StartEstimate;
import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What a start estimate and a quote read of a cluster's queue and of what runs there, across tenants: sizes, limits,
 * declared ends and placements, never what a job is or whose it is beyond the tenant a limit or a reservation binds.
 * Read in the caller's session (the platform's scope: no tenant's rows are returned to a tenant).
 */
@ApplicationScoped
public class JobQueueRepository {

    /**
     * A QUEUED job's key in the core's order after the oldest aged jobs, as {@link #queuedAhead} computes it: its
     * cards × maxRunSeconds, or with an area half-life its logarithm plus the submission time times the rate (an area
     * counting half for every half-life waited); smaller goes first.
     */
    public static double orderKey(long areaMilliSeconds, Instant eligibleAt, double rate) {
        return rate == 0 ? (double) areaMilliSeconds : Math.log1p(areaMilliSeconds / 1000.0)
                + (eligibleAt.getEpochSecond() + eligibleAt.getNano() / 1e9) * rate;
    }

    /**
     * A job waiting ahead: its id, what it needs and until when it may not start, its reservation (or null),
     * whose quota it counts against (its project; its tenant is the waiting's) in which class, and its array (or null).
     */
    public record Queued(UUID id, StartEstimate.Waiting waiting, UUID reservationId, UUID projectId,
            String jobClass, UUID arrayId) {}

    /** A run counted against quotas (not borrowed): whose, its class, its milli-cards and its declared end. */
    public record QuotaRun(UUID tenantId, UUID projectId, String jobClass, long cardsMilli, Instant endsAt) {}

    /**
     * The RUNNING jobs of a cluster and model of these tenants that count against their quotas (not borrowed), with
     * their declared ends (start plus maxRunSeconds), as the scheduling loop counts them (LoopAdmission).
     */
    public Uni<List<QuotaRun>> quotaRuns(UUID clusterId, String model, java.util.Collection<UUID> tenants) {
        return SessionSql.select("""
                        select tenant_id, project_id, price_class, cards_milli,
                               started_at + make_interval(secs => max_run_seconds)
                          from jobs
                         where cluster_id = :cluster and model = :model and state = 'RUNNING' and not borrowed
                           and tenant_id = any(:tenants)""")
                .setParameter("cluster", clusterId)
                .setParameter("model", model)
                .setParameter("tenants", tenants.toArray(UUID[]::new))
                .getResultList()
                .map(rows -> rows.stream().map(r -> new QuotaRun((UUID) r[0], (UUID) r[1], (String) r[2],
                        ((Number) r[3]).longValue(), SqlTimes.instant(r[4]))).toList());
    }

    /** The job a queue is read for: its tenant and its priority among the tenant's jobs ({@code jobs.priority}). */
    public record Asking(UUID tenantId, int priority) {}

    /**
     * {@link #queuedAhead}'s statement when no job of the queue, nor the asking one, has a priority: every job's
     * stream key is then its own size key, and the statement needs no window over the tenants' queues (at 250
     * queued, PostgreSQL's CPU per estimate 1.9-2.0 ms with it against 3.0 ms with the window: bin/bench-views).
     */
    private static final String AHEAD_BY_SIZE = """
                        with ranked as (
                          select id, cards_milli, max_run_seconds, cpu_milli, memory_mib, same_block, eligible_at,
                                 tenant_id, project_id, price_class, reservation_id, array_id,
                                 case when cast(:rate as float8) = 0 then cards_milli::float8 * max_run_seconds
                                      else ln(1 + cards_milli::float8 * max_run_seconds / 1000)
                                           + extract(epoch from eligible_at)::float8 * cast(:rate as float8) end as area,
                                 eligible_at <= :aged as aged,
                                 row_number() over (partition by eligible_at <= :aged
                                                    order by eligible_at, id) as age_rank
                            from jobs
                           where cluster_id = :cluster and model = :model and state = 'QUEUED'),
                        queued as (select ranked.*, aged and age_rank <= :oldest as oldest from ranked),
                        mine as materialized (
                          select not :fresh and count(*) <= :oldest as oldest, count(*) as age_rank,
                                 case when cast(:rate as float8) = 0 then :area::float8
                                      else ln(1 + :area::float8 / 1000)
                                           + extract(epoch from cast(:before as timestamptz))::float8
                                             * cast(:rate as float8) end as area
                            from queued
                           where eligible_at <= :aged and (eligible_at, id) <= (:before, :id))
                        select q.cards_milli, q.max_run_seconds, q.cpu_milli, q.memory_mib, q.same_block, q.id,
                               q.tenant_id, q.price_class = 'SPOT',
                               greatest(case when q.reservation_id is not null
                                             then (select r.start_at from reservations r where r.id = q.reservation_id)
                                        end, q.eligible_at),
                               q.reservation_id, q.project_id, q.price_class, q.array_id
                          from queued q, mine
                         where q.id <> :id
                           and case when q.oldest then not mine.oldest or q.age_rank < mine.age_rank
                                    else not mine.oldest and (q.area, q.eligible_at, q.id) < (mine.area, :before, :id) end
                         order by q.oldest desc, case when q.oldest then q.age_rank else 0 end,
                                  q.area, q.eligible_at, q.id""";

    /** {@link #queuedAhead}'s statement when priorities order some tenant's queue: by the stream key (below). */
    private static final String AHEAD_BY_STREAM = """
                        with ranked as (
                          select id, cards_milli, max_run_seconds, cpu_milli, memory_mib, same_block, eligible_at,
                                 tenant_id, project_id, price_class, reservation_id, array_id, priority,
                                 case when cast(:rate as float8) = 0 then cards_milli::float8 * max_run_seconds
                                      else ln(1 + cards_milli::float8 * max_run_seconds / 1000)
                                           + extract(epoch from eligible_at)::float8 * cast(:rate as float8) end as area,
                                 eligible_at <= :aged as aged,
                                 row_number() over (partition by eligible_at <= :aged
                                                    order by eligible_at, id) as age_rank
                            from jobs
                           where cluster_id = :cluster and model = :model and state = 'QUEUED'),
                        queued as (select ranked.*, aged and age_rank <= :oldest as oldest from ranked),
                        streamed as (
                          select queued.*,
                                 max(area) over stream as stream_key, row_number() over stream as stream_rank
                            from queued
                          window stream as (partition by tenant_id, oldest order by priority desc, area, eligible_at, id
                                            rows unbounded preceding)),
                        mine as materialized (
                          select not :fresh and count(*) <= :oldest as oldest, count(*) as age_rank,
                                 case when cast(:rate as float8) = 0 then :area::float8
                                      else ln(1 + :area::float8 / 1000)
                                           + extract(epoch from cast(:before as timestamptz))::float8
                                             * cast(:rate as float8) end as area
                            from queued
                           where eligible_at <= :aged and (eligible_at, id) <= (:before, :id)),
                        mine_keyed as materialized (
                          select mine.*,
                                 greatest(mine.area, (select max(o.area) from queued o
                                                       where not o.oldest and o.tenant_id = :tenant and o.id <> :id
                                                         and (o.priority > :priority
                                                              or (o.priority = :priority
                                                                  and (o.area, o.eligible_at, o.id)
                                                                      < (mine.area, :before, :id))))) as stream_key
                            from mine)
                        select q.cards_milli, q.max_run_seconds, q.cpu_milli, q.memory_mib, q.same_block, q.id,
                               q.tenant_id, q.price_class = 'SPOT',
                               greatest(case when q.reservation_id is not null
                                             then (select r.start_at from reservations r where r.id = q.reservation_id)
                                        end, q.eligible_at),
                               q.reservation_id, q.project_id, q.price_class, q.array_id
                          from streamed q, mine_keyed mine
                         where q.id <> :id
                           and case when q.oldest then not mine.oldest or q.age_rank < mine.age_rank
                                    when mine.oldest then false
                                    when q.tenant_id = :tenant
                                         then q.priority > :priority
                                              or (q.priority = :priority
                                                  and (q.area, q.eligible_at, q.id) < (mine.area, :before, :id))
                                    else (q.stream_key, q.tenant_id) < (mine.stream_key, :tenant) end
                         order by q.oldest desc, case when q.oldest then q.age_rank else 0 end,
                                  q.stream_key, q.tenant_id, q.stream_rank""";

    /**
     * The jobs of a cluster and model still waiting ahead of one, in the scheduling core's order (fair share and
     * class priority aside): the {@code oldestFirst} oldest of the jobs waiting since {@code agedBefore} or earlier,
     * oldest first; then every other job in the order the core's merge of its tenants' queues yields them. Each
     * tenant's queue is its jobs by priority (higher first), then smallest size key, then oldest; the merge takes the
     * smallest key among the queues' heads, so a job comes out once every job before it in its tenant's queue has, in
     * the order of the largest key up to it in that queue (its stream key: merging queues by their heads is sorting by
     * that running maximum). Without priorities a job's stream key is its own size key, as before priorities. The
     * size key is the area (cards × maxRunSeconds) with {@code areaRate} 0, else ln(1 + area in card-seconds) +
     * areaRate × eligible time in epoch seconds (its submission, or its last release from a hold), as
     * {@code SchedulerOptions.sizeKey}. Each one's id, what it needs (cards, CPU, memory) and its maxRunSeconds.
     */
    public Uni<List<Queued>> queuedAhead(UUID clusterId, String model, Instant eligibleAt, UUID id,
            long areaMilliSeconds, Asking asking, double areaRate, Instant agedBefore, int oldestFirst) {
        // The rate is cast wherever it is read: left to itself, PostgreSQL types it from "= 0" as an integer. "mine" is
        // one row, computed once: inlined, the planner may join it inside a nested loop and count the queue again for
        // every queued job (at 250 queued 6.2 ms instead of 0.9 ms; EXPLAIN ANALYZE, docs/design/estimate-reuse.md).
        // A job of a priority other than 0 in the queue (a probe of the partial index jobs_queued_prioritised, nearly
        // always empty), or one asked about, needs the stream keys; otherwise the order by size is the same order.
        Uni<Boolean> prioritised = asking.priority() != 0 ? Uni.createFrom().item(true) : SessionSql.select("""
                        select exists (select 1 from jobs where cluster_id = :cluster and model = :model
                                          and state = 'QUEUED' and priority <> 0)""")
                .setParameter("cluster", clusterId).setParameter("model", model).column(Boolean.class)
                .map(rows -> rows.get(0));
        return prioritised.chain(streams -> {
            SessionSql q = SessionSql.select(streams ? AHEAD_BY_STREAM : AHEAD_BY_SIZE)
                    .setParameter("cluster", clusterId)
                    .setParameter("model", model)
                    .setParameter("before", SqlTimes.utc(eligibleAt))
                    .setParameter("id", id)
                    .setParameter("area", areaMilliSeconds)
                    .setParameter("rate", areaRate)
                    .setParameter("aged", SqlTimes.utc(agedBefore))
                    .setParameter("fresh", eligibleAt.isAfter(agedBefore))
                    .setParameter("oldest", oldestFirst);
            if (streams) {
                q.setParameter("tenant", asking.tenantId()).setParameter("priority", (short) asking.priority());
            }
            return q.getResultList();
        }).map(rows -> rows.stream().map(r -> new Queued((UUID) r[5], new StartEstimate.Waiting(
                new StartEstimate.Need(((Number) r[0]).longValue(), ((Number) r[2]).longValue(),
                        ((Number) r[3]).longValue()), ((Number) r[1]).longValue(), (Boolean) r[4], r[6],
                        (Boolean) r[7], r[8] == null ? null : SqlTimes.instant(r[8])), (UUID) r[9], (UUID) r[10],
                (String) r[11], (UUID) r[12])).toList());
    }

    /**
     * What the scheduling core's aging threshold reads ({@code SchedulerOptions.agingThreshold}): the QUEUED jobs of the
     * cluster, every model, as milli-cards × maxRunSeconds summed, and the cards of all its nodes.
     */
    public Uni<long[]> queueDrain(UUID clusterId) {
        return SessionSql.select("""
                        select (select coalesce(sum(cards_milli::numeric * max_run_seconds), 0) from jobs
                                 where cluster_id = :cluster and state = 'QUEUED'),
                               (select coalesce(sum(gpus), 0) from nodes where cluster_id = :cluster)""")
                .setParameter("cluster", clusterId)
                .single()
                .map(r -> new long[] {((Number) r[0]).longValue(), ((Number) r[1]).longValue()});
    }

    /**
     * What these reservations hold now, for the start estimate ({@code ReservationRoom}): each one's cards and its
     * RUNNING jobs, each as [reservation, cards (milli) of the reservation, the job's cards (milli) or null, its
     * declared end].
     */
    public Uni<List<Object[]>> reservationUse(List<UUID> reservationIds) {
        return SessionSql.select("""
                        select r.id, r.cards::bigint * 1000, j.cards_milli,
                               j.started_at + make_interval(secs => j.max_run_seconds)
                          from reservations r
                          left join jobs j on j.reservation_id = r.id and j.state = 'RUNNING'
                         where r.id = any(:ids)""")
                .setParameter("ids", reservationIds.toArray(UUID[]::new))
                .getResultList();
    }

    /**
     * Of these job arrays, those with a {@code maxRunning}: per row the array, its limit, and the declared end of one of
     * its RUNNING jobs (null for an array none of whose jobs runs).
     */
    public Uni<List<Object[]>> arrayUse(List<UUID> arrayIds) {
        return SessionSql.select("""
                        select a.id, a.max_running, j.started_at + make_interval(secs => j.max_run_seconds)
                          from job_arrays a
                          left join jobs j on j.array_id = a.id and j.state = 'RUNNING'
                         where a.id = any(:ids) and a.max_running is not null""")
                .setParameter("ids", arrayIds.toArray(UUID[]::new))
                .getResultList();
    }

    /** When the reservation's window opens: a RESERVED job of it starts no earlier. */
    public Uni<Instant> reservationStart(UUID reservationId) {
        return SessionSql.select("select start_at from reservations where id = :id").setParameter("id", reservationId)
                .first().map(row -> row.map(r -> SqlTimes.instant(r[0])).orElse(null));
    }

    /**
     * The nodes of the cluster reservations hold (window open) or keep (window to come), as its scheduling loop last
     * recorded them: node, tenant, from (null: held now), until (the window's end).
     */
    public Uni<List<Object[]>> reservedNodes(UUID clusterId) {
        return SessionSql.select("""
                        select n.node, n.tenant_id, case when n.kind = 'KEPT' then r.start_at end, r.end_at
                          from reservation_nodes n join reservations r on r.id = n.reservation_id
                         where n.cluster_id = :cluster and r.end_at > now()""")
                .setParameter("cluster", clusterId)
                .getResultList();
    }

    /**
     * The jobs of a cluster and model RUNNING: their placement as stored, cards (milli), CPU (milli), memory (MiB) and
     * declared end (start + maxRunSeconds).
     */
    public Uni<List<Object[]>> runningPlacements(UUID clusterId, String model) {
        return SessionSql.select("""
                        select placement, cards_milli, cpu_milli, memory_mib,
                               started_at + make_interval(secs => max_run_seconds) as ends from jobs
                         where cluster_id = :cluster and model = :model and state = 'RUNNING'""")
                .setParameter("cluster", clusterId)
                .setParameter("model", model)
                .getResultList();
    }

    /** The running jobs of a cluster and model: milli-cards, declared end, CPU and memory, soonest first. */
    public Uni<List<Object[]>> runningEnds(UUID clusterId, String model) {
        return SessionSql.select("""
                        select cards_milli, started_at + make_interval(secs => max_run_seconds) as ends, cpu_milli,
                               memory_mib from jobs
                         where cluster_id = :cluster and model = :model and state = 'RUNNING' order by ends""")
                .setParameter("cluster", clusterId)
                .setParameter("model", model)
                .getResultList();
    }
}
