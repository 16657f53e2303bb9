package city.myriad.tenancy.repository;

import city.myriad.tenancy.model.Tenant;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/**
 * Tenants. Reads run under the row-level-security scope of the transaction: a tenant scope sees its own row,
 * the platform scope sees all.
 */
@ApplicationScoped
public class TenantRepository implements PanacheRepositoryBase<Tenant, UUID> {

    public Uni<Tenant> findBySlug(String slug) {
        return find("slug", slug).firstResult();
    }

    /** The tenants suspended from new work now. */
    public Uni<List<Tenant>> suspended() {
        return list("status", "SUSPENDED");
    }

    /** Up to {@code limit} tenants after {@code after} (null: from the first), oldest first. */
    public Uni<List<Tenant>> page(UUID after, int limit) {
        return (after == null ? find("order by id") : find("id > ?1 order by id", after)).page(0, limit).list();
    }
}
