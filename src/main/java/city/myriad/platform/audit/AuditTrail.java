package city.myriad.platform.audit;

import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.http.RequestIds;
import city.myriad.platform.security.Caller;
import city.myriad.platform.time.Ids;
import city.myriad.platform.validation.Fields;
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
import java.util.regex.Pattern;

/**
 * The audit trail of tenants' accounts and operators' clusters: who changed what, when, through which request. An
 * event belongs to one tenant or one operator. Rules:
 * <ul>
 * <li>An event is written <b>in the transaction of the change it records</b> (the caller's, on either client), so a
 * change that rolls back leaves no event and an event never lacks its change.</li>
 * <li>Only changes are recorded, each once: a replayed idempotent request, a refused one or a read writes nothing.</li>
 * <li>The table is append-only (database triggers) and row-level secured: a tenant's events like every tenant-owned
 * row, an operator's (no tenant) read in the platform scope only.</li>
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

    /** One stored event, of a tenant, an operator or neither (the platform); {@code details} its JSON as stored. */
    public record Event(UUID id, UUID tenantId, UUID operatorId, Instant at, String actor, String actorSubject,
            String actorRole, String action, String targetType, String targetId, String requestId, String details) {}

    /** Filters of a read; null: any. {@code from} inclusive, {@code to} exclusive. */
    public record Filter(String action, String actor, String targetId, Instant from, Instant to) {

        private static final Pattern ACTION = Pattern.compile("[a-z][A-Za-z]{1,63}");

        /** The filters as a client wrote them in the query: 400 VALIDATION_FAILED naming the first one wrong. */
        public static Filter parse(String action, String actor, String targetId, String fromText, String toText) {
            if (action != null && !ACTION.matcher(action).matches()) {
                throw Fields.invalid("action", "an operationId of this contract, like setProjectQuotas");
            }
            if (actor != null && (actor.isEmpty() || actor.length() > 255)) {
                throw Fields.invalid("actor", "a username of 1 to 255 characters");
            }
            if (targetId != null && (targetId.isEmpty() || targetId.length() > 200)) {
                throw Fields.invalid("targetId", "an id of 1 to 200 characters");
            }
            Fields.Span span = Fields.span(fromText, toText);
            return new Filter(action, actor, targetId, span.from(), span.to());
        }
    }

    private static final String INSERT = """
            insert into audit_events (id, tenant_id, operator_id, at, actor, actor_subject, actor_role, action,
                                      target_type, target_id, request_id, details)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, cast(cast($12 as text) as jsonb))""";

    private final Ids ids;
    private final Clock clock;
    private final ObjectMapper json;

    AuditTrail(Ids ids, Clock clock, ObjectMapper json) {
        this.ids = ids;
        this.clock = clock;
        this.json = json;
    }

    /** Records a change to a tenant's account in the caller's Hibernate Reactive transaction ({@code Scoped}). */
    public Uni<Void> record(Caller caller, UUID tenantId, String action, Target target, Map<String, ?> details) {
        return insert(row(caller, tenantId, null, action, target, details));
    }

    /** Records a change to a tenant's account in a transaction of the plain client ({@code PlainTx}). */
    public Uni<Void> record(SqlConnection c, Caller caller, UUID tenantId, String action, Target target,
            Map<String, ?> details) {
        return insert(c, row(caller, tenantId, null, action, target, details));
    }

    /** Records a change to an operator's clusters in the caller's Hibernate Reactive transaction. */
    public Uni<Void> recordForOperator(Caller caller, UUID operatorId, String action, Target target,
            Map<String, ?> details) {
        return insert(row(caller, null, operatorId, action, target, details));
    }

    /** Records a change to an operator's clusters in a transaction of the plain client, on its connection. */
    public Uni<Void> recordForOperator(SqlConnection c, Caller caller, UUID operatorId, String action, Target target,
            Map<String, ?> details) {
        return insert(c, row(caller, null, operatorId, action, target, details));
    }

    /**
     * Records a platform-wide act, of no tenant and no operator (a billing period's close), in a transaction of the
     * plain client in the platform scope: only platform admins read it.
     */
    public Uni<Void> recordForPlatform(SqlConnection c, Caller caller, String action, Target target,
            Map<String, ?> details) {
        return insert(c, row(caller, null, null, action, target, details));
    }

    /** Inserts on the plain client's connection, in its transaction. */
    private static Uni<Void> insert(SqlConnection c, Object[] row) {
        return c.preparedQuery(INSERT).execute(Tuple.from(row)).replaceWithVoid();
    }

    /**
     * On the ORM's session every statement goes as a select ({@link SessionSql}); an insert with {@code returning}
     * would have to pass the table's read policy too, which an operator's event, of no tenant, does not in the
     * catalog's transactions. A data-modifying {@code with} without {@code returning} is checked as an insert only.
     */
    private static Uni<Void> insert(Object[] row) {
        return SessionSql.selectPositional("with written as (" + INSERT + ") select 1", row).single()
                .replaceWithVoid();
    }

    /**
     * A tenant's events, newest first, after {@code after} (an event id; null: from the newest), at most
     * {@code limit}. Runs in the caller's transaction, scoped to the tenant. The time window is a range of ids
     * (version 7 ids sort by the millisecond they were made in), so it reads the tenant's index.
     */
    public Uni<List<Event>> page(UUID tenantId, UUID after, Filter filter, int limit) {
        return page("tenant_id", tenantId, after, filter, limit);
    }

    /** An operator's events, as {@link #page} a tenant's; in a transaction of the platform scope. */
    public Uni<List<Event>> operatorPage(UUID operatorId, UUID after, Filter filter, int limit) {
        return page("operator_id", operatorId, after, filter, limit);
    }

    /**
     * Every event, of tenants, operators and the platform's own acts, as {@link #page} a tenant's; in a transaction
     * of the platform scope.
     */
    public Uni<List<Event>> platformPage(UUID after, Filter filter, int limit) {
        return page(null, null, after, filter, limit);
    }

    /** {@code ownerColumn} null: every owner's. */
    private Uni<List<Event>> page(String ownerColumn, UUID owner, UUID after, Filter filter, int limit) {
        List<String> where = new ArrayList<>(List.of(ownerColumn == null ? "true" : ownerColumn + " = :owner"));
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
        SessionSql q = SessionSql.select("select id, tenant_id, operator_id, at, actor, actor_subject, actor_role, action, "
                + "target_type, target_id, request_id, details::text from audit_events where "
                + String.join(" and ", where) + " order by id desc limit :limit")
                .setParameter("limit", limit);
        if (ownerColumn != null) {
            q.setParameter("owner", owner);
        }
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
        return q.getResultList().map(rows -> rows.stream().map(r -> new Event((UUID) r[0], (UUID) r[1], (UUID) r[2],
                SqlTimes.instant(r[3]), (String) r[4], (String) r[5], (String) r[6], (String) r[7], (String) r[8],
                (String) r[9], (String) r[10], (String) r[11])).toList());
    }

    /** An event as the contract shows it. */
    public AuditApi.AuditEventView view(Event e) {
        try {
            return new AuditApi.AuditEventView(e.id(), e.tenantId(), e.operatorId(), e.at(),
                    new AuditApi.AuditActor(e.actor(), e.actorSubject(), e.actorRole()), e.action(),
                    new AuditApi.AuditTarget(e.targetType(), e.targetId()), e.requestId(),
                    json.readValue(e.details(), DETAILS));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("audit event " + e.id() + " holds no JSON object", ex);
        }
    }

    private static final com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>> DETAILS =
            new com.fasterxml.jackson.core.type.TypeReference<>() {};

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

    private Object[] row(Caller caller, UUID tenantId, UUID operatorId, String action, Target target,
            Map<String, ?> details) {
        String text;
        try {
            text = json.writeValueAsString(details);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("audit details of " + action + " are not JSON", e);
        }
        return new Object[] {ids.next(), tenantId, operatorId, SqlTimes.utc(clock.instant()), java.util.Objects.requireNonNullElse(caller.username(), caller.subject()),
                caller.subject(), role(caller), action, target.type(), target.id(), RequestIds.current(), text};
    }
}
