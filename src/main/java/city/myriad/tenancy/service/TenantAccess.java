package city.myriad.tenancy.service;

import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.repository.TenantRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * The rule of who may act on a tenant's data. Platform admins may act on any tenant; anybody else only on the
 * tenant their token names, reading with any tenant role and administering only as tenant-admin. Another
 * tenant's data is reported as not found, so that ids leak nothing.
 */
@ApplicationScoped
public class TenantAccess {

    /** What the caller wants to do with a tenant's data. READ: any tenant role; RUN (submit and cancel jobs): tenant-admin or tenant-member; ADMINISTER: tenant-admin. */
    public enum Action { READ, RUN, ADMINISTER }

    private final TenantLookup lookup;
    private final Scoped scoped;
    private final TenantRepository tenants;

    TenantAccess(TenantLookup lookup, Scoped scoped, TenantRepository tenants) {
        this.lookup = lookup;
        this.scoped = scoped;
        this.tenants = tenants;
    }

    /** Completes with the tenant id to scope the work to, or fails with NotFound / Forbidden. */
    public Uni<UUID> authorize(Caller caller, UUID tenantId, Action action) {
        if (caller.isPlatformAdmin()) {
            return scoped.asTenant(tenantId, () -> tenants.findById(tenantId)).map(t -> {
                if (t == null) {
                    throw notFound(tenantId);
                }
                return tenantId;
            });
        }
        if (caller.tenantSlug().isEmpty()) {
            return Uni.createFrom().failure(notFound(tenantId));
        }
        return lookup.of(caller).map(own -> {
            if (!own.id().equals(tenantId)) {
                throw notFound(tenantId);
            }
            boolean allowed = switch (action) {
                case READ -> Caller.TENANT_ROLES.stream().anyMatch(caller::is);
                case RUN -> caller.is(Caller.TENANT_ADMIN) || caller.is(Caller.TENANT_MEMBER);
                case ADMINISTER -> caller.is(Caller.TENANT_ADMIN);
            };
            if (!allowed) {
                throw new MyriadProblem.Forbidden(ProblemCode.TENANT_ROLE_REQUIRED, switch (action) {
                    case ADMINISTER -> "Only a tenant-admin may do this";
                    case RUN -> "Only a tenant-admin or tenant-member may run jobs";
                    case READ -> "A tenant role is required to read this tenant";
                });
            }
            return tenantId;
        });
    }

    static MyriadProblem.NotFound notFound(UUID tenantId) {
        return new MyriadProblem.NotFound(ProblemCode.TENANT_NOT_FOUND, "No tenant " + tenantId);
    }
}
