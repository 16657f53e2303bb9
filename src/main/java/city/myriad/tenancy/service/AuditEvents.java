package city.myriad.tenancy.service;

import city.myriad.platform.audit.AuditApi.AuditEventView;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Filter;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * A tenant's audit trail as its admins read it (tenant-admin of the tenant, platform admins): newest first, narrowed
 * by action (an operationId), actor (a username), target id and a time window. Members and billing viewers do not
 * read it: it names who did what to the account, which is the admins' business.
 */
@ApplicationScoped
public class AuditEvents {

    private final TenantAccess access;
    private final Scoped scoped;
    private final AuditTrail trail;

    AuditEvents(TenantAccess access, Scoped scoped, AuditTrail trail) {
        this.access = access;
        this.scoped = scoped;
        this.trail = trail;
    }

    public Uni<Page<AuditEventView>> list(Caller caller, UUID tenantId, Filter filter, PageRequest page) {
        return access.authorize(caller, tenantId, TenantAccess.Action.ADMINISTER)
                .chain(t -> scoped.asTenant(t, () -> trail.page(t, page.afterUuid(), filter, page.limit() + 1)))
                .map(rows -> page.page(rows, e -> e.id().toString()).map(trail::view));
    }
}
