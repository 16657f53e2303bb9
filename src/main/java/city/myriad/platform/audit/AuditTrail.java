package city.myriad.platform.audit;

import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.http.RequestIds;
import city.myriad.platform.security.Caller;
import city.myriad.platform.time.Ids;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The audit trail of tenants' accounts: who changed what, when, through which request. Rules:
 * <ul>
 * <li>An event is written <b>in the transaction of the change it records</b> (the caller's, on either client), so a
 * change that rolls back leaves no event and an event never lacks its change.</li>
 * <li>Only changes are recorded, each once: a replayed idempotent request, a refused one or a read writes nothing.</li>
 * <li>The table is append-only (database triggers) and row-level secured by tenant, like every tenant-owned row.</li>
 * </ul>
 * The action is the route's operationId, so an event names the very call of the contract that made it.
 */
@ApplicationScoped
public class AuditTrail {

    /** What an event is about: a type ({@code PROJECT}, {@code MEMBER}, ...) and its id. */
    public record Target(String type, String id) {

        public static Target of(String type, Object id) {
            return new Target(type, String.valueOf(id));
        }
    }

    /** One stored event; {@code details} is its JSON object as stored. */
    public record Event(UUID id, UUID tenantId, Instant at, String actor, String actorSubject, String actorRole,
            String action, String targetType, String targetId, String requestId, String details) {}

    /** Filters of a read; null: any. {@code from} inclusive, {@code to} exclusive. */
    public record Filter(String action, String actor, String targetId, Instant from, Instant to) {}

    private static final String INSERT = """
            insert into audit_events (id, tenant_id, at, actor, actor_subject, actor_role, action, target_type,
                                      target_id, request_id, details)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, cast(cast($11 as text) as jsonb))""";

    private final Ids ids;
    private final Clock clock;
    private final ObjectMapper json;

    AuditTrail(Ids ids, Clock clock, ObjectMapper json) {
        this.ids = ids;
        this.clock = clock;
        this.json = json;
    }

    /** Records a change in the caller's Hibernate Reactive transaction ({@code Scoped}). */
    public Uni<Void> record(Caller caller, UUID tenantId, String action, Target target, Map<String, ?> details) {
        Object[] row = row(caller, tenantId, action, target, details);
        return SessionSql.selectPositional(INSERT + " returning id", row).single().replaceWithVoid();
    }

    /** Records a change in a transaction of the plain client ({@code PlainTx}), on its connection. */
    public Uni<Void> record(SqlConnection c, Caller caller, UUID tenantId, String action, Target target,
            Map<String, ?> details) {
        Object[] row = row(caller, tenantId, action, target, details);
        return c.preparedQuery(INSERT).execute(Tuple.from(row)).replaceWithVoid();
    }

    /**
     * A tenant's events, newest first, after {@code after} (an event id; null: from the newest), at most
     * {@code limit}. Runs in the caller's transaction, scoped to the tenant. The time window is a range of ids
     * (version 7 ids sort by the millisecond they were made in), so it reads the tenant's index.
     */
    public Uni<List<Event>> page(UUID tenantId, UUID after, Filter filter, int limit) {
        List<String> where = new ArrayList<>(List.of("tenant_id = :tenant"));
        if (after != null) {
            where.add("id < :after");
        }
        if (filter.from() != null) {
            where.add("id >= :from");
        }
        if (filter.to() != null) {
            where.add("id < :to");
        }
        if (filter.action() != null) {
            where.add("action = :action");
        }
        if (filter.actor() != null) {
            where.add("actor = :actor");
        }
        if (filter.targetId() != null) {
            where.add("target_id = :target");
        }
        SessionSql q = SessionSql.select("select id, tenant_id, at, actor, actor_subject, actor_role, action, "
                + "target_type, target_id, request_id, details::text from audit_events where "
                + String.join(" and ", where) + " order by id desc limit :limit")
                .setParameter("tenant", tenantId).setParameter("limit", limit);
        if (after != null) {
            q.setParameter("after", after);
        }
        if (filter.from() != null) {
            q.setParameter("from", Ids.firstAt(filter.from()));
        }
        if (filter.to() != null) {
            q.setParameter("to", Ids.firstAt(filter.to()));
        }
        if (filter.action() != null) {
            q.setParameter("action", filter.action());
        }
        if (filter.actor() != null) {
            q.setParameter("actor", filter.actor());
        }
        if (filter.targetId() != null) {
            q.setParameter("target", filter.targetId());
        }
        return q.getResultList().map(rows -> rows.stream().map(r -> new Event((UUID) r[0], (UUID) r[1],
                SqlTimes.instant(r[2]), (String) r[3], (String) r[4], (String) r[5], (String) r[6], (String) r[7],
                (String) r[8], (String) r[9], (String) r[10])).toList());
    }

    /**
     * The role the caller acted in: platform admin above any tenant role, a tenant role above the operator's; the
     * highest tenant role held.
     */
    static String role(Caller caller) {
        if (caller.isPlatformAdmin()) {
            return "PLATFORM_ADMIN";
        }
        if (caller.is(Caller.TENANT_ADMIN)) {
            return "TENANT_ADMIN";
        }
        if (caller.is(Caller.TENANT_MEMBER)) {
            return "TENANT_MEMBER";
        }
        if (caller.is(Caller.BILLING_VIEWER)) {
            return "BILLING_VIEWER";
        }
        return caller.is(Caller.OPERATOR) ? "OPERATOR" : "OTHER";
    }

    private Object[] row(Caller caller, UUID tenantId, String action, Target target, Map<String, ?> details) {
        String text;
        try {
            text = json.writeValueAsString(details);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("audit details of " + action + " are not JSON", e);
        }
        return new Object[] {ids.next(), tenantId, SqlTimes.utc(clock.instant()), java.util.Objects.requireNonNullElse(caller.username(), caller.subject()),
                caller.subject(), role(caller), action, target.type(), target.id(), RequestIds.current(), text};
    }
}
