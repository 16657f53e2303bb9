package city.myriad.tenancy.service;

import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.mapping.TenancyApi.TenantRef;
import city.myriad.tenancy.repository.TenantRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maps the tenant slug of a token to the tenant. Slugs never change and tenants are never deleted, so a
 * resolved slug is cached for the life of the process.
 */
@ApplicationScoped
public class TenantLookup {

    private final Scoped scoped;
    private final TenantRepository tenants;
    private final Map<String, TenantRef> bySlug = new ConcurrentHashMap<>();

    TenantLookup(Scoped scoped, TenantRepository tenants) {
        this.scoped = scoped;
        this.tenants = tenants;
    }

    /** The caller's tenant; 403 if the token names none or one that does not exist. */
    public Uni<TenantRef> of(Caller caller) {
        String slug = caller.tenantSlug().orElseThrow(() -> new MyriadProblem.Forbidden(ProblemCode.NO_TENANT,
                "Your identity belongs to no tenant"));
        TenantRef cached = bySlug.get(slug);
        if (cached != null) {
            return Uni.createFrom().item(cached);
        }
        return scoped.asPlatform(() -> tenants.findBySlug(slug)).map(t -> {
            if (t == null) {
                throw new MyriadProblem.Forbidden(ProblemCode.UNKNOWN_TENANT,
                        "Your identity names tenant '" + slug + "', which does not exist");
            }
            TenantRef ref = new TenantRef(t.id, t.slug, t.name);
            bySlug.put(slug, ref);
            return ref;
        });
    }

    /** The caller's tenant if the token names one that exists, else null. */
    public Uni<TenantRef> ofOrNull(Caller caller) {
        if (caller.tenantSlug().isEmpty()) {
            return Uni.createFrom().nullItem();
        }
        return of(caller).onFailure(MyriadProblem.Forbidden.class).recoverWithNull();
    }
}
