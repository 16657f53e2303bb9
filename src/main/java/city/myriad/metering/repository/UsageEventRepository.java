package city.myriad.metering.repository;

import city.myriad.platform.db.SqlTimes;
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

/** Usage events as the agents reported them, and what ingestion must know of the jobs they name. */
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

    private static final String JOBS = """
            select id, cluster_id, tenant_id, project_id, model, price_class, currency, cards_milli
              from jobs where id = any($1::uuid[])""";

    private static final String RUNS = """
            select job_id, attempt, started_at, ended_at, placement from job_segments where job_id = any($1::uuid[])
            union all
            select id, attempt, started_at, null, placement from jobs where id = any($1::uuid[]) and state = 'RUNNING'""";

    /** What ingestion decides to keep, once it has read the jobs named and their runs. */
    public interface Decision {
        List<NewEvent> keep(List<JobFacts> jobs, List<RunFacts> runs);
    }

    /**
     * One batch, in one transaction on the plain client (platform scope; its commit waits for the WAL flush
     * whatever the server's default): reads the jobs named (of any tenant) and their runs (ended ones from the
     * segments, the one going on from the job), lets {@code decision} choose the events to keep, and inserts those
     * (see {@link #INSERT}). Returns "cluster/event" of the events inserted.
     */
    public Uni<Set<String>> ingest(Collection<UUID> jobIds, Decision decision, UUID batchId, Instant receivedAt) {
        UUID[] ids = jobIds.toArray(UUID[]::new);
        return pool.withTransaction((SqlConnection c) -> c.query("select set_config('myriad.scope', 'platform', true),"
                        + " set_config('synchronous_commit', 'on', true)").execute()
                .chain(() -> ids.length == 0 ? Uni.createFrom().item(List.<JobFacts>of())
                        : c.preparedQuery(JOBS).execute(Tuple.of(ids)).map(UsageEventRepository::jobFacts))
                .chain(jobs -> (ids.length == 0 ? Uni.createFrom().item(List.<RunFacts>of())
                        : c.preparedQuery(RUNS).execute(Tuple.of(ids)).map(UsageEventRepository::runFacts))
                        .map(runs -> decision.keep(jobs, runs)))
                .chain(keep -> keep.isEmpty() ? Uni.createFrom().item(Set.<String>of())
                        : c.preparedQuery(INSERT).execute(insertArgs(keep, batchId, receivedAt)).map(result -> {
                            Set<String> keys = new HashSet<>();
                            for (Row r : result) {
                                keys.add(r.getString(0));
                            }
                            return keys;
                        })));
    }

    private static List<JobFacts> jobFacts(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        List<JobFacts> out = new java.util.ArrayList<>();
        for (Row r : rows) {
            out.add(new JobFacts(r.getUUID(0), r.getUUID(1), r.getUUID(2), r.getUUID(3), r.getString(4),
                    r.getString(5), r.getString(6), r.getInteger(7)));
        }
        return out;
    }

    private static List<RunFacts> runFacts(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        List<RunFacts> out = new java.util.ArrayList<>();
        for (Row r : rows) {
            OffsetDateTime ended = r.getOffsetDateTime(3);
            out.add(new RunFacts(r.getUUID(0), r.getInteger(1), r.getOffsetDateTime(2).toInstant(),
                    ended == null ? null : ended.toInstant(), r.getString(4)));
        }
        return out;
    }

    /** An event to keep, with what ingestion read of its job. */
    public record NewEvent(UUID clusterId, String eventId, UUID jobId, int attempt, UUID tenantId, UUID projectId,
            String model, String priceClass, String currency, String node, int cardsMilli, Instant startAt,
            Instant endAt, BigDecimal utilization, BigDecimal energyWh) {}

    /**
     * Inserts the events (in the order given: key order, so that two batches sharing events wait for each other in
     * one order) that no earlier batch recorded, and notes the batch for the meter. The primary key (cluster,
     * event id) decides: a row it already holds is skipped (and waits, if a concurrent batch holds it uncommitted,
     * for that batch's outcome). Rows bound as arrays: nothing for the database to parse again.
     */
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

    /** The arguments of {@link #INSERT}: the rows as arrays, in the order given (key order). */
    private static Tuple insertArgs(List<NewEvent> rows, UUID batchId, Instant receivedAt) {
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
        return Tuple.tuple().addArrayOfUUID(clusters).addArrayOfString(eventIds).addArrayOfUUID(jobs)
                .addArrayOfInteger(attempts).addArrayOfUUID(tenants).addArrayOfUUID(projects)
                .addArrayOfString(models).addArrayOfString(classes).addArrayOfString(currencies)
                .addArrayOfString(nodes).addArrayOfInteger(cards).addArrayOfOffsetDateTime(starts)
                .addArrayOfOffsetDateTime(ends).addArrayOfString(utilization).addArrayOfString(energy)
                .addOffsetDateTime(SqlTimes.utc(receivedAt)).addUUID(batchId);
    }

    static String joined(Collection<UUID> ids) {
        return ids.stream().map(UUID::toString).collect(Collectors.joining(","));
    }
}
