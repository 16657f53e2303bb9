package city.myriad.tenancy.repository;

import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;
import city.myriad.tenancy.model.Project;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/** Projects of one tenant: every method takes the tenant. */
@ApplicationScoped
public class ProjectRepository implements PanacheRepositoryBase<Project, UUID> {

    public Uni<Project> find(UUID tenantId, UUID projectId) {
        return find("tenantId = ?1 and id = ?2", tenantId, projectId).firstResult();
    }

    /**
     * The project's reservations not cancelled whose window has not ended at {@code now} (running or to come), the
     * soonest first, at most {@code limit}: what archiving the project would strand.
     */
    public Uni<List<UUID>> liveReservations(UUID projectId, java.time.Instant now, int limit) {
        return SessionSql.select("select id from reservations where project_id = :project and status = 'CONFIRMED'"
                        + " and end_at > :now order by start_at, id limit :limit")
                .setParameter("project", projectId).setParameter("now", SqlTimes.utc(now)).setParameter("limit", limit).column(UUID.class);
    }

    /** The tenant's status (ACTIVE or SUSPENDED). */
    public Uni<String> tenantStatus(UUID tenantId) {
        return SessionSql.select("select status from tenants where id = :id")
                .setParameter("id", tenantId).singleValue(String.class);
    }

    /**
     * What new work in the project meets, if the project is the tenant's, else null: the tenant's status (ACTIVE or
     * SUSPENDED), or ARCHIVED for an archived project of an active tenant. One statement, in HQL
     * (whose plan Hibernate caches, unlike a native select's).
     */
    public Uni<String> statusIfProject(UUID tenantId, UUID projectId) {
        return getSession().chain(s -> s.createSelectionQuery("select case when t.status = 'ACTIVE' and "
                        + "p.archivedAt is not null then 'ARCHIVED' else t.status end from Tenant t, Project p"
                        + " where p.tenantId = t.id and t.id = :tenant and p.id = :project", String.class)
                .setParameter("tenant", tenantId).setParameter("project", projectId).getSingleResultOrNull());
    }

    /**
     * {@link #statusIfProject(UUID, UUID)} that also takes the project's row shared until the transaction ends: an
     * archive (which locks the row for update) waits for it, or it for the archive.
     */
    public Uni<String> statusIfProjectShared(UUID tenantId, UUID projectId) {
        return SessionSql.select("select case when t.status = 'ACTIVE' and p.archived_at is not null then 'ARCHIVED'"
                        + " else t.status end from tenants t join projects p on p.tenant_id = t.id"
                        + " where t.id = :tenant and p.id = :project for share of p")
                .setParameter("tenant", tenantId).setParameter("project", projectId).first()
                .map(row -> row.map(r -> (String) r[0]).orElse(null));
    }

    /** The same read on the plain client, in the caller's transaction on {@code c}. */
    public Uni<String> statusIfProject(SqlConnection c, UUID tenantId, UUID projectId) {
        return c.preparedQuery("select case when t.status = 'ACTIVE' and p.archived_at is not null then 'ARCHIVED'"
                        + " else t.status end from tenants t join projects p on p.tenant_id = t.id"
                        + " where t.id = $1 and p.id = $2")
                .execute(Tuple.of(tenantId, projectId))
                .map(rows -> rows.rowCount() == 0 ? null : rows.iterator().next().getString(0));
    }

    /**
     * How many of {@code projectIds} (distinct) are the tenant's and not archived, counting none while the tenant is
     * SUSPENDED; in
     * the caller's transaction on {@code c}.
     */
    public Uni<Long> runnableCount(SqlConnection c, UUID tenantId, UUID[] projectIds) {
        return c.preparedQuery("select count(*) from tenants t join projects p on p.tenant_id = t.id"
                        + " where t.id = $1 and p.id = any($2) and t.status <> 'SUSPENDED' and p.archived_at is null")
                .execute(Tuple.of(tenantId, projectIds))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    public Uni<Boolean> slugTaken(UUID tenantId, String slug) {
        return count("tenantId = ?1 and slug = ?2", tenantId, slug).map(n -> n > 0);
    }

    public Uni<List<Project>> page(UUID tenantId, UUID after, int limit) {
        return (after == null ? find("tenantId = ?1 order by id", tenantId)
                : find("tenantId = ?1 and id > ?2 order by id", tenantId, after)).page(0, limit).list();
    }
}
