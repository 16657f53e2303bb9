package city.myriad.tenancy.service;

import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Event;
import city.myriad.platform.audit.AuditTrail.Filter;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import city.myriad.platform.validation.Fields;
import city.myriad.tenancy.mapping.TenancyApi.AuditActor;
import city.myriad.tenancy.mapping.TenancyApi.AuditEventView;
import city.myriad.tenancy.mapping.TenancyApi.AuditTarget;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A tenant's audit trail as its admins read it (tenant-admin of the tenant, platform admins): newest first, narrowed
 * by action (an operationId), actor (a username), target id and a time window. Members and billing viewers do not
 * read it: it names who did what to the account, which is the admins' business.
 */
@ApplicationScoped
public class AuditEvents {

    private static final Pattern ACTION = Pattern.compile("[a-z][A-Za-z]{1,63}");

    private static final TypeReference<Map<String, Object>> DETAILS = new TypeReference<>() {};

    private final TenantAccess access;
    private final Scoped scoped;
    private final AuditTrail trail;
    private final ObjectMapper json;

    AuditEvents(TenantAccess access, Scoped scoped, AuditTrail trail, ObjectMapper json) {
        this.access = access;
        this.scoped = scoped;
        this.trail = trail;
        this.json = json;
    }

    public Uni<Page<AuditEventView>> list(Caller caller, UUID tenantId, String action, String actor, String targetId,
            String fromText, String toText, PageRequest page) {
        if (action != null && !ACTION.matcher(action).matches()) {
            throw Fields.invalid("action", "an operationId of this contract, like setProjectQuotas");
        }
        if (actor != null && (actor.isEmpty() || actor.length() > 255)) {
            throw Fields.invalid("actor", "a username of 1 to 255 characters");
        }
        if (targetId != null && (targetId.isEmpty() || targetId.length() > 128)) {
            throw Fields.invalid("targetId", "an id of 1 to 128 characters");
        }
        Instant from = fromText == null ? null : Fields.instant("from", fromText);
        Instant to = toText == null ? null : Fields.instant("to", toText);
        if (from != null && to != null && !to.isAfter(from)) {
            throw Fields.invalid("to", "after from");
        }
        Filter filter = new Filter(action, actor, targetId, from, to);
        return access.authorize(caller, tenantId, TenantAccess.Action.ADMINISTER)
                .chain(t -> scoped.asTenant(t, () -> trail.page(t, page.afterUuid(), filter, page.limit() + 1)))
                .map(rows -> page.page(rows, e -> e.id().toString()).map(this::view));
    }

    private AuditEventView view(Event e) {
        try {
            return new AuditEventView(e.id(), e.tenantId(), e.at(), new AuditActor(e.actor(), e.actorSubject(),
                    e.actorRole()), e.action(), new AuditTarget(e.targetType(), e.targetId()), e.requestId(),
                    json.readValue(e.details(), DETAILS));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("audit event " + e.id() + " holds no JSON object", ex);
        }
    }
}
