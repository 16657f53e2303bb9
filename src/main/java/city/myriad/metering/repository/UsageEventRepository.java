package city.myriad.metering.repository;

import city.myriad.platform.db.SqlTimes;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
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
 * Usage events as the agents reported them, and what ingestion must know of the jobs they name. The reads run in
 * the caller's transaction; the insert in one of its own (see {@link #insert}).
 */
@ApplicationScoped
public class UsageEventRepository {

    private final Pool pool;

    UsageEventRepository(Pool pool) {
        this.pool = pool;
    }

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

    /** An event to keep, with what ingestion read of its job. */
    public record NewEvent(UUID clusterId, String eventId, UUID jobId, int attempt, UUID tenantId, UUID projectId,
            String model, String priceClass, String currency, String node, int cardsMilli, Instant startAt,
            Instant endAt, BigDecimal utilization, BigDecimal energyWh) {}

    private static final String INSERT = """
            with v as (
                select * from unnest($1::uuid[], $2::text[], $3::uuid[], $4::int[], $5::uuid[], $6::uuid[], $7::text[],
                                     $8::text[], $9::text[], $10::text[], $11::int[], $12::timestamptz[],
                                     $13::timestamptz[], $14::text[], $15::text[])
                    as v(cluster_id, event_id, job_id, attempt, tenant_id, project_id, model, price_class, currency,
                         node, cards_milli, start_at, end_at, utilization, energy_wh)),
            inserted as (
                insert into usage_events (cluster_id, event_id, job_id, attempt, tenant_id, project_id, model,
                                          price_class, currency, node, cards_milli, start_at, end_at, utilization,
                                          energy_wh, received_at, batch_id)
                select cluster_id, event_id, job_id, attempt, tenant_id, project_id, model, price_class, currency,
                       node, cards_milli, start_at, end_at, cast(utilization as numeric), cast(energy_wh as numeric),
                       $16, $17
                  from v
                on conflict (cluster_id, event_id) do nothing
                returning cluster_id, event_id),
            noted as (
                insert into usage_pending_batches (batch_id, received_at)
                select $17, $16 where exists (select 1 from inserted))
            select cast(cluster_id as text) || '/' || event_id as key from inserted""";

    /**
     * Inserts the events (in the order given: key order, so that two batches sharing events wait for each other in
     * one order) that no earlier batch recorded, and notes the batch for the meter, in one transaction of its own
     * on the plain client (rows bound as arrays: nothing to parse again) that waits for the WAL flush whatever the
     * server's default. The primary key (cluster, event id) decides: a row it already holds is skipped (and waits,
     * if a concurrent batch holds it uncommitted, for that batch's outcome). Returns "cluster/event" of those
     * inserted.
     */
    public Uni<Set<String>> insert(UUID batchId, List<NewEvent> rows, Instant receivedAt) {
        int n = rows.size();
        UUID[] clusters = new UUID[n];
        String[] eventIds = new String[n];
        UUID[] jobs = new UUID[n];
        Integer[] attempts = new Integer[n];
        UUID[] tenants = new UUID[n];
        UUID[] projects = new UUID[n];
        String[] models = new String[n];
        String[] classes = new String[n];
        String[] currencies = new String[n];
        String[] nodes = new String[n];
        Integer[] cards = new Integer[n];
        OffsetDateTime[] starts = new OffsetDateTime[n];
        OffsetDateTime[] ends = new OffsetDateTime[n];
        String[] utilization = new String[n];
        String[] energy = new String[n];
        for (int i = 0; i < n; i++) {
            NewEvent e = rows.get(i);
            clusters[i] = e.clusterId();
            eventIds[i] = e.eventId();
            jobs[i] = e.jobId();
            attempts[i] = e.attempt();
            tenants[i] = e.tenantId();
            projects[i] = e.projectId();
            models[i] = e.model();
            classes[i] = e.priceClass();
            currencies[i] = e.currency();
            nodes[i] = e.node();
            cards[i] = e.cardsMilli();
            starts[i] = SqlTimes.utc(e.startAt());
            ends[i] = SqlTimes.utc(e.endAt());
            utilization[i] = e.utilization() == null ? null : e.utilization().toPlainString();
            energy[i] = e.energyWh() == null ? null : e.energyWh().toPlainString();
        }
        Tuple args = Tuple.tuple().addArrayOfUUID(clusters).addArrayOfString(eventIds).addArrayOfUUID(jobs)
                .addArrayOfInteger(attempts).addArrayOfUUID(tenants).addArrayOfUUID(projects)
                .addArrayOfString(models).addArrayOfString(classes).addArrayOfString(currencies)
                .addArrayOfString(nodes).addArrayOfInteger(cards).addArrayOfOffsetDateTime(starts)
                .addArrayOfOffsetDateTime(ends).addArrayOfString(utilization).addArrayOfString(energy)
                .addOffsetDateTime(SqlTimes.utc(receivedAt)).addUUID(batchId);
        return pool.withTransaction((SqlConnection c) -> c.query("select set_config('myriad.scope', 'platform', true),"
                        + " set_config('synchronous_commit', 'on', true)").execute()
                .chain(() -> c.preparedQuery(INSERT).execute(args))
                .map(result -> {
                    Set<String> keys = new HashSet<>();
                    for (Row r : result) {
                        keys.add(r.getString(0));
                    }
                    return keys;
                }));
    }

    static String joined(Collection<UUID> ids) {
        return ids.stream().map(UUID::toString).collect(Collectors.joining(","));
    }

    private static Uni<Mutiny.Session> session() {
        return Panache.getSession();
    }
}
