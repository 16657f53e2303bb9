package city.myriad.jobs.repository;

import city.myriad.platform.db.SqlTimes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;

/**
 * Runs that ended before they were recorded (jobs.service.PastRuns): the job in its final state with the transitions
 * it went through, and its closed run segment, not yet metered, as the scheduling loop writes an ended run. In the
 * caller's transaction.
 */
@ApplicationScoped
public class PastRunRepository {

    /** One ended run, decided by the use case: its price, charge and credit already worked out. */
    public record EndedRun(UUID id, UUID tenantId, UUID projectId, UUID clusterId, String name, String model,
            int cardsMilli, String jobClass, String currency, long unitPriceMinor, String placement, Instant startedAt,
            Instant endedAt, String state, String reason, long chargeMinor, long creditMinor, String recordedBy) {}

    /**
     * Takes the cluster's past-runs lock for the transaction: two batches recorded at once are checked against each
     * other's cards one after the other, never both against the runs before them alone.
     */
    public Uni<Void> lock(SqlConnection c, UUID clusterId) {
        return c.preparedQuery("select pg_advisory_xact_lock(hashtextextended($1, 0))")
                .execute(Tuple.of("past-runs:" + clusterId)).replaceWithVoid();
    }

    /** Whether any run was recorded by {@code recordedBy} on the cluster (a loader's earlier pass). */
    public Uni<Boolean> anyBy(SqlConnection c, UUID clusterId, String recordedBy) {
        return c.preparedQuery("select exists (select 1 from jobs where cluster_id = $1 and submitted_by = $2)")
                .execute(Tuple.of(clusterId, recordedBy)).map(rows -> rows.iterator().next().getBoolean(0));
    }

    /** A run already recorded on the cluster: its placement (JSON) and interval. */
    public record RecordedRun(String placement, Instant startedAt, Instant endedAt) {}

    /** The runs on the cluster that overlap [from, to): its jobs' closed segments and the runs still open. */
    public Uni<java.util.List<RecordedRun>> overlapping(SqlConnection c, UUID clusterId, Instant from, Instant to) {
        return c.preparedQuery("""
                        select placement, started_at, ended_at from job_segments
                         where cluster_id = $1 and started_at < $3 and ended_at > $2 and placement is not null
                        union all
                        select placement, started_at, $3 from jobs
                         where cluster_id = $1 and state = 'RUNNING' and started_at < $3""")
                .execute(Tuple.of(clusterId, SqlTimes.utc(from), SqlTimes.utc(to))).map(rows -> {
                    java.util.List<RecordedRun> out = new java.util.ArrayList<>();
                    rows.forEach(r -> out.add(new RecordedRun(r.getString(0),
                            r.getOffsetDateTime(1).toInstant(), r.getOffsetDateTime(2).toInstant())));
                    return out;
                });
    }

    public Uni<Void> insert(SqlConnection c, EndedRun r) {
        int maxRun = (int) Math.max(1, java.time.Duration.between(r.startedAt(), r.endedAt()).getSeconds());
        return c.preparedQuery("""
                        insert into jobs (id, tenant_id, project_id, cluster_id, model, cards_milli, price_class,
                                          max_run_seconds, same_block, currency, unit_price_minor, projected_minor,
                                          state, reason, attempt, placement, started_at, ended_at, charged_minor,
                                          credited_minor, submitted_by, created_at, updated_at, eligible_at, name)
                        values ($1, $2, $3, $4, $5, $6, $7, $8, false, $9, $10, $11, $12, $13, 1,
                                $14, $15, $16, $11, $17, $18, $15, $16, $15, $19)""")
                .execute(Tuple.from(new Object[] {r.id(), r.tenantId(), r.projectId(), r.clusterId(), r.model(),
                        r.cardsMilli(), r.jobClass(), maxRun, r.currency(), r.unitPriceMinor(), r.chargeMinor(),
                        r.state(), r.reason(), r.placement(), SqlTimes.utc(r.startedAt()), SqlTimes.utc(r.endedAt()),
                        r.creditMinor(), r.recordedBy(), r.name()}))
                .chain(() -> c.preparedQuery("""
                        insert into job_transitions (job_id, seq, tenant_id, at, from_state, to_state, reason)
                        values ($1, 1, $2, $3, null, 'QUEUED', 'SUBMITTED'), ($1, 2, $2, $3, 'QUEUED', 'RUNNING', 'SCHEDULED'),
                               ($1, 3, $2, $4, 'RUNNING', $5, $6)""")
                        .execute(Tuple.of(r.id(), r.tenantId(), SqlTimes.utc(r.startedAt()),
                                SqlTimes.utc(r.endedAt()), r.state(), r.reason())))
                .chain(() -> c.preparedQuery("""
                        insert into job_segments (job_id, attempt, tenant_id, project_id, cluster_id, model,
                                                  price_class, cards_milli, started_at, ended_at, outcome, currency,
                                                  unit_price_minor, charge_minor, credit_minor, placement)
                        values ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)""")
                        .execute(Tuple.from(new Object[] {r.id(), r.tenantId(), r.projectId(), r.clusterId(),
                                r.model(), r.jobClass(), r.cardsMilli(), SqlTimes.utc(r.startedAt()),
                                SqlTimes.utc(r.endedAt()), r.state(), r.currency(), r.unitPriceMinor(),
                                r.chargeMinor(), r.creditMinor(), r.placement()})))
                .replaceWithVoid();
    }
}
