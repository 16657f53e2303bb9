package city.myriad.metering.repository;

import city.myriad.platform.db.SqlTimes;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * Usage events as the agents reported them, and what ingestion must know of the jobs they name. Plain SQL, in the
 * caller's transaction.
 */
@ApplicationScoped
public class UsageEventRepository {

    /** A job as ingestion checks events against it. */
    public record JobFacts(UUID id, UUID clusterId, UUID tenantId, UUID projectId, String model, String priceClass,
            String currency, int cardsMilli) {}

    /** One run of a job: ended (endedAt set) or going on; its placement as JSON (null for runs before V8). */
    public record RunFacts(UUID jobId, int attempt, Instant startedAt, Instant endedAt, String placement) {}

    /** The jobs named (of any tenant) with their runs: ended ones from the segments, the one going on from the job. */
    public Uni<List<JobFacts>> jobs(Collection<UUID> ids) {
        return session().chain(s -> s.createNativeQuery("""
                        select id, cluster_id, tenant_id, project_id, model, price_class, currency, cards_milli
                          from jobs where id = any(cast(string_to_array(cast(:ids as text), ',') as uuid[]))""",
                        Object[].class)
                .setParameter("ids", joined(ids)).getResultList())
                .map(rows -> rows.stream().map(r -> new JobFacts((UUID) r[0], (UUID) r[1], (UUID) r[2], (UUID) r[3],
                        (String) r[4], (String) r[5], (String) r[6], ((Number) r[7]).intValue())).toList());
    }

    public Uni<List<RunFacts>> runs(Collection<UUID> ids) {
        return session().chain(s -> s.createNativeQuery("""
                        select job_id, attempt, started_at, ended_at, placement from job_segments
                         where job_id = any(cast(string_to_array(cast(:ids as text), ',') as uuid[]))
                        union all
                        select id, attempt, started_at, null, placement from jobs
                         where id = any(cast(string_to_array(cast(:ids as text), ',') as uuid[])) and state = 'RUNNING'""",
                        Object[].class)
                .setParameter("ids", joined(ids)).getResultList())
                .map(rows -> rows.stream().map(r -> new RunFacts((UUID) r[0], ((Number) r[1]).intValue(),
                        SqlTimes.instant(r[2]), r[3] == null ? null : SqlTimes.instant(r[3]), (String) r[4])).toList());
    }

    /**
     * Inserts the events of {@code batch} (a JSON array of rows) that no earlier batch recorded, and notes the batch
     * for the meter. The primary key (cluster, event id) decides: a row it already holds is skipped (and waits, if
     * a concurrent batch holds it uncommitted, for that batch's outcome). Returns "cluster/event" of those inserted.
     */
    public Uni<Set<String>> insert(UUID batchId, String batch, Instant receivedAt) {
        return session().chain(s -> s.createNativeQuery("""
                        with inserted as (
                            insert into usage_events (cluster_id, event_id, job_id, attempt, tenant_id, project_id,
                                                      model, price_class, currency, node, cards_milli, start_at,
                                                      end_at, utilization, energy_wh, received_at, batch_id)
                            select v.cluster_id, v.event_id, v.job_id, v.attempt, v.tenant_id, v.project_id, v.model,
                                   v.price_class, v.currency, v.node, v.cards_milli, v.start_at, v.end_at,
                                   v.utilization, v.energy_wh, :at, :batch_id
                              from jsonb_to_recordset(cast(cast(:batch as text) as jsonb)) as v(
                                   cluster_id uuid, event_id text, job_id uuid, attempt int, tenant_id uuid,
                                   project_id uuid, model text, price_class text, currency text, node text,
                                   cards_milli int, start_at timestamptz, end_at timestamptz,
                                   utilization numeric, energy_wh numeric)
                            on conflict (cluster_id, event_id) do nothing
                            returning cluster_id, event_id),
                        noted as (
                            insert into usage_pending_batches (batch_id, received_at)
                            select :batch_id, :at where exists (select 1 from inserted))
                        select cast(cluster_id as text) || '/' || event_id from inserted""", String.class)
                .setParameter("batch", batch)
                .setParameter("batch_id", batchId)
                .setParameter("at", SqlTimes.utc(receivedAt))
                .getResultList())
                .map(HashSet::new);
    }

    /** Makes this transaction's commit wait for the WAL flush, whatever the server's default. */
    public Uni<Void> durableCommit() {
        return session().chain(s -> s.createNativeQuery("set local synchronous_commit = on").executeUpdate())
                .replaceWithVoid();
    }

    static String joined(Collection<UUID> ids) {
        return ids.stream().map(UUID::toString).collect(Collectors.joining(","));
    }

    private static Uni<Mutiny.Session> session() {
        return Panache.getSession();
    }
}
