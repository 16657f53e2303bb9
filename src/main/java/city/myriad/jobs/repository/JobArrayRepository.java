package city.myriad.jobs.repository;

import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Job arrays (V51): the row written with the array's jobs, and where its jobs stand, read from them. */
@ApplicationScoped
public class JobArrayRepository {

    /** A job array as stored. */
    public record ArrayRow(UUID id, UUID tenantId, UUID projectId, UUID clusterId, String model, int size,
            Integer maxRunning, String submittedBy, Instant createdAt) {}

    /** Writes the array's row, in the caller's transaction (before its jobs, which reference it). */
    public Uni<Void> insert(ArrayRow a) {
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        insert into job_arrays (id, tenant_id, project_id, cluster_id, model, size, max_running,
                                                submitted_by, created_at)
                        values (:id, :tenant, :project, :cluster, :model, :size, :maxRunning, :by, :at)""")
                .setParameter("maxRunning", a.maxRunning())
                .setParameter("id", a.id()).setParameter("tenant", a.tenantId()).setParameter("project", a.projectId())
                .setParameter("cluster", a.clusterId()).setParameter("model", a.model()).setParameter("size", a.size())
                .setParameter("by", a.submittedBy()).setParameter("at", SqlTimes.utc(a.createdAt()))
                .executeUpdate()).replaceWithVoid();
    }

    public Uni<Optional<ArrayRow>> find(UUID tenantId, UUID id) {
        return SessionSql.select("""
                        select id, tenant_id, project_id, cluster_id, model, size, max_running, submitted_by, created_at
                          from job_arrays where tenant_id = :tenant and id = :id""")
                .setParameter("tenant", tenantId).setParameter("id", id)
                .first().map(found -> found.map(r -> new ArrayRow((UUID) r[0], (UUID) r[1], (UUID) r[2], (UUID) r[3],
                        (String) r[4], ((Number) r[5]).intValue(), r[6] == null ? null : ((Number) r[6]).intValue(),
                        (String) r[7], SqlTimes.instant(r[8]))));
    }

    /** How many of the array's jobs may run at once (0: no limit of its own); the array is read whatever its tenant. */
    public Uni<Integer> maxRunning(UUID arrayId) {
        return SessionSql.select("select coalesce(max_running, 0) from job_arrays where id = :id")
                .setParameter("id", arrayId).first().map(found -> found.map(r -> ((Number) r[0]).intValue()).orElse(0));
    }

    /** Sets how many of the array's jobs may run at once (null: no limit of its own), in the caller's transaction. */
    public Uni<Void> setMaxRunning(UUID arrayId, Integer maxRunning) {
        return Panache.getSession().chain(s -> s.createNativeQuery(
                        "update job_arrays set max_running = :most where id = :id")
                .setParameter("most", maxRunning).setParameter("id", arrayId).executeUpdate()).replaceWithVoid();
    }

    /** The array's row, locked until the transaction ends (its changes are serialised). */
    public Uni<Optional<ArrayRow>> lock(UUID tenantId, UUID id) {
        return SessionSql.select("select id from job_arrays where tenant_id = :tenant and id = :id for update")
                .setParameter("tenant", tenantId).setParameter("id", id).column(UUID.class)
                .chain(ids -> ids.isEmpty() ? Uni.createFrom().item(Optional.<ArrayRow>empty()) : find(tenantId, id));
    }

    /** The array's jobs' ids, by index. */
    public Uni<List<UUID>> jobIds(UUID arrayId) {
        return SessionSql.select("select id from jobs where array_id = :array order by array_index")
                .setParameter("array", arrayId).column(UUID.class);
    }

    /** An array's money, as its jobs' views give theirs: currency, charged, credited, projected, and the running runs. */
    public record Money(String currency, long chargedMinor, long creditedMinor, long projectedMinor,
            List<Running> running) {}

    /** A running job's price and start, for its live charge. */
    public record Running(long unitPriceMinor, int cardsMilli, Instant startedAt) {}

    /** The array's jobs' charges, credits and projections summed, with what its running jobs need for theirs. */
    public Uni<Money> money(UUID arrayId) {
        return SessionSql.select("""
                        select min(currency), coalesce(sum(charged_minor), 0), coalesce(sum(credited_minor), 0),
                               coalesce(sum(projected_minor), 0) from jobs where array_id = :array""")
                .setParameter("array", arrayId).single()
                .chain(sums -> SessionSql.select("""
                                select unit_price_minor, cards_milli, started_at from jobs
                                 where array_id = :array and state = 'RUNNING'""")
                        .setParameter("array", arrayId).getResultList()
                        .map(rows -> new Money((String) sums[0], ((Number) sums[1]).longValue(),
                                ((Number) sums[2]).longValue(), ((Number) sums[3]).longValue(),
                                rows.stream().map(r -> new Running(((Number) r[0]).longValue(),
                                        ((Number) r[1]).intValue(), SqlTimes.instant(r[2]))).toList())));
    }

    /** How many of the array's jobs are in each state, in the lifecycle's order of the states named. */
    public Uni<Map<String, Integer>> states(UUID arrayId) {
        return SessionSql.select("select state, count(*) from jobs where array_id = :array group by state")
                .setParameter("array", arrayId).getResultList().map(rows -> {
                    Map<String, Integer> out = new LinkedHashMap<>();
                    for (String state : List.of("HELD", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED")) {
                        rows.stream().filter(r -> state.equals(r[0])).findFirst()
                                .ifPresent(r -> out.put(state, ((Number) r[1]).intValue()));
                    }
                    return out;
                });
    }
}
