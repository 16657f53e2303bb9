package city.myriad.metering.repository;

import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;

/** What the usage API reads: rollups grouped, one job's runs and events, reconciliations, periods. */
@ApplicationScoped
public class UsageRepository {

    /** One group's sums. */
    /** A group's sums; the measured card-milli-seconds and events are null where they are not kept at its grain. */
    public record Group(String key, String currency, long cardMilliSeconds, long costMinor, long creditMinor,
            Long measuredCardMilliSeconds, Long eventCount, Measured measured) {}

    /**
     * What the group's events reported besides card-seconds (V70): utilization in thousandths × card-milli-seconds
     * over the card-milli-seconds that reported one, and energy in milli-watt-hours (null: none reported).
     */
    public record Measured(long utilizedMilliCms, long utilizationCms, Long energyMilliWh) {}

    /**
     * One run of a job with both sources: lifecycle (to now while running) and its events. Of the events that reported
     * them: {@code utilizedCms} sums utilization × card-milli-seconds over {@code utilizationCms}, the card-milli-seconds
     * of those events (0: none reported it), and {@code energyWh} the energy (null: none reported it).
     */
    public record RunRow(int attempt, Instant startedAt, Instant endedAt, long lifecycleCms, long chargeMinor,
            long measuredCms, long events, BigDecimal utilizedCms, long utilizationCms, BigDecimal energyWh) {}

    /** A job as its usage shows it. */
    public record JobRow(UUID id, UUID tenantId, UUID clusterId, String state, String currency) {}

    /** A reconciliation as stored. */
    public record Reconciliation(UUID jobId, UUID tenantId, UUID clusterId, long lifecycleCms, long measuredCms,
            long events, String status, Instant checkedAt) {}

    /** The SQL expression of each grouping. */
    private static String keyOf(String groupBy) {
        return switch (groupBy) {
            case "project" -> "cast(project_id as text)";
            case "cluster" -> "cast(cluster_id as text)";
            case "model" -> "model";
            case "class" -> "price_class";
            case "hour" -> "to_char(hour at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:00:00\"Z\"')";
            case "day" -> "to_char(hour at time zone 'UTC', 'YYYY-MM-DD')";
            case "period" -> "period";
            default -> throw new IllegalArgumentException(groupBy);
        };
    }

    /**
     * Sums of the rollups whose hour is in [from, to), by the grouping and currency, of one tenant (tenantId), of
     * these clusters (clusterIds, every tenant) and of one project (projectId): those that are not null.
     */
    public Uni<List<Group>> grouped(UUID tenantId, Collection<UUID> clusterIds, UUID projectId, Instant from,
            Instant to, String groupBy) {
        String key = keyOf(groupBy);
        SessionSql q = scoped("select " + key + " as k, currency, sum(card_milli_seconds), sum(cost_minor),"
                + " sum(credit_minor), sum(measured_card_milli_seconds), sum(event_count), sum(utilized_milli_cms),"
                + " sum(utilization_cms), sum(energy_milli_wh) from usage_rollups"
                + " where hour >= :from and hour < :to", " group by k, currency order by k, currency", tenantId,
                clusterIds, projectId)
                .setParameter("from", SqlTimes.utc(from)).setParameter("to", SqlTimes.utc(to));
        return q.getResultList().map(rows -> rows.stream().map(r -> new Group((String) r[0], (String) r[1],
                ((Number) r[2]).longValue(),
                ((Number) r[3]).longValue(), ((Number) r[4]).longValue(), ((Number) r[5]).longValue(),
                ((Number) r[6]).longValue(), new Measured(((Number) r[7]).longValue(), ((Number) r[8]).longValue(),
                r[9] == null ? null : ((Number) r[9]).longValue()))).toList());
    }

    /**
     * Sums of the rated usage of the jobs (the rows the rollups sum exactly) whose hour is in [from, to), by the value
     * of the jobs' tag {@code tagKey} (null: jobs without it) and currency, narrowed as {@link #grouped} is. Measured
     * usage is kept by the hour and project, not by job, so it is not given.
     */
    public Uni<List<Group>> groupedByTag(UUID tenantId, Collection<UUID> clusterIds, UUID projectId, Instant from,
            Instant to, String tagKey) {
        SessionSql q = scoped("select k, currency, sum(card_milli_seconds), sum(cost_minor), sum(credit_minor)"
                + " from (select u.*, j.tags ->> cast(:tagKey as text) as k from usage_charges u"
                + " left join jobs j on j.id = u.job_id) c where hour >= :from and hour < :to",
                " group by k, currency order by k nulls last, currency", tenantId, clusterIds, projectId)
                .setParameter("tagKey", tagKey).setParameter("from", SqlTimes.utc(from))
                .setParameter("to", SqlTimes.utc(to));
        return q.getResultList().map(rows -> rows.stream().map(r -> new Group((String) r[0], (String) r[1],
                ((Number) r[2]).longValue(), ((Number) r[3]).longValue(), ((Number) r[4]).longValue(), null, null,
                null)).toList());
    }

    /** Card-milli-seconds of the runs going on (to now), narrowed as {@link #grouped} is. */
    public Uni<Long> running(UUID tenantId, Collection<UUID> clusterIds, UUID projectId, Instant now) {
        return scoped("select coalesce(sum(cast(cards_milli as bigint)"
                + " * greatest(0, floor(extract(epoch from :now - started_at)))), 0) from jobs where state = 'RUNNING'",
                "", tenantId, clusterIds, projectId)
                .setParameter("now", SqlTimes.utc(now)).singleValue(Number.class).map(Number::longValue);
    }

    /** {@code select} (ending in a where clause) and {@code rest}, with the filters that are not null between. */
    private static SessionSql scoped(String select, String rest, UUID tenantId, Collection<UUID> clusterIds,
            UUID projectId) {
        StringBuilder sql = new StringBuilder(select);
        if (tenantId != null) {
            sql.append(" and tenant_id = :tenant");
        }
        if (clusterIds != null) {
            sql.append(" and cluster_id = any(cast(string_to_array(cast(:clusters as text), ',') as uuid[]))");
        }
        if (projectId != null) {
            sql.append(" and project_id = :project");
        }
        SessionSql q = SessionSql.select(sql + rest);
        if (tenantId != null) {
            q.setParameter("tenant", tenantId);
        }
        if (clusterIds != null) {
            q.setParameter("clusters", UsageEventRepository.joined(clusterIds));
        }
        if (projectId != null) {
            q.setParameter("project", projectId);
        }
        return q;
    }

    public Uni<Optional<JobRow>> job(UUID jobId) {
        return SessionSql.select(
                        "select id, tenant_id, cluster_id, state, currency from jobs where id = :id")
                .setParameter("id", jobId).getResultList()
                .map(rows -> rows.stream().findFirst().map(r -> new JobRow((UUID) r[0], (UUID) r[1], (UUID) r[2],
                        (String) r[3], (String) r[4])));
    }

    /** The job's runs, ended and going on, with the events counted against each. */
    public Uni<List<RunRow>> runs(UUID jobId, Instant now) {
        return SessionSql.select("""
                        with runs as (
                            select attempt, started_at, ended_at, cards_milli, charge_minor from job_segments
                             where job_id = :job
                            union all
                            select attempt, started_at, null, cards_milli, 0 from jobs
                             where id = :job and state = 'RUNNING'),
                        events as (
                            select attempt, cast(cards_milli as bigint) * floor(extract(epoch from end_at - start_at))
                                       as cms, utilization, energy_wh
                              from usage_events where job_id = :job),
                        measured as (
                            select attempt, sum(cms) as cms, count(*) as n, sum(utilization * cms) as used,
                                   sum(case when utilization is not null then cms end) as ucms, sum(energy_wh) as energy
                              from events group by attempt)
                        select r.attempt, r.started_at, r.ended_at,
                               cast(r.cards_milli as bigint)
                                   * greatest(0, floor(extract(epoch from coalesce(r.ended_at, :now) - r.started_at))),
                               r.charge_minor, coalesce(m.cms, 0), coalesce(m.n, 0), coalesce(m.used, 0),
                               coalesce(m.ucms, 0), m.energy
                          from runs r left join measured m on m.attempt = r.attempt
                         order by r.attempt""")
                .setParameter("job", jobId).setParameter("now", SqlTimes.utc(now)).getResultList()
                .map(rows -> rows.stream().map(r -> new RunRow(((Number) r[0]).intValue(), SqlTimes.instant(r[1]),
                        r[2] == null ? null : SqlTimes.instant(r[2]), ((Number) r[3]).longValue(),
                        ((Number) r[4]).longValue(), ((Number) r[5]).longValue(), ((Number) r[6]).longValue(),
                        new BigDecimal(r[7].toString()), ((Number) r[8]).longValue(),
                        r[9] == null ? null : new BigDecimal(r[9].toString())))
                        .toList());
    }

    public Uni<Optional<Reconciliation>> reconciliation(UUID jobId) {
        return reconciliations("select job_id, tenant_id, cluster_id, lifecycle_card_milli_seconds,"
                + " measured_card_milli_seconds, event_count, status, checked_at from usage_reconciliations"
                + " where job_id = :job", q -> q.setParameter("job", jobId))
                .map(list -> list.stream().findFirst());
    }

    /** Jobs flagged DISCREPANT on these clusters (null: all), in job id order after {@code after}. */
    public Uni<List<Reconciliation>> discrepant(Collection<UUID> clusterIds, UUID after, int limit) {
        String where = " where status = 'DISCREPANT'"
                + (clusterIds == null ? "" : " and cluster_id = any(cast(string_to_array(cast(:clusters as text), ',')"
                        + " as uuid[]))")
                + (after == null ? "" : " and job_id > :after");
        return reconciliations("select job_id, tenant_id, cluster_id, lifecycle_card_milli_seconds,"
                + " measured_card_milli_seconds, event_count, status, checked_at from usage_reconciliations" + where
                + " order by job_id limit :limit", q -> {
                    q.setParameter("limit", limit);
                    if (clusterIds != null) {
                        q.setParameter("clusters", UsageEventRepository.joined(clusterIds));
                    }
                    if (after != null) {
                        q.setParameter("after", after);
                    }
                });
    }

    private interface Binder {
        void bind(SessionSql q);
    }

    private static Uni<List<Reconciliation>> reconciliations(String sql, Binder binder) {
        SessionSql q = SessionSql.select(sql);
        binder.bind(q);
        return q.getResultList().map(rows -> rows.stream().map(r -> new Reconciliation((UUID) r[0], (UUID) r[1], (UUID) r[2],
                ((Number) r[3]).longValue(), ((Number) r[4]).longValue(), ((Number) r[5]).longValue(), (String) r[6],
                SqlTimes.instant(r[7]))).toList());
    }

    private static Uni<Mutiny.Session> session() {
        return Panache.getSession();
    }
}
