package city.myriad.jobs.repository;

import city.myriad.jobs.model.JobClass;
import city.myriad.jobs.model.JobFilter;
import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.JobState;
import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * Jobs, their history and their run segments, in plain SQL: every write is conditional on the state (and attempt)
 * the writer read, so that the tenant's API, the cluster's agents and the scheduling loop never overwrite each
 * other's transitions. Runs in the caller's transaction.
 */
@ApplicationScoped
public class JobRepository {

    static final String COLUMNS = """
            id, tenant_id, project_id, cluster_id, model, cards_milli, price_class, reservation_id, max_run_seconds,
            same_block, quote_id, currency, unit_price_minor, price_book_version, projected_minor, state, reason,
            attempt, placement, started_at, ended_at, charged_minor, credited_minor, borrowed, submitted_by,
            created_at, updated_at, cpu_milli, memory_mib, name, tags, eligible_at, priority, array_id, array_index,
            requeues_left""";

    /** {@link #COLUMNS} as read: the tags as JSON text. */
    public static final String SELECTED = COLUMNS.replace(" tags,", " tags::text,") + ", tenant_hold_under_admin";

    /** A transition as the history shows it. */
    public record Transition(Instant at, String from, String to, String reason) {}

    /**
     * Inserts a QUEUED job with its first transition and the entry that tells its cluster's scheduling loop: one
     * statement. Its parameters are {@link #queuedValues}. A job made with a quote goes in with {@link #QUOTED}.
     */
    static final String INSERT_QUEUED = "with j as (insert into jobs (" + COLUMNS + """
                ) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'QUEUED', $16, 0,
                          null, null, null, 0, 0, false, $17, $18, $19, $21, $22, $24,
                          cast(cast($23 as text) as jsonb), $25, $26, $27, $28, $29)
                    returning id, tenant_id, cluster_id, created_at, quote_id),
                h as (insert into job_transitions (job_id, seq, tenant_id, at, from_state, to_state, reason)
                      select id, 1, tenant_id, created_at, null, 'QUEUED', $20 from j)
                insert into scheduler_inbox (cluster_id, job_id, kind, at)
                select cluster_id, id, 'SUBMITTED', created_at from j""";

    /**
     * {@link #INSERT_QUEUED} that also uses up the job's quote (a quote prices one purchase: the key of
     * {@code quote_uses} refuses a second). Only for jobs made with a quote, so that the common submission runs the
     * statement of before.
     */
    static final String QUOTED = INSERT_QUEUED.replace("""
                h as (insert into job_transitions""", """
                q as (insert into quote_uses (quote_id, tenant_id, used_by, used_at)
                      select quote_id, tenant_id, id, created_at from j where quote_id is not null),
                h as (insert into job_transitions""");

    private static String insertOf(JobRow j) {
        return j.quoteId() == null ? INSERT_QUEUED : QUOTED;
    }

    private static Object[] queuedValues(JobRow j, String reason) {
        return new Object[] {j.id(), j.tenantId(), j.projectId(), j.clusterId(), j.model(), j.cardsMilli(),
                j.jobClass().name(), j.reservationId(), j.maxRunSeconds(), j.sameBlock(), j.quoteId(), j.currency(),
                j.unitPriceMinor(), j.priceBookVersion(), j.projectedMinor(), j.reason(), j.submittedBy(),
                SqlTimes.utc(j.createdAt()), SqlTimes.utc(j.updatedAt()), reason, j.cpuMilli(), j.memoryMib(),
                j.tags(), j.name(), SqlTimes.utc(j.eligibleAt()), (short) j.priority(), j.arrayId(), j.arrayIndex(),
                (short) j.requeuesLeft()};
    }

    /** {@link #INSERT_QUEUED} in the caller's Hibernate transaction (as an update, whose plan Hibernate caches). */
    public Uni<Void> insertQueued(JobRow j, String reason) {
        Object[] values = queuedValues(j, reason);
        return session().chain(s -> {
            var q = s.createNativeQuery(LoopStatements.hibernate(insertOf(j)));
            for (int i = 0; i < values.length; i++) {
                q.setParameter(i + 1, values[i]);
            }
            return q.executeUpdate();
        }).replaceWithVoid();
    }

    /** {@link #INSERT_QUEUED} in the caller's transaction on the plain client. */
    public Uni<Void> insertQueued(SqlConnection c, JobRow j, String reason) {
        return c.preparedQuery(insertOf(j)).execute(Tuple.from(queuedValues(j, reason))).replaceWithVoid();
    }

    /**
     * {@link #INSERT_QUEUED} for each row, in the caller's transaction on the plain client: the statement prepared
     * once and its executions sent together (one round trip for the lot).
     */
    public Uni<Void> insertQueued(SqlConnection c, List<JobRow> rows, String reason) {
        if (rows.size() == 1) {
            return insertQueued(c, rows.get(0), reason);
        }
        String sql = rows.stream().anyMatch(r -> r.quoteId() != null) ? QUOTED : INSERT_QUEUED;
        return c.preparedQuery(sql)
                .executeBatch(rows.stream().map(r -> Tuple.from(queuedValues(r, reason))).toList())
                .replaceWithVoid();
    }

    public Uni<Optional<JobRow>> find(UUID tenantId, UUID id) {
        return rows("select " + SELECTED + " from jobs where tenant_id = :tenant and id = :id",
                q -> q.setParameter("tenant", tenantId).setParameter("id", id))
                .map(list -> list.stream().findFirst());
    }

    /** The job as committed, whatever its tenant (the caller's scope decides); nothing locked. */
    public Uni<Optional<JobRow>> read(UUID id) {
        return rows("select " + SELECTED + " from jobs where id = :id", q -> q.setParameter("id", id))
                .map(list -> list.stream().findFirst());
    }

    /** The job, its row locked until the transaction ends; whatever its tenant (the caller's scope decides). */
    public Uni<Optional<JobRow>> lock(UUID id) {
        return rows("select " + SELECTED + " from jobs where id = :id for update", q -> q.setParameter("id", id))
                .map(list -> list.stream().findFirst());
    }

    /** The RUNNING jobs of a tenant (or one project) in one class, locked. */
    public Uni<List<JobRow>> lockRunning(UUID tenantId, UUID projectId, JobClass jobClass) {
        return rows("select " + SELECTED + " from jobs where tenant_id = :tenant and state = 'RUNNING'"
                + " and price_class = :class" + (projectId == null ? "" : " and project_id = :project")
                + " order by id for update", q -> {
                    q.setParameter("tenant", tenantId).setParameter("class", jobClass.name());
                    if (projectId != null) {
                        q.setParameter("project", projectId);
                    }
                });
    }

    /**
     * A tenant's jobs in id order after {@code after}, optionally of one project, state and cluster, and carrying every
     * tag of {@code tags} (a JSON object; null: any).
     */
    /** A page of the tenant's jobs that {@code f} keeps; {@code tenantId} null: every tenant's (platform scope). */
    public Uni<List<JobRow>> page(UUID tenantId, UUID after, JobFilter f, int limit) {
        java.util.Map<String, Object> values = new java.util.LinkedHashMap<>();
        StringBuilder sql = new StringBuilder("select " + SELECTED + " from jobs where "
                + (tenantId == null ? "true" : "tenant_id = :tenant"));
        if (tenantId != null) {
            values.put("tenant", tenantId);
        }
        values.put("limit", limit);
        if (after != null) {
            sql.append(f.newestFirst() ? " and id < :after" : " and id > :after");
            values.put("after", after);
        }
        if (f.state() != null) {
            sql.append(" and state = :state");
            values.put("state", f.state().name());
        }
        where(f, sql, values);
        sql.append(f.newestFirst() ? " order by id desc limit :limit" : " order by id limit :limit");
        return rows(sql.toString(), q -> values.forEach(q::setParameter));
    }

    /**
     * The ids of the tenant's QUEUED, RUNNING and HELD jobs that {@code f} keeps (its state: one of those alone) and,
     * if {@code only} is not null, among those ids; oldest first, up to {@code limit}: what a bulk cancellation ends.
     */
    public Uni<List<UUID>> liveIds(UUID tenantId, JobFilter f, java.util.Collection<UUID> only, int limit) {
        java.util.Map<String, Object> values = new java.util.LinkedHashMap<>();
        StringBuilder sql = new StringBuilder("select id from jobs where tenant_id = :tenant");
        values.put("tenant", tenantId);
        values.put("limit", limit);
        if (only != null) {
            sql.append(" and id = any(cast(string_to_array(cast(:only as text), ',') as uuid[]))");
            values.put("only", String.join(",", only.stream().map(UUID::toString).toList()));
        }
        if (f.state() != null) {
            sql.append(" and state = :state");
            values.put("state", f.state().name());
        } else {
            sql.append(" and state in ('QUEUED', 'RUNNING', 'HELD')");
        }
        where(f, sql, values);
        sql.append(" order by id limit :limit");
        SessionSql q = SessionSql.select(sql.toString());
        values.forEach(q::setParameter);
        return q.column(UUID.class);
    }

    /** The conditions of {@code f} but its state and order, appended to {@code sql} with their values. */
    private static void where(JobFilter f, StringBuilder sql, java.util.Map<String, Object> values) {
        if (f.project() != null) {
            sql.append(" and project_id = :project");
            values.put("project", f.project());
        }
        if (f.cluster() != null) {
            sql.append(" and cluster_id = :cluster");
            values.put("cluster", f.cluster());
        }
        if (f.tags() != null) {
            sql.append(" and tags @> cast(cast(:tags as text) as jsonb)");  // text first: a string bound as jsonb is a JSON string
            values.put("tags", f.tags());
        }
        if (f.submittedBy() != null) {
            sql.append(" and submitted_by = :submittedBy");
            values.put("submittedBy", f.submittedBy());
        }
        if (f.name() != null) {
            sql.append(" and name = :name");
            values.put("name", f.name());
        }
        if (f.array() != null) {
            sql.append(" and array_id = :array");
            values.put("array", f.array());
        }
        if (f.model() != null) {
            sql.append(" and model = :model");
            values.put("model", f.model());
        }
        if (f.reason() != null) {  // the code: "NEVER_FITS" keeps "NEVER_FITS: NO_ALLOWED_MODEL"
            sql.append(" and split_part(reason, ':', 1) = :reason");
            values.put("reason", f.reason());
        }
        if (f.from() != null) {
            sql.append(" and created_at >= :from");
            values.put("from", SqlTimes.utc(f.from()));
        }
        if (f.to() != null) {
            sql.append(" and created_at < :to");
            values.put("to", SqlTimes.utc(f.to()));
        }
        if (f.dependsOn() != null) {  // index job_dependencies_dependents; the tenant's rows only (row-level security)
            sql.append(" and id in (select job_id from job_dependencies where depends_on = :dependsOn)");
            values.put("dependsOn", f.dependsOn());
        }
    }

    /** The jobs of a cluster that are QUEUED or RUNNING, oldest first: what a scheduler resumes from. */
    public Uni<List<JobRow>> live(UUID clusterId) {
        return rows("select " + SELECTED + " from jobs where cluster_id = :cluster and state in ('QUEUED', 'RUNNING') "
                + "order by created_at, id", q -> q.setParameter("cluster", clusterId));
    }

    /** The reservations that the cluster's HELD reserved jobs wait for (index jobs_cluster_live). */
    public Uni<List<UUID>> heldReservations(UUID clusterId) {
        return SessionSql.select("""
                        select distinct reservation_id from jobs
                         where cluster_id = :cluster and state = 'HELD' and reservation_id is not null""")
                .setParameter("cluster", clusterId).column(UUID.class);
    }

    /** The cluster's HELD jobs of {@code reservationIds}, locked in id order. */
    public Uni<List<JobRow>> lockHeld(UUID clusterId, java.util.Collection<UUID> reservationIds) {
        return rows("select " + SELECTED + " from jobs where cluster_id = :cluster and state = 'HELD'"
                + " and reservation_id = any(:reservations) order by id for update", q -> q
                .setParameter("cluster", clusterId).setParameter("reservations", reservationIds.toArray(UUID[]::new)));
    }

    /** The runs going on on a cluster: job, attempt, start, maxRunSeconds. */
    public Uni<List<Object[]>> runs(UUID clusterId) {
        return SessionSql.select("""
                        select id, attempt, started_at, max_run_seconds from jobs
                         where cluster_id = :cluster and state = 'RUNNING'""")
                .setParameter("cluster", clusterId).getResultList();
    }

    /**
     * Writes the job's mutable fields if it is still in {@code expectedState} at {@code expectedAttempt}; false if
     * another writer changed it first (then nothing was written).
     */
    public Uni<Boolean> update(JobRow j, JobState expectedState, int expectedAttempt) {
        return update(j, expectedState, expectedAttempt, 0);
    }

    /**
     * {@link #update} counting {@code requeuesUsed} of the job's requeues after infrastructure failures used. The
     * count left is decremented as stored, never written from {@code j}: the scheduling loop ends runs from the row it
     * keeps, and a tenant's updateJob may have changed the count since it read it (the loop reads the row again at its
     * next cycle).
     */
    public Uni<Boolean> update(JobRow j, JobState expectedState, int expectedAttempt, int requeuesUsed) {
        return session().chain(s -> s.createNativeQuery("""
                        update jobs set state = :state, reason = :reason, attempt = :attempt, placement = :placement,
                               started_at = :startedAt, ended_at = :endedAt, charged_minor = :charged,
                               credited_minor = :credited, borrowed = :borrowed, updated_at = :at,
                               eligible_at = :eligibleAt, requeues_left = greatest(requeues_left - :requeuesUsed, 0)
                         where id = :id and state = :expected and attempt = :expectedAttempt""")
                .setParameter("state", j.state().name())
                .setParameter("reason", j.reason())
                .setParameter("attempt", j.attempt())
                .setParameter("placement", j.placement())
                .setParameter("startedAt", SqlTimes.utc(j.startedAt()))
                .setParameter("endedAt", SqlTimes.utc(j.endedAt()))
                .setParameter("charged", j.chargedMinor())
                .setParameter("credited", j.creditedMinor())
                .setParameter("borrowed", j.borrowed())
                .setParameter("at", SqlTimes.utc(j.updatedAt()))
                .setParameter("eligibleAt", SqlTimes.utc(j.eligibleAt()))
                .setParameter("requeuesUsed", (short) requeuesUsed)
                .setParameter("id", j.id())
                .setParameter("expected", expectedState.name())
                .setParameter("expectedAttempt", expectedAttempt)
                .executeUpdate()).map(n -> n == 1);
    }

    /**
     * The tenant's hold now lies under the platform admin's of a job HELD_BY_ADMIN (V69): the admin's release will
     * leave it held by its tenant. True if this changed it (false: not held by an admin, or the tenant's hold lay
     * under already).
     */
    public Uni<Boolean> holdUnderAdmin(UUID id) {
        return SessionSql.select("""
                        update jobs set tenant_hold_under_admin = true
                         where id = :id and state = 'HELD' and reason = 'HELD_BY_ADMIN' and not tenant_hold_under_admin
                        returning id""")
                .setParameter("id", id).column(UUID.class).map(ids -> !ids.isEmpty());
    }

    /** The admin's hold lifted: whether the tenant's own hold lay under it (and is all that holds the job now). */
    public Uni<Boolean> liftAdminHold(UUID id) {
        return SessionSql.select("""
                        update jobs set tenant_hold_under_admin = false
                         where id = :id and tenant_hold_under_admin
                        returning id""")
                .setParameter("id", id).column(UUID.class).map(ids -> !ids.isEmpty());
    }

    /**
     * Writes what a patch changes of a job (name, tags, eligible time, time limit and projection, wait reason,
     * priority, requeues left) if it is still in {@code expectedState} at the attempt it was read at; false if
     * another writer moved it first.
     */
    public Uni<Boolean> patch(JobRow j, JobState expectedState) {
        return SessionSql.select("""
                        update jobs set name = :name, tags = cast(cast(:tags as text) as jsonb),
                                        eligible_at = :eligibleAt, max_run_seconds = :maxRun,
                                        projected_minor = :projected, reason = :reason, updated_at = :at,
                                        priority = :priority, requeues_left = :requeuesLeft
                         where id = :id and state = :expected and attempt = :attempt
                        returning id""")
                .setParameter("priority", (short) j.priority()).setParameter("attempt", j.attempt())
                .setParameter("requeuesLeft", (short) j.requeuesLeft())
                .setParameter("name", j.name()).setParameter("tags", j.tags())
                .setParameter("maxRun", j.maxRunSeconds()).setParameter("projected", j.projectedMinor())
                .setParameter("eligibleAt", SqlTimes.utc(j.eligibleAt())).setParameter("reason", j.reason())
                .setParameter("at", SqlTimes.utc(j.updatedAt())).setParameter("id", j.id())
                .setParameter("expected", expectedState.name())
                .column(UUID.class).map(ids -> !ids.isEmpty());
    }

    /**
     * Starts many QUEUED jobs in one statement: each job of {@code batch} (a JSON array of
     * {@code {"id", "attempt", "placement", "borrowed", "eligibleAt"}}) that is still QUEUED at that attempt and
     * eligible time becomes RUNNING on its placement, at attempt + 1, with its history row and its START assignment.
     * Returns the ids it started; a job another writer moved first is left alone.
     */
    public Uni<List<UUID>> startAll(String batch, Instant at) {
        return SessionSql.selectPositional(LoopStatements.START_ALL, batch, SqlTimes.utc(at)).column(UUID.class);
    }

    /** Sets why many QUEUED jobs wait: {@code batch} is a JSON array of {@code {"id", "reason"}}. */
    public Uni<Void> waitReasons(String batch) {
        return session().chain(s -> s.createNativeQuery(LoopStatements.hibernate(LoopStatements.WAIT_REASONS))
                .setParameter(1, batch).executeUpdate()).replaceWithVoid();
    }

    public Uni<Void> transition(UUID jobId, UUID tenantId, Instant at, JobState from, JobState to, String reason) {
        return session().chain(s -> s.createNativeQuery("""
                        insert into job_transitions (job_id, seq, tenant_id, at, from_state, to_state, reason)
                        values (:job, (select coalesce(max(seq), 0) + 1 from job_transitions where job_id = :job),
                                :tenant, :at, :from, :to, :reason)""")
                .setParameter("job", jobId)
                .setParameter("tenant", tenantId)
                .setParameter("at", SqlTimes.utc(at))
                .setParameter("from", from == null ? null : from.name())
                .setParameter("to", to.name())
                .setParameter("reason", reason)
                .executeUpdate()).replaceWithVoid();
    }

    public Uni<List<Transition>> history(UUID jobId) {
        return SessionSql.select("""
                        select at, from_state, to_state, reason from job_transitions where job_id = :job
                         order by seq""")
                .setParameter("job", jobId)
                .getResultList()
                .map(rows -> rows.stream().map(r -> new Transition(SqlTimes.instant(r[0]), (String) r[1],
                        (String) r[2], (String) r[3])).toList());
    }

    /** Records a closed run: where the charge and any credit of the run are kept for metering and billing. */
    public Uni<Void> segment(JobRow j, Instant endedAt, String outcome, long chargeMinor, long creditMinor) {
        return session().chain(s -> s.createNativeQuery("""
                        insert into job_segments (job_id, attempt, tenant_id, project_id, cluster_id, model, price_class,
                                                  cards_milli, started_at, ended_at, outcome, currency,
                                                  unit_price_minor, charge_minor, credit_minor, placement)
                        values (:job, :attempt, :tenant, :project, :cluster, :model, :class, :cards, :start, :end,
                                :outcome, :currency, :unit, :charge, :credit, :placement)""")
                .setParameter("placement", j.placement())
                .setParameter("job", j.id())
                .setParameter("attempt", j.attempt())
                .setParameter("tenant", j.tenantId())
                .setParameter("project", j.projectId())
                .setParameter("cluster", j.clusterId())
                .setParameter("model", j.model())
                .setParameter("class", j.jobClass().name())
                .setParameter("cards", j.cardsMilli())
                .setParameter("start", SqlTimes.utc(j.startedAt()))
                .setParameter("end", SqlTimes.utc(endedAt))
                .setParameter("outcome", outcome)
                .setParameter("currency", j.currency())
                .setParameter("unit", j.unitPriceMinor())
                .setParameter("charge", chargeMinor)
                .setParameter("credit", creditMinor)
                .executeUpdate()).replaceWithVoid();
    }

    /**
     * What the jobs of a tenant (or one of its projects) still QUEUED, HELD or RUNNING are projected to use, each at its
     * maxRunSeconds: {cost in minor units of {@code currency}, card-milli-seconds}. {@code currency} null: every
     * currency (read only the card-seconds).
     */
    public Uni<long[]> projected(UUID tenantId, UUID projectId, String currency) {
        String filter = (projectId == null ? "" : " and project_id = :project")
                + (currency == null ? "" : " and currency = :currency");
        SessionSql q = SessionSql.select("select coalesce(sum(projected_minor), 0),"
                + " coalesce(sum(cast(cards_milli as bigint) * max_run_seconds), 0) from jobs"
                + " where tenant_id = :tenant and state in ('QUEUED', 'RUNNING', 'HELD')" + filter)
                .setParameter("tenant", tenantId);
        if (projectId != null) {
            q.setParameter("project", projectId);
        }
        if (currency != null) {
            q.setParameter("currency", currency);
        }
        return q.single().map(r -> new long[] {((Number) r[0]).longValue(), ((Number) r[1]).longValue()});
    }

    /** The tenant's live jobs summed: per project, cluster, model, class, state, borrowed and reason. */
    public record LiveSum(UUID projectId, UUID clusterId, String model, String jobClass, String state,
            boolean borrowed, String reason, long cardsMilli, long jobs) {}

    /** The tenant's QUEUED and RUNNING jobs summed per project, cluster, model, class, state, borrowed and reason. */
    public Uni<List<LiveSum>> liveSums(UUID tenantId) {
        return SessionSql.select("""
                        select project_id, cluster_id, model, price_class, state, borrowed, reason,
                               sum(cards_milli), count(*)
                          from jobs
                         where tenant_id = :tenant and state in ('QUEUED', 'RUNNING')
                         group by project_id, cluster_id, model, price_class, state, borrowed, reason""")
                .setParameter("tenant", tenantId)
                .getResultList()
                .map(rows -> rows.stream().map(r -> new LiveSum((UUID) r[0], (UUID) r[1], (String) r[2],
                        (String) r[3], (String) r[4], (Boolean) r[5], (String) r[6], ((Number) r[7]).longValue(),
                        ((Number) r[8]).longValue())).toList());
    }

    /** How many RUNNING jobs of the cluster have a part of their placement on the node. */
    public Uni<Long> runningOnNode(UUID clusterId, String node) {
        return SessionSql.select("""
                        select count(*) from jobs
                         where cluster_id = :cluster and state = 'RUNNING'
                           and cast(placement as jsonb) -> 'nodes' @> jsonb_build_array(jsonb_build_object('node',
                                                                                          cast(:node as text)))""")
                .setParameter("cluster", clusterId)
                .setParameter("node", node)
                .single()
                .map(r -> ((Number) r[0]).longValue());
    }

    /**
     * The runs of the tenant's jobs in the reservation that overlap [from, upto): job, milli-cards, start, end (null
     * for a run under way): the ended ones from the runs' rows, the one under way from the job's.
     */
    public Uni<List<Object[]>> reservationRuns(UUID tenantId, UUID reservationId, Instant from, Instant upto) {
        return SessionSql.select("""
                        select s.job_id, s.cards_milli, s.started_at, s.ended_at
                          from job_segments s join jobs j on j.id = s.job_id
                         where j.tenant_id = :tenant and j.reservation_id = :reservation
                           and s.started_at < :upto and s.ended_at > :from
                        union all
                        select j.id, j.cards_milli, j.started_at, null::timestamptz
                          from jobs j
                         where j.tenant_id = :tenant and j.reservation_id = :reservation and j.state = 'RUNNING'
                           and j.started_at < :upto""")
                .setParameter("tenant", tenantId)
                .setParameter("reservation", reservationId)
                .setParameter("from", SqlTimes.utc(from))
                .setParameter("upto", SqlTimes.utc(upto))
                .getResultList();
    }

    /**
     * The cluster's QUEUED, HELD and RUNNING jobs summed per model, class, state and (QUEUED) reason, across tenants:
     * counts only. Rows: model, class, state, reason ('' but for QUEUED), jobs, milli-cards, milli-card-seconds of
     * maxRunSeconds, the earliest start of a wait (eligible time: the submission, or the release from a hold).
     */
    public Uni<List<Object[]>> liveSummary(UUID clusterId) {
        return SessionSql.select("""
                        select model, price_class, state,
                               case when state = 'QUEUED' then coalesce(reason, '') else '' end,
                               count(*), sum(cards_milli), sum(cards_milli::numeric * max_run_seconds), min(eligible_at)
                          from jobs where cluster_id = :cluster and state in ('QUEUED', 'RUNNING', 'HELD')
                         group by 1, 2, 3, 4 order by 1, 2, 3, 4""")
                .setParameter("cluster", clusterId)
                .getResultList();
    }

    private interface Binder {
        void bind(SessionSql q);
    }

    private static Uni<List<JobRow>> rows(String sql, Binder binder) {
        SessionSql q = SessionSql.select(sql);
        binder.bind(q);
        return q.getResultList().map(list -> list.stream().map(JobRepository::row).toList());
    }

    static JobRow row(Object[] r) {
        return new JobRow((UUID) r[0], (UUID) r[1], (UUID) r[2], (UUID) r[3], (String) r[4],
                ((Number) r[5]).intValue(), JobClass.valueOf((String) r[6]), (UUID) r[7], ((Number) r[8]).intValue(),
                (Boolean) r[9], (UUID) r[10], (String) r[11], ((Number) r[12]).longValue(),
                r[13] == null ? null : ((Number) r[13]).intValue(), ((Number) r[14]).longValue(),
                JobState.valueOf((String) r[15]), (String) r[16], ((Number) r[17]).intValue(), (String) r[18],
                SqlTimes.instant(r[19]), SqlTimes.instant(r[20]), ((Number) r[21]).longValue(),
                ((Number) r[22]).longValue(), (Boolean) r[23], (String) r[24], SqlTimes.instant(r[25]),
                SqlTimes.instant(r[26]), ((Number) r[27]).longValue(), ((Number) r[28]).longValue(), (String) r[29],
                (String) r[30], SqlTimes.instant(r[31]), ((Number) r[32]).intValue(), (UUID) r[33],
                r[34] == null ? null : ((Number) r[34]).intValue(), ((Number) r[35]).intValue(),
                (Boolean) r[36]);
    }

    private static Uni<Mutiny.Session> session() {
        return Panache.getSession();
    }
}
