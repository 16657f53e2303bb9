package city.myriad.jobs.repository;

import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.repository.ClusterFeedRepository.InboxEntry;
import city.myriad.platform.db.SqlTimes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The statements of a scheduling cycle, on a plain connection of the loops' own pool ({@code OwnPool}): take the
 * inbox and the rows it names, and commit the cycle's starts and wait reasons, each fenced by the leader epoch.
 * {@link JobRepository} runs the same start and wait-reason SQL through Hibernate when a cycle also ends runs (those
 * go through {@code JobRuns}, in the same transaction).
 */
@ApplicationScoped
public class LoopStatements {

    /**
     * Starts many QUEUED jobs: each of the JSON array $1 ({@code {"id", "attempt", "placement", "borrowed",
     * "eligibleAt"}}) that is still QUEUED at that attempt, and still eligible from the time the loop decided on,
     * becomes RUNNING at $2, at attempt + 1, with its history row and START assignment. Returns the ids started; a job
     * another writer moved first (a cancel, a hold, a patch of its notBefore: updateJob) is left alone.
     */
    static final String START_ALL = """
            with v as (
                select * from jsonb_to_recordset(cast(cast($1 as text) as jsonb))
                    as v(id uuid, attempt int, placement text, borrowed boolean, "eligibleAt" timestamptz)),
            moved as (
                update jobs j set state = 'RUNNING', reason = 'SCHEDULED', attempt = v.attempt + 1,
                       placement = v.placement, started_at = $2, borrowed = v.borrowed, updated_at = $2
                  from v
                 where j.id = v.id and j.state = 'QUEUED' and j.attempt = v.attempt
                   and j.eligible_at = v."eligibleAt"
                returning j.id, j.tenant_id, j.cluster_id, j.attempt, j.placement, j.cards_milli,
                          j.max_run_seconds),
            history as (
                insert into job_transitions (job_id, seq, tenant_id, at, from_state, to_state, reason)
                select m.id, (select coalesce(max(t.seq), 0) + 1 from job_transitions t where t.job_id = m.id),
                       m.tenant_id, $2, 'QUEUED', 'RUNNING', 'SCHEDULED'
                  from moved m),
            assigned as (
                insert into assignments (cluster_id, job_id, attempt, action, placement, cards_milli,
                                         max_run_seconds, reason, created_at)
                select m.cluster_id, m.id, m.attempt, 'START', m.placement, m.cards_milli,
                       m.max_run_seconds, null, $2
                  from moved m)
            select id from moved""";

    /** Why many QUEUED jobs wait: $1 is a JSON array of {@code {"id", "reason"}}. */
    static final String WAIT_REASONS = """
            update jobs j set reason = v.reason
              from jsonb_to_recordset(cast(cast($1 as text) as jsonb)) as v(id uuid, reason text)
             where j.id = v.id and j.state = 'QUEUED'""";

    /** Renews the loop's lease ($1 the time) if it still holds the epoch ($3) of the cluster ($2). */
    static final String STILL_LEADER =
            "update scheduler_leaders set heartbeat_at = $1 where cluster_id = $2 and epoch = $3";

    /** The same SQL with Hibernate's ordinal parameters ({@code ?1} for {@code $1}). */
    static String hibernate(String sql) {
        return sql.replaceAll("\\$(\\d+)", "?$1");
    }

    /** Renews the loop's lease if it still holds the epoch; false: another replica schedules the cluster now. */
    public Uni<Boolean> stillLeader(SqlConnection c, UUID clusterId, long epoch, Instant at) {
        return c.preparedQuery(STILL_LEADER)
                .execute(Tuple.of(SqlTimes.utc(at), clusterId, epoch)).map(rows -> rows.rowCount() == 1);
    }

    /** Takes up to {@code limit} inbox entries of the cluster, oldest first, deleting them. */
    public Uni<List<InboxEntry>> drain(SqlConnection c, UUID clusterId, int limit) {
        return c.preparedQuery("""
                        delete from scheduler_inbox where id in (
                            select id from scheduler_inbox where cluster_id = $1 order by id limit $2)
                        returning id, job_id, kind""")
                .execute(Tuple.of(clusterId, limit))
                .map(rows -> {
                    List<InboxEntry> entries = new ArrayList<>(rows.rowCount());
                    for (Row r : rows) {
                        entries.add(new InboxEntry(r.getLong(0), r.getUUID(1), r.getString(2)));
                    }
                    entries.sort(java.util.Comparator.comparingLong(InboxEntry::id));
                    return entries;
                });
    }

    /** Jobs by id, whatever their state (the loop reconciles what the inbox names). */
    public Uni<List<JobRow>> byIds(SqlConnection c, Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return c.preparedQuery("select " + JobRepository.SELECTED + " from jobs where id = any($1)")
                .execute(Tuple.of(ids.toArray(new UUID[0])))
                .map(rows -> {
                    List<JobRow> jobs = new ArrayList<>(rows.rowCount());
                    for (Row r : rows) {
                        Object[] values = new Object[r.size()];
                        for (int i = 0; i < values.length; i++) {
                            values[i] = r.getValue(i);
                        }
                        jobs.add(JobRepository.row(values));
                    }
                    return jobs;
                });
    }

    public Uni<List<UUID>> startAll(SqlConnection c, String batch, Instant at) {
        return c.preparedQuery(START_ALL).execute(Tuple.of(batch, SqlTimes.utc(at))).map(rows -> {
            List<UUID> started = new ArrayList<>(rows.rowCount());
            for (Row r : rows) {
                started.add(r.getUUID(0));
            }
            return started;
        });
    }

    public Uni<Void> waitReasons(SqlConnection c, String batch) {
        return c.preparedQuery(WAIT_REASONS).execute(Tuple.of(batch)).replaceWithVoid();
    }

    /** A node a reservation holds ({@code HELD}) or keeps for its window to come ({@code KEPT}). */
    public record ReservedNode(String node, String kind, UUID reservationId) {}

    /**
     * Makes the cluster's reserved nodes those of {@code nodes} as of {@code at}: rows no longer true go, new ones
     * come with {@code since = at}, those unchanged keep their {@code since}. Idempotent, like the shortfalls.
     */
    public Uni<Void> syncReservedNodes(SqlConnection c, UUID clusterId, java.util.List<ReservedNode> nodes, Instant at) {
        String[] names = nodes.stream().map(ReservedNode::node).toArray(String[]::new);
        String[] kinds = nodes.stream().map(ReservedNode::kind).toArray(String[]::new);
        UUID[] ids = nodes.stream().map(ReservedNode::reservationId).toArray(UUID[]::new);
        Tuple args = Tuple.of(clusterId, names, kinds, ids, SqlTimes.utc(at));
        return c.preparedQuery("""
                        delete from reservation_nodes r
                         where r.cluster_id = $1
                           and not exists (select 1 from unnest($2::text[], $3::text[], $4::uuid[]) as v(node, kind, id)
                                            where v.node = r.node and v.kind = r.kind and v.id = r.reservation_id)""")
                .execute(Tuple.of(clusterId, names, kinds, ids))
                .chain(() -> c.preparedQuery("""
                        insert into reservation_nodes (cluster_id, node, kind, reservation_id, tenant_id, since)
                        select $1, v.node, v.kind, v.id, r.tenant_id, $5
                          from unnest($2::text[], $3::text[], $4::uuid[]) as v(node, kind, id)
                          join reservations r on r.id = v.id
                        on conflict (cluster_id, node, kind) do nothing""").execute(args))
                .replaceWithVoid();
    }

    /**
     * Makes the cluster's open shortfalls those of {@code shortBy} (reservation to cards short) as of {@code at}: a
     * stretch whose reservation is no longer short, or short by another number of cards, ends at {@code at}; a
     * reservation short with no open stretch of that many cards gets one from {@code at}. Idempotent: the same map
     * again changes nothing, so a loop that resumes (a rebuild, a new leader) syncs what it finds without knowing
     * what was written before.
     */
    public Uni<Void> syncShortfalls(SqlConnection c, UUID clusterId, Map<UUID, Integer> shortBy, Instant at) {
        UUID[] ids = shortBy.keySet().toArray(new UUID[0]);
        Integer[] cards = new Integer[ids.length];
        for (int i = 0; i < ids.length; i++) {
            cards[i] = shortBy.get(ids[i]);
        }
        // Whole seconds: the refresh sees a change within seconds anyway, and the invoice lines read plainly.
        Instant second = at.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Tuple args = Tuple.of(clusterId, ids, cards, SqlTimes.utc(second));
        return c.preparedQuery("""
                        update reservation_shortfalls s set ended_at = greatest(s.started_at, $4)
                         where s.cluster_id = $1 and s.ended_at is null
                           and not exists (select 1 from unnest($2::uuid[], $3::int[]) as v(reservation_id, cards)
                                            where v.reservation_id = s.reservation_id and v.cards = s.cards)""")
                .execute(args)
                .chain(() -> c.preparedQuery("""
                        insert into reservation_shortfalls (reservation_id, tenant_id, cluster_id, cards, started_at)
                        select v.reservation_id, r.tenant_id, $1, v.cards, $4
                          from unnest($2::uuid[], $3::int[]) as v(reservation_id, cards)
                          join reservations r on r.id = v.reservation_id
                         where not exists (select 1 from reservation_shortfalls s
                                            where s.reservation_id = v.reservation_id and s.ended_at is null)""")
                        .execute(args))
                .replaceWithVoid();
    }
}
