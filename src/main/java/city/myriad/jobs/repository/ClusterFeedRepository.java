package city.myriad.jobs.repository;

import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * The tables between the scheduling loop and the rest: the loop's inbox, the agents' assignments, the events
 * they reported (kept by id), and the leader epochs that fence a replica that lost its lock. Runs in the caller's
 * transaction.
 */
@ApplicationScoped
public class ClusterFeedRepository {

    /** An inbox entry: what changed outside the loop. */
    public record InboxEntry(long id, UUID jobId, String kind) {}

    /** An assignment for the cluster's agents. */
    public record Assignment(long seq, UUID jobId, int attempt, String action, String placement, int cardsMilli,
            int maxRunSeconds, String reason, Instant createdAt, long cpuMilli, long memoryMib, UUID arrayId,
            Integer arrayIndex) {}

    public Uni<Void> notify(UUID clusterId, UUID jobId, String kind, Instant at) {
        return session().chain(s -> s.createNativeQuery("""
                        insert into scheduler_inbox (cluster_id, job_id, kind, at) values (:cluster, :job, :kind, :at)""")
                .setParameter("cluster", clusterId).setParameter("job", jobId).setParameter("kind", kind)
                .setParameter("at", SqlTimes.utc(at)).executeUpdate()).replaceWithVoid();
    }

    public Uni<Void> assign(UUID clusterId, UUID jobId, int attempt, String action, String placement, int cardsMilli,
            int maxRunSeconds, String reason, Instant at) {
        return session().chain(s -> s.createNativeQuery("""
                        insert into assignments (cluster_id, job_id, attempt, action, placement, cards_milli,
                                                 max_run_seconds, reason, created_at)
                        values (:cluster, :job, :attempt, :action, :placement, :cards, :maxRun, :reason, :at)""")
                .setParameter("cluster", clusterId).setParameter("job", jobId).setParameter("attempt", attempt)
                .setParameter("action", action).setParameter("placement", placement).setParameter("cards", cardsMilli)
                .setParameter("maxRun", maxRunSeconds).setParameter("reason", reason)
                .setParameter("at", SqlTimes.utc(at)).executeUpdate()).replaceWithVoid();
    }

    /** Closes the open assignments of a job's attempt with this action; returns how many. */
    public Uni<Integer> acknowledge(UUID jobId, int attempt, String action, Instant at) {
        return session().chain(s -> s.createNativeQuery("""
                        update assignments set acknowledged_at = :at
                         where job_id = :job and attempt = :attempt and action = :action and acknowledged_at is null""")
                .setParameter("at", SqlTimes.utc(at)).setParameter("job", jobId).setParameter("attempt", attempt)
                .setParameter("action", action).executeUpdate());
    }

    /** The cluster's open assignments after {@code afterSeq}, in order. */
    public Uni<List<Assignment>> open(UUID clusterId, long afterSeq, int limit) {
        return SessionSql.select("""
                        select a.seq, a.job_id, a.attempt, a.action, a.placement, a.cards_milli, a.max_run_seconds,
                               a.reason, a.created_at, j.cpu_milli, j.memory_mib, j.array_id, j.array_index
                          from assignments a join jobs j on j.id = a.job_id
                         where a.cluster_id = :cluster and a.acknowledged_at is null and a.seq > :after
                         order by a.seq limit :limit""")
                .setParameter("cluster", clusterId).setParameter("after", afterSeq).setParameter("limit", limit)
                .getResultList()
                .map(rows -> rows.stream().map(r -> new Assignment(((Number) r[0]).longValue(), (UUID) r[1],
                        ((Number) r[2]).intValue(), (String) r[3], (String) r[4], ((Number) r[5]).intValue(),
                        ((Number) r[6]).intValue(), (String) r[7], SqlTimes.instant(r[8]),
                        ((Number) r[9]).longValue(), ((Number) r[10]).longValue(), (UUID) r[11],
                        r[12] == null ? null : ((Number) r[12]).intValue())).toList());
    }

    /** The outcome recorded for an event id before, if the cluster reported it already. */
    public Uni<Optional<String>> eventOutcome(UUID clusterId, String eventId) {
        return SessionSql.select("""
                        select outcome from cluster_events where cluster_id = :cluster and event_id = :id""")
                .setParameter("cluster", clusterId).setParameter("id", eventId).column(String.class)
                .map(rows -> rows.stream().findFirst());
    }

    /** Records an event by id; false if that id was recorded first by a concurrent delivery. */
    public Uni<Boolean> recordEvent(UUID clusterId, String eventId, String type, UUID jobId, Integer attempt,
            String node, Instant at, Instant receivedAt, String outcome) {
        return session().chain(s -> s.createNativeQuery("""
                        insert into cluster_events (cluster_id, event_id, type, job_id, attempt, node, at, received_at,
                                                    outcome)
                        values (:cluster, :id, :type, :job, :attempt, :node, :at, :received, :outcome)
                        on conflict (cluster_id, event_id) do nothing""")
                .setParameter("cluster", clusterId).setParameter("id", eventId).setParameter("type", type)
                .setParameter("job", jobId).setParameter("attempt", attempt).setParameter("node", node)
                .setParameter("at", SqlTimes.utc(at)).setParameter("received", SqlTimes.utc(receivedAt))
                .setParameter("outcome", outcome).executeUpdate()).map(n -> n == 1);
    }

    /** An agent's acknowledgment: JOB_STARTED or JOB_STOPPED of a job's attempt. */
    public record Ack(String eventId, String type, UUID jobId, int attempt, Instant at) {}

    /**
     * A batch of acknowledgments in one statement, with the outcome each would have one by one: the first of each
     * event id not recorded before closes the open START (JOB_STARTED) or STOP (JOB_STOPPED) assignment of its
     * job's attempt, and is recorded APPLIED (a start of the job's current run; a stop that closed an assignment),
     * STALE, or UNKNOWN_JOB (no such job on this cluster). Returns the outcomes recorded by this call, by event id;
     * an event missing from it was recorded before (or by a concurrent delivery): a DUPLICATE.
     */
    public Uni<Map<String, String>> acknowledgeAll(SqlConnection c, UUID clusterId, List<Ack> acks, Instant received) {
        String[] ids = new String[acks.size()];
        String[] types = new String[acks.size()];
        UUID[] jobs = new UUID[acks.size()];
        Integer[] attempts = new Integer[acks.size()];
        OffsetDateTime[] ats = new OffsetDateTime[acks.size()];
        for (int i = 0; i < ids.length; i++) {
            Ack a = acks.get(i);
            ids[i] = a.eventId();
            types[i] = a.type();
            jobs[i] = a.jobId();
            attempts[i] = a.attempt();
            ats[i] = SqlTimes.utc(a.at());
        }
        return c.preparedQuery(ACKNOWLEDGE_ALL)
                .execute(Tuple.from(new Object[] {clusterId, ids, types, jobs, attempts, ats, SqlTimes.utc(received)}))
                .map(rows -> {
                    Map<String, String> recorded = new HashMap<>();
                    for (Row r : rows) {
                        recorded.put(r.getString(0), r.getString(1));
                    }
                    return recorded;
                });
    }

    private static final String ACKNOWLEDGE_ALL = """
            with e as (
                select * from unnest($2::text[], $3::text[], $4::uuid[], $5::int[], $6::timestamptz[])
                    with ordinality as e (event_id, type, job_id, attempt, at, ord)),
            fresh as (
                select distinct on (e.event_id) e.* from e
                 where not exists (select 1 from cluster_events ce where ce.cluster_id = $1 and ce.event_id = e.event_id)
                 order by e.event_id, e.ord),
            j as (
                select f.*, jobs.id is not null as known,
                       coalesce(jobs.state = 'RUNNING' and jobs.attempt = f.attempt, false) as current_run
                  from fresh f left join jobs on jobs.id = f.job_id and jobs.cluster_id = $1),
            closed as (
                update assignments a set acknowledged_at = $7
                  from j
                 where j.known and a.job_id = j.job_id and a.attempt = j.attempt
                   and a.action = case j.type when 'JOB_STARTED' then 'START' else 'STOP' end
                   and a.acknowledged_at is null
                returning j.event_id)
            insert into cluster_events (cluster_id, event_id, type, job_id, attempt, node, at, received_at, outcome)
            select $1, j.event_id, j.type, j.job_id, j.attempt, null, j.at, $7,
                   case when not j.known then 'UNKNOWN_JOB'
                        when j.type = 'JOB_STARTED' and j.current_run then 'APPLIED'
                        when j.type = 'JOB_STOPPED' and exists (select 1 from closed where closed.event_id = j.event_id)
                             then 'APPLIED'
                        else 'STALE' end
              from j
            on conflict (cluster_id, event_id) do nothing
            returning event_id, outcome""";

    /** Makes {@code replica} the cluster's scheduler with an epoch one higher than any before; returns it. */
    public Uni<Long> lead(UUID clusterId, String replica, Instant at) {
        return SessionSql.select("""
                        insert into scheduler_leaders (cluster_id, epoch, replica, since, heartbeat_at)
                        values (:cluster, 1, :replica, :at, :at)
                        on conflict (cluster_id) do update
                           set epoch = scheduler_leaders.epoch + 1, replica = excluded.replica, since = excluded.since,
                               heartbeat_at = excluded.heartbeat_at
                        returning epoch""")
                .setParameter("cluster", clusterId).setParameter("replica", replica).setParameter("at", SqlTimes.utc(at))
                .singleValue(Number.class).map(Number::longValue);
    }

    /**
     * The fence of every cycle: true if {@code epoch} is still the cluster's (the row stays locked until the
     * transaction ends, so no newer leader can slip in between), false if another replica took over.
     */
    public Uni<Boolean> stillLeader(UUID clusterId, long epoch, Instant at) {
        return session().chain(s -> s.createNativeQuery(LoopStatements.hibernate(LoopStatements.STILL_LEADER))
                .setParameter(1, SqlTimes.utc(at)).setParameter(2, clusterId).setParameter(3, epoch)
                .executeUpdate()).map(n -> n == 1);
    }

    private static Uni<Mutiny.Session> session() {
        return Panache.getSession();
    }
}
