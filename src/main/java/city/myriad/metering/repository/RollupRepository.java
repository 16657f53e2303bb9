package city.myriad.metering.repository;

import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * What the meter reads (closed runs and accepted batches not yet rolled up) and writes (hourly rollups, the marks
 * that they were rolled up, billing periods, reconciliations). Plain SQL, in the caller's transaction.
 */
@ApplicationScoped
public class RollupRepository {

    /** A closed run not yet metered. */
    public record PendingSegment(UUID jobId, int attempt, UUID tenantId, UUID projectId, UUID clusterId, String model,
            String priceClass, String currency, int cardsMilli, Instant startedAt, Instant endedAt,
            long unitPriceMinor, long chargeMinor, long creditMinor, UUID reservationId) {}

    /**
     * Accepted events not yet rolled up: either one event whose interval crosses an hour boundary ({@code startAt}
     * and {@code endAt} set, {@code count} 1), or the sum of a job's events inside one UTC hour ({@code hour},
     * their whole-second card-milli-seconds and their count), summed by the database. {@code measures}: what the
     * event (or the summed events) reported besides.
     */
    public record PendingEvent(UUID jobId, UUID tenantId, UUID projectId, UUID clusterId, String model,
            String priceClass, String currency, int cardsMilli, Instant startAt, Instant endAt, Instant hour,
            long cardMilliSeconds, long count, Measures measures) {

        public boolean summed() {
            return hour != null;
        }
    }

    /**
     * What events reported besides card-seconds (V70). One event: {@code utilizationMilli} its utilization in
     * thousandths (null: not reported), {@code energyMilliWh} its energy in milli-watt-hours (null: not reported).
     * Events summed within an hour: {@code utilizedMilliCms}, Σ utilization in thousandths × card-milli-seconds, over
     * {@code utilizationCms}, the card-milli-seconds of the events that reported one; {@code energyMilliWh} their
     * energy (null: none reported it).
     */
    public record Measures(Integer utilizationMilli, long utilizedMilliCms, long utilizationCms, Long energyMilliWh) {}

    /** Takes (locks) up to {@code limit} closed runs not yet metered, oldest end first; other meters skip them. */
    public Uni<List<PendingSegment>> pendingSegments(int limit) {
        return SessionSql.select("""
                        select g.job_id, g.attempt, g.tenant_id, g.project_id, g.cluster_id, g.model, g.price_class,
                               g.currency, g.cards_milli, g.started_at, g.ended_at, g.unit_price_minor, g.charge_minor,
                               g.credit_minor, (select j.reservation_id from jobs j where j.id = g.job_id)
                          from job_segments g where g.metered_at is null
                         order by g.ended_at limit :limit for update of g skip locked""")
                .setParameter("limit", limit).getResultList()
                .map(rows -> rows.stream().map(r -> new PendingSegment((UUID) r[0], ((Number) r[1]).intValue(),
                        (UUID) r[2], (UUID) r[3], (UUID) r[4], (String) r[5], (String) r[6], (String) r[7],
                        ((Number) r[8]).intValue(), SqlTimes.instant(r[9]), SqlTimes.instant(r[10]),
                        ((Number) r[11]).longValue(), ((Number) r[12]).longValue(), ((Number) r[13]).longValue(),
                        (UUID) r[14]))
                        .toList());
    }

    /** Marks runs metered: {@code keys} is a JSON array of {@code {"job_id", "attempt"}}. */
    public Uni<Integer> markMetered(String keys, Instant at) {
        return session().chain(s -> s.createNativeQuery("""
                        update job_segments g set metered_at = :at
                          from jsonb_to_recordset(cast(cast(:keys as text) as jsonb)) as k(job_id uuid, attempt int)
                         where g.job_id = k.job_id and g.attempt = k.attempt and g.metered_at is null""")
                .setParameter("keys", keys).setParameter("at", SqlTimes.utc(at)).executeUpdate());
    }

    /**
     * Takes up to {@code limit} accepted batches not yet rolled up, oldest first, deleting their pending marks (in
     * the caller's transaction: if it fails, they stay pending), and returns their events: those inside one UTC
     * hour summed per job and hour by the database (whole seconds per event, as {@code HourSlices} counts them),
     * those crossing an hour one by one.
     */
    public Uni<List<PendingEvent>> takeBatches(int limit) {
        return SessionSql.select("""
                        with taken as (
                            delete from usage_pending_batches where batch_id in (
                                select batch_id from usage_pending_batches order by received_at limit :limit
                                   for update skip locked)
                            returning batch_id),
                        ev as (
                            select e.job_id, e.tenant_id, e.project_id, e.cluster_id, e.model, e.price_class,
                                   e.currency, e.cards_milli, e.start_at, e.end_at,
                                   date_trunc('hour', e.start_at, 'UTC') = date_trunc('hour', e.end_at, 'UTC') as one_hour,
                                   cast(e.cards_milli as bigint)
                                       * cast(floor(extract(epoch from e.end_at - e.start_at)) as bigint) as cms,
                                   cast(round(e.utilization * 1000) as bigint) as u,
                                   cast(round(e.energy_wh * 1000) as bigint) as energy
                              from usage_events e join taken t on e.batch_id = t.batch_id)
                        select job_id, tenant_id, project_id, cluster_id, model, price_class, currency, 0, null, null,
                               date_trunc('hour', start_at, 'UTC'), sum(cms), count(*), null,
                               coalesce(sum(u * cms), 0), coalesce(sum(case when u is not null then cms end), 0),
                               sum(energy)
                          from ev where one_hour
                         group by job_id, tenant_id, project_id, cluster_id, model, price_class, currency,
                                  date_trunc('hour', start_at, 'UTC')
                        union all
                        select job_id, tenant_id, project_id, cluster_id, model, price_class, currency, cards_milli,
                               start_at, end_at, null, 0, 1, u, 0, 0, energy
                          from ev where not one_hour""")
                .setParameter("limit", limit).getResultList()
                .map(rows -> rows.stream().map(r -> new PendingEvent((UUID) r[0], (UUID) r[1], (UUID) r[2],
                        (UUID) r[3], (String) r[4], (String) r[5], (String) r[6], ((Number) r[7]).intValue(),
                        r[8] == null ? null : SqlTimes.instant(r[8]), r[9] == null ? null : SqlTimes.instant(r[9]),
                        r[10] == null ? null : SqlTimes.instant(r[10]), ((Number) r[11]).longValue(),
                        ((Number) r[12]).longValue(), new Measures(r[13] == null ? null : ((Number) r[13]).intValue(),
                        ((Number) r[14]).longValue(), ((Number) r[15]).longValue(),
                        r[16] == null ? null : ((Number) r[16]).longValue()))).toList());
    }

    /**
     * The states of these periods, each row locked FOR SHARE until the transaction ends (a period missing is made
     * OPEN first), so that a close waits for the usage being written into it.
     */
    public Uni<Map<String, String>> lockPeriods(Collection<String> periods) {
        String list = String.join(",", periods);
        return session().chain(s -> s.createNativeQuery("""
                        insert into billing_periods (period, state)
                        select p, 'OPEN' from unnest(string_to_array(cast(:periods as text), ',')) as p
                        order by p
                        on conflict (period) do nothing""").setParameter("periods", list).executeUpdate()
                .chain(() -> SessionSql.select("""
                        select period, state from billing_periods
                         where period = any(string_to_array(cast(:periods as text), ','))
                         order by period for share""").setParameter("periods", list).getResultList()))
                .map(rows -> {
                    Map<String, String> states = new HashMap<>();
                    rows.forEach(r -> states.put((String) r[0], (String) r[1]));
                    return states;
                });
    }

    /**
     * Adds to the hourly rollups: {@code deltas} is a JSON array of rows keyed by tenant, period, hour, project,
     * cluster, model, class and currency, in key order (so that writers never wait for each other in a cycle).
     */
    public Uni<Void> add(String deltas) {
        return session().chain(s -> s.createNativeQuery("""
                        insert into usage_rollups as u (tenant_id, period, hour, project_id, cluster_id, model,
                                                        price_class, currency, card_milli_seconds, cost_minor,
                                                        credit_minor, measured_card_milli_seconds, event_count,
                                                        utilized_milli_cms, utilization_cms, energy_milli_wh)
                        select tenant_id, period, hour, project_id, cluster_id, model, price_class, currency, cms,
                               cost, credit, measured, events, utilized, ucms, energy
                          from jsonb_to_recordset(cast(cast(:deltas as text) as jsonb)) as d(
                               tenant_id uuid, period text, hour timestamptz, project_id uuid, cluster_id uuid,
                               model text, price_class text, currency text, cms bigint, cost bigint, credit bigint,
                               measured bigint, events bigint, utilized bigint, ucms bigint, energy bigint)
                        on conflict (tenant_id, period, hour, project_id, cluster_id, model, price_class, currency)
                        do update set card_milli_seconds = u.card_milli_seconds + excluded.card_milli_seconds,
                                      cost_minor = u.cost_minor + excluded.cost_minor,
                                      credit_minor = u.credit_minor + excluded.credit_minor,
                                      measured_card_milli_seconds = u.measured_card_milli_seconds
                                                                    + excluded.measured_card_milli_seconds,
                                      event_count = u.event_count + excluded.event_count,
                                      utilized_milli_cms = u.utilized_milli_cms + excluded.utilized_milli_cms,
                                      utilization_cms = u.utilization_cms + excluded.utilization_cms,
                                      energy_milli_wh = case when u.energy_milli_wh is null
                                                              and excluded.energy_milli_wh is null then null
                                                         else coalesce(u.energy_milli_wh, 0)
                                                              + coalesce(excluded.energy_milli_wh, 0) end""")
                .setParameter("deltas", deltas).executeUpdate()).replaceWithVoid();
    }

    /**
     * Keeps the rated usage at the job's grain: {@code charges} is a JSON array of (job, attempt, hour) rows with the
     * period they are billed in, written with the rollups they sum to.
     */
    public Uni<Void> addCharges(String charges) {
        return session().chain(s -> s.createNativeQuery("""
                        insert into usage_charges (job_id, attempt, hour, period, tenant_id, project_id, cluster_id,
                                                   model, price_class, currency, reservation_id, unit_price_minor,
                                                   card_milli_seconds, cost_minor, credit_minor)
                        select job_id, attempt, hour, period, tenant_id, project_id, cluster_id, model, price_class,
                               currency, reservation_id, unit_price_minor, cms, cost, credit
                          from jsonb_to_recordset(cast(cast(:charges as text) as jsonb)) as d(
                               job_id uuid, attempt int, hour timestamptz, period text, tenant_id uuid,
                               project_id uuid, cluster_id uuid, model text, price_class text, currency text,
                               reservation_id uuid, unit_price_minor bigint, cms bigint, cost bigint, credit bigint)
                         order by job_id, attempt, hour""")
                .setParameter("charges", charges).executeUpdate()).replaceWithVoid();
    }

    /**
     * Compares both sources for those of these jobs that have ended and have events: DISCREPANT when they differ by
     * more than {@code relative} of the lifecycle's card-seconds and more than {@code absoluteMilli} card-milli-
     * seconds, else MATCHED. Whole seconds per run and per event, as the rollups count them.
     */
    public Uni<Void> reconcile(Collection<UUID> jobIds, double relative, long absoluteMilli, Instant at) {
        String ids = UsageEventRepository.joined(jobIds);
        return session().chain(s -> s.createNativeQuery("""
                        with ids as (select unnest(cast(string_to_array(cast(:ids as text), ',') as uuid[])) as id),
                        life as (
                            select g.job_id, sum(cast(g.cards_milli as bigint)
                                                 * floor(extract(epoch from g.ended_at - g.started_at))) as cms
                              from job_segments g join ids on g.job_id = ids.id group by g.job_id),
                        measured as (
                            select e.job_id, sum(cast(e.cards_milli as bigint)
                                                 * floor(extract(epoch from e.end_at - e.start_at))) as cms,
                                   count(*) as n
                              from usage_events e join ids on e.job_id = ids.id group by e.job_id)
                        insert into usage_reconciliations as r (job_id, tenant_id, cluster_id,
                                                                lifecycle_card_milli_seconds,
                                                                measured_card_milli_seconds, event_count, status,
                                                                checked_at)
                        select j.id, j.tenant_id, j.cluster_id, coalesce(l.cms, 0), m.cms, m.n,
                               case when abs(m.cms - coalesce(l.cms, 0)) > greatest(:absolute, coalesce(l.cms, 0) * :relative)
                                    then 'DISCREPANT' else 'MATCHED' end, :at
                          from jobs j join ids on j.id = ids.id join measured m on m.job_id = j.id
                          left join life l on l.job_id = j.id
                         where j.state in ('SUCCEEDED', 'FAILED', 'CANCELLED')
                        on conflict (job_id) do update set
                            lifecycle_card_milli_seconds = excluded.lifecycle_card_milli_seconds,
                            measured_card_milli_seconds = excluded.measured_card_milli_seconds,
                            event_count = excluded.event_count, status = excluded.status,
                            checked_at = excluded.checked_at""")
                .setParameter("ids", ids).setParameter("relative", relative).setParameter("absolute", absoluteMilli)
                .setParameter("at", SqlTimes.utc(at)).executeUpdate()).replaceWithVoid();
    }

    /**
     * Billed in {@code period} so far for the tenant (or one project), in one currency (null: any, for card-seconds
     * only): the rollups' cost less credits and card-milli-seconds, plus closed runs the meter has not rolled up yet.
     * Returns {minor units, card-milli-seconds}.
     */
    public Uni<long[]> billed(UUID tenantId, UUID projectId, String currency, String period) {
        String filter = (projectId == null ? "" : " and project_id = :project")
                + (currency == null ? "" : " and currency = :currency");
        SessionSql q = SessionSql.select("select"
                + " (select coalesce(sum(cost_minor - credit_minor), 0) from usage_rollups where tenant_id = :tenant"
                + " and period = :period" + filter + ")"
                + " + (select coalesce(sum(charge_minor - credit_minor), 0) from job_segments where metered_at is null"
                + " and tenant_id = :tenant" + filter + "),"
                + " (select coalesce(sum(card_milli_seconds), 0) from usage_rollups where tenant_id = :tenant"
                + " and period = :period" + filter + ")"
                + " + (select coalesce(sum(cast(cards_milli as bigint) * floor(extract(epoch from ended_at - started_at))), 0)"
                + " from job_segments where metered_at is null and tenant_id = :tenant" + filter + ")")
                .setParameter("tenant", tenantId).setParameter("period", period);
        if (projectId != null) {
            q.setParameter("project", projectId);
        }
        if (currency != null) {
            q.setParameter("currency", currency);
        }
        return q.single().map(r -> new long[] {((Number) r[0]).longValue(), ((Number) r[1]).longValue()});
    }

    /**
     * The runs going on for the tenant (or one project) in one currency (null: any), from their start (or the
     * period's, if later) to {@code now}: {cost in minor units (rounded half-even per run), card-milli-seconds, their
     * price per hour together in minor units (rounded once)}.
     */
    public Uni<long[]> running(UUID tenantId, UUID projectId, String currency, Instant periodStart, Instant now) {
        String filter = (projectId == null ? "" : " and project_id = :project")
                + (currency == null ? "" : " and currency = :currency");
        SessionSql q = SessionSql.select("""
                select coalesce(sum(round(unit_price_minor * cards_milli * secs / 3600000.0)), 0),
                       coalesce(sum(cards_milli * secs), 0),
                       coalesce(round(sum(unit_price_minor * cards_milli / 1000.0)), 0)
                  from (select unit_price_minor, cast(cards_milli as bigint) as cards_milli,
                               greatest(0, floor(extract(epoch from :now - greatest(started_at, :from)))) as secs
                          from jobs where state = 'RUNNING' and tenant_id = :tenant""" + filter + ") r")
                .setParameter("tenant", tenantId).setParameter("now", SqlTimes.utc(now))
                .setParameter("from", SqlTimes.utc(periodStart));
        if (projectId != null) {
            q.setParameter("project", projectId);
        }
        if (currency != null) {
            q.setParameter("currency", currency);
        }
        return q.single().map(r -> new long[] {((Number) r[0]).longValue(), ((Number) r[1]).longValue(),
                ((Number) r[2]).longValue()});
    }

    /**
     * What the tenant (or one project) spent in one currency on each UTC day of {@code days} days from {@code first}:
     * the rollups of the day's hours, cost less credits (in whichever period they were billed), and the runs going on,
     * their part of the day to {@code now}. In day order, minor units.
     */
    public Uni<List<Long>> daily(UUID tenantId, UUID projectId, String currency, Instant first, int days,
            Instant now) {
        String filter = (projectId == null ? "" : " and project_id = :project") + " and currency = :currency";
        SessionSql q = SessionSql.select("with days as (select generate_series(cast(:first as timestamptz),"
                + " cast(:first as timestamptz) + (:days - 1) * interval '1 day', interval '1 day') as d)"
                + " select (select coalesce(sum(cost_minor - credit_minor), 0) from usage_rollups"
                + " where tenant_id = :tenant and period >= :firstPeriod and hour >= d and hour < d + interval '1 day'"
                + filter + ")"
                + " + (select coalesce(sum(round(unit_price_minor * cast(cards_milli as bigint) * greatest(0,"
                + " floor(extract(epoch from least(d + interval '1 day', cast(:now as timestamptz))"
                + " - greatest(started_at, d)))) / 3600000.0)), 0)"
                + " from jobs where state = 'RUNNING' and tenant_id = :tenant" + filter + ")"
                + " from days order by d")
                .setParameter("tenant", tenantId).setParameter("first", SqlTimes.utc(first)).setParameter("days", days)
                .setParameter("firstPeriod", city.myriad.platform.time.Period.of(first).toString())
                .setParameter("now", SqlTimes.utc(now)).setParameter("currency", currency);
        if (projectId != null) {
            q.setParameter("project", projectId);
        }
        return q.getResultList().map(rows -> rows.stream().map(r -> ((Number) r[0]).longValue()).toList());
    }

    /** Takes the meter's turn: false if another replica's meter holds it (until its transaction ends). */
    public Uni<Boolean> tryTurn() {
        return SessionSql.select(
                        "select pg_try_advisory_xact_lock(hashtextextended('myriad/meter', 0))")
                .singleValue(Boolean.class);
    }

    private static Uni<Mutiny.Session> session() {
        return Panache.getSession();
    }
}
