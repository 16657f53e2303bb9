package city.myriad.tenancy.service;

import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import java.util.Map;
import city.myriad.platform.db.Constraints;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.idempotency.Idempotency;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import city.myriad.platform.time.Ids;
import city.myriad.tenancy.identity.IdentityDirectory;
import city.myriad.tenancy.mapping.TenancyApi.CreateTenant;
import city.myriad.tenancy.mapping.TenancyApi.TenantView;
import city.myriad.tenancy.model.Tenant;
import city.myriad.tenancy.repository.TenantRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.List;
import java.util.UUID;

/** Tenants: platform admins create and list them; a tenant's people see their own. */
@ApplicationScoped
public class TenantService {

    private final Scoped scoped;
    private final TenantRepository tenants;
    private final TenantLookup lookup;
    private final TenantAccess access;
    private final IdentityDirectory directory;
    private final Idempotency idempotency;
    private final Ids ids;
    private final Clock clock;
    private final AuditTrail audit;

    TenantService(Scoped scoped, TenantRepository tenants, TenantLookup lookup, TenantAccess access,
            IdentityDirectory directory, Idempotency idempotency, Ids ids, Clock clock, AuditTrail audit) {
        this.audit = audit;
        this.scoped = scoped;
        this.tenants = tenants;
        this.lookup = lookup;
        this.access = access;
        this.directory = directory;
        this.idempotency = idempotency;
        this.ids = ids;
        this.clock = clock;
    }

    /** Creates a tenant and its group in the identity provider; both happen or neither does. */
    public Uni<TenantView> create(Caller caller, CreateTenant command) {
        return create(caller, command, ids.next());
    }

    /** Creates the tenant with an id the caller chose: imports, and the demo world with its well-known ids. */
    public Uni<TenantView> create(Caller caller, CreateTenant command, UUID tenantId) {
        requirePlatformAdmin(caller);
        return scoped.asPlatform(() -> idempotency.once(null, TenantView.class, () -> tenants.findBySlug(command.slug())
                        .chain(existing -> {
                            if (existing != null) {
                                throw slugTaken(command.slug());
                            }
                            Tenant t = Tenant.create(tenantId, command.slug(), command.name().strip(),
                                    clock.instant());
                            return tenants.persistAndFlush(t);
                        })
                        .call(t -> audit.record(caller, t.id, "createTenant", Target.of("TENANT", t.id),
                                Map.of("slug", t.slug, "name", t.name)))
                        .call(t -> directory.provisionTenant(t.slug, t.name))
                        .map(TenantView::of)))
                .onFailure(Constraints::isUniqueViolation).transform(e -> slugTaken(command.slug()));
    }

    /** Platform admins page through all tenants; anybody else sees the one tenant they belong to. */
    public Uni<Page<TenantView>> list(Caller caller, PageRequest page) {
        if (caller.isPlatformAdmin()) {
            return scoped.asPlatform(() -> tenants.page(page.afterUuid(), page.limit() + 1))
                    .map(rows -> page.page(rows, t -> t.id.toString()).map(TenantView::of));
        }
        if (caller.tenantSlug().isEmpty()) {
            return Uni.createFrom().item(new Page<>(List.of(), null));
        }
        return lookup.of(caller).chain(own -> scoped.asTenant(own.id(), () -> tenants.findById(own.id())))
                .map(t -> new Page<>(List.of(TenantView.of(t)), null));
    }

    public Uni<TenantView> get(Caller caller, UUID tenantId) {
        return access.authorize(caller, tenantId, TenantAccess.Action.READ)
                .chain(id -> scoped.asTenant(id, () -> tenants.findById(id)))
                .map(t -> {
                    if (t == null) {
                        throw TenantAccess.notFound(tenantId);
                    }
                    return TenantView.of(t);
                });
    }

    static void requirePlatformAdmin(Caller caller) {
        if (!caller.isPlatformAdmin()) {
            throw new MyriadProblem.Forbidden(ProblemCode.PLATFORM_ADMIN_REQUIRED, "Only a platform admin may do this");
        }
    }

    private static MyriadProblem.Conflict slugTaken(String slug) {
        return new MyriadProblem.Conflict(ProblemCode.TENANT_SLUG_TAKEN, "A tenant with slug '" + slug + "' exists");
    }
}
