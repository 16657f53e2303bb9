package city.myriad.jobs.repository;

import city.myriad.jobs.model.DependencyCondition;
import city.myriad.jobs.model.JobState;
import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The jobs a job waits for (createJob's {@code dependsOn}), in plain SQL in the caller's transaction. A dependency's
 * status is read from the state of the job it names, never stored: ended states never change.
 */
@ApplicationScoped
public class JobDependencyRepository {

    /** One dependency of a job: the job it names, the end it waits for, that job's state now. */
    public record Dependency(UUID jobId, DependencyCondition condition, JobState state) {

        public DependencyCondition.Status status() {
            return condition.status(state);
        }
    }

    /**
     * The states of the tenant's jobs among {@code ids}, each row share-locked until the transaction ends: a job that
     * ends meanwhile waits for this transaction to commit, and its end then finds the dependencies written here (or
     * it ended before, and this reads its end). Ids of no job of the tenant are missing from the answer.
     */
    public Uni<Map<UUID, JobState>> lockStates(UUID tenantId, List<UUID> ids) {
        return SessionSql.select("""
                        select id, state from jobs where tenant_id = :tenant and id = any(:ids) order by id for share""")
                .setParameter("tenant", tenantId)
                .setParameter("ids", ids.toArray(UUID[]::new))
                .getResultList()
                .map(rows -> {
                    Map<UUID, JobState> states = new HashMap<>();
                    rows.forEach(r -> states.put((UUID) r[0], JobState.valueOf((String) r[1])));
                    return states;
                });
    }

    /** Writes the job's dependencies, in the order given. */
    public Uni<Void> insert(UUID jobId, UUID tenantId, List<UUID> dependsOn, List<DependencyCondition> conditions) {
        // As two comma-separated lists: a native update binds no arrays.
        String ids = String.join(",", dependsOn.stream().map(UUID::toString).toList());
        String names = String.join(",", conditions.stream().map(Enum::name).toList());
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        insert into job_dependencies (job_id, depends_on, tenant_id, ordinal, condition)
                        select :job, d.id, :tenant, d.n, d.condition
                          from unnest(cast(string_to_array(cast(:ids as text), ',') as uuid[]),
                                      string_to_array(cast(:conditions as text), ',')) with ordinality
                               as d (id, condition, n)""")
                .setParameter("job", jobId)
                .setParameter("tenant", tenantId)
                .setParameter("ids", ids)
                .setParameter("conditions", names)
                .executeUpdate()).replaceWithVoid();
    }

    /** Serialises changes of the tenant's dependencies until the transaction ends (an advisory lock). */
    public Uni<Void> lockChanges(UUID tenantId) {
        return SessionSql.lockUntilCommit("job-dependencies:" + tenantId);
    }

    /** Deletes the job's dependencies (before they are written anew: updateJob). */
    public Uni<Void> deleteOf(UUID jobId) {
        return Panache.getSession().chain(s -> s.createNativeQuery("delete from job_dependencies where job_id = :job")
                .setParameter("job", jobId).executeUpdate()).replaceWithVoid();
    }

    /**
     * Whether {@code target} is among the jobs that {@code from} wait for, directly or through others: a dependency of
     * {@code target} on one of them would close a cycle, and no job of it would ever start.
     */
    public Uni<Boolean> reaches(List<UUID> from, UUID target) {
        return SessionSql.select("""
                        with recursive up(id) as (
                            select depends_on from job_dependencies where job_id = any(:from)
                            union
                            select d.depends_on from job_dependencies d join up on d.job_id = up.id)
                        select exists (select 1 from up where id = :target)""")
                .setParameter("from", from.toArray(UUID[]::new))
                .setParameter("target", target)
                .singleValue(Boolean.class);
    }

    /** A job's dependencies as they stand now, in the order submitted (none for most jobs). */
    public Uni<List<Dependency>> of(UUID jobId) {
        return SessionSql.select("""
                        select d.depends_on, d.condition,
                               (select j.state from jobs j where j.id = d.depends_on)
                          from job_dependencies d
                         where d.job_id = :job order by d.ordinal""")
                .setParameter("job", jobId)
                .getResultList()
                .map(rows -> {
                    List<Dependency> all = new ArrayList<>(rows.size());
                    rows.forEach(r -> all.add(new Dependency((UUID) r[0], DependencyCondition.valueOf((String) r[1]),
                            JobState.valueOf((String) r[2]))));
                    return all;
                });
    }

    /**
     * Writes an ended job's last transition (as {@link JobRepository#transition}) and answers the jobs that depend on
     * it, in id order (the order their rows are locked in, so two ends never lock them crosswise): one round trip,
     * the look-up by the dependents' index finding nothing for most jobs.
     */
    public Uni<List<UUID>> endedTransition(UUID jobId, UUID tenantId, Instant at, JobState from, JobState to,
            String reason) {
        return SessionSql.select("""
                        with h as (insert into job_transitions (job_id, seq, tenant_id, at, from_state, to_state, reason)
                                   values (:job, (select coalesce(max(seq), 0) + 1 from job_transitions
                                                   where job_id = :job), :tenant, :at, :from, :to, :reason))
                        select job_id from job_dependencies where depends_on = :job order by job_id""")
                .setParameter("job", jobId)
                .setParameter("tenant", tenantId)
                .setParameter("at", SqlTimes.utc(at))
                .setParameter("from", from.name())
                .setParameter("to", to.name())
                .setParameter("reason", reason)
                .column(UUID.class);
    }
}
