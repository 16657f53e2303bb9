package city.myriad.tenancy.repository;

import city.myriad.tenancy.model.ApiClient;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/** API clients of one tenant: every method takes the tenant. */
@ApplicationScoped
public class ApiClientRepository implements PanacheRepositoryBase<ApiClient, UUID> {

    public Uni<ApiClient> find(UUID tenantId, UUID id) {
        return find("tenantId = ?1 and id = ?2", tenantId, id).firstResult();
    }

    public Uni<List<ApiClient>> page(UUID tenantId, UUID after, int limit) {
        return (after == null ? find("tenantId = ?1 order by id", tenantId)
                : find("tenantId = ?1 and id > ?2 order by id", tenantId, after)).page(0, limit).list();
    }

    public Uni<Long> countOf(UUID tenantId) {
        return count("tenantId = ?1", tenantId);
    }

    /** Serialises the tenant's API client creations until the transaction ends, so the limit holds under races. */
    public Uni<Void> lock(UUID tenantId) {
        return city.myriad.platform.db.SessionSql.lockUntilCommit("api-clients/" + tenantId);
    }
}
