package city.myriad.tenancy.repository;

import city.myriad.tenancy.model.Member;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/** Members of one tenant: every method takes the tenant. */
@ApplicationScoped
public class MemberRepository implements PanacheRepositoryBase<Member, UUID> {

    public Uni<Member> find(UUID tenantId, UUID memberId) {
        return find("tenantId = ?1 and id = ?2", tenantId, memberId).firstResult();
    }

    public Uni<List<Member>> page(UUID tenantId, UUID after, int limit) {
        return (after == null ? find("tenantId = ?1 order by id", tenantId)
                : find("tenantId = ?1 and id > ?2 order by id", tenantId, after)).page(0, limit).list();
    }

    public Uni<List<Member>> all(UUID tenantId) {
        return list("tenantId = ?1 order by id", tenantId);
    }

    /**
     * Serialises, until the caller's transaction ends, the changes to the tenant's members that could take its last
     * tenant-admin away: without it, two admins who demote or remove each other at once each see the other still an
     * admin, and both land.
     */
    public Uni<Void> lockRoles(UUID tenantId) {
        return city.myriad.platform.db.SessionSql.lockUntilCommit("members/" + tenantId);
    }
}
