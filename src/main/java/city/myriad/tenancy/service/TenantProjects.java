package city.myriad.tenancy.service;

import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.repository.ProjectRepository;
import city.myriad.tenancy.repository.TenantRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Tenancy's port for the domains that sell to tenants (market, jobs): the caller's own tenant, and a project of
 * it that the caller may buy for (tenant-admin) or read (any tenant role). Anything else is 403 or 404, so ids of
 * other tenants reveal nothing.
 */
@ApplicationScoped
public class TenantProjects {

    /** A project and the tenant it belongs to. */
    public record ProjectRef(UUID tenantId, UUID projectId) {}

    private final TenantLookup lookup;
    private final TenantAccess access;
    private final Scoped scoped;
    private final ProjectRepository projects;
    private final TenantRepository tenants;

    TenantProjects(TenantLookup lookup, TenantAccess access, Scoped scoped, ProjectRepository projects,
            TenantRepository tenants) {
        this.tenants = tenants;
        this.lookup = lookup;
        this.access = access;
        this.scoped = scoped;
        this.projects = projects;
    }

    /**
     * The tenants suspended from new work now (an invoice unpaid past its grace period): the scheduling loops start
     * none of their queued jobs until the suspension is lifted.
     */
    public Uni<Set<UUID>> suspended() {
        return scoped.asPlatform(() -> tenants.suspended())
                .map(list -> list.stream().map(t -> t.id).collect(java.util.stream.Collectors.toUnmodifiableSet()));
    }

    /** The caller's tenant, if the caller may read in it. */
    public Uni<UUID> readableTenant(Caller caller) {
        return lookup.of(caller).chain(t -> access.authorize(caller, t.id(), TenantAccess.Action.READ));
    }

    /** The caller's tenant, if the caller administers it (tenant-admin): who may buy and cancel. */
    public Uni<UUID> administeredTenant(Caller caller) {
        return lookup.of(caller).chain(t -> access.authorize(caller, t.id(), TenantAccess.Action.ADMINISTER));
    }

    /** The tenant, if the caller may read it (any of its roles) or administer it (tenant-admin); admins: any. */
    public Uni<UUID> tenant(Caller caller, UUID tenantId, boolean administer) {
        return access.authorize(caller, tenantId, administer ? TenantAccess.Action.ADMINISTER
                : TenantAccess.Action.READ);
    }

    /** The project of that tenant; 404 if it has none of that id. */
    public Uni<UUID> projectOf(UUID tenantId, UUID projectId) {
        return scoped.asTenant(tenantId, () -> projects.find(tenantId, projectId)).map(p -> {
            if (p == null) {
                throw new MyriadProblem.NotFound(ProblemCode.PROJECT_NOT_FOUND, "No project " + projectId);
            }
            return p.id;
        });
    }

    /** The project of the caller's tenant; {@code buy} needs tenant-admin, reading any tenant role. */
    public Uni<ProjectRef> project(Caller caller, UUID projectId, boolean buy) {
        return project(caller, projectId, buy ? TenantAccess.Action.ADMINISTER : TenantAccess.Action.READ);
    }

    /**
     * Inside the transaction that buys into the project (a reservation): the project checked again as new work
     * meets it ({@link #runnable}), its row held shared until that transaction ends, so the project is not archived
     * (nor its tenant's check skipped) between this and the commit.
     */
    public Uni<ProjectRef> stillRunnable(ProjectRef project) {
        return projects.statusIfProjectShared(project.tenantId(), project.projectId())
                .map(status -> runnable(project.tenantId(), project.projectId(), status));
    }

    /** The caller's tenant, if the caller may run (and cancel) its jobs: tenant-admin or tenant-member. */
    public Uni<UUID> runningTenant(Caller caller) {
        return lookup.of(caller).chain(t -> access.authorize(caller, t.id(), TenantAccess.Action.RUN));
    }

    /**
     * Inside the caller's transaction of {@code tenantId} (from {@link #runningTenant}): the project, 404 if the
     * tenant has none of that id, 403 TENANT_SUSPENDED if the tenant may not start new work. One read, made in the
     * transaction that writes the new work, so a suspension committed before it is always seen.
     */
    public Uni<ProjectRef> runnableIn(UUID tenantId, UUID projectId) {
        return projects.statusIfProject(tenantId, projectId).map(status -> runnable(tenantId, projectId, status));
    }

    /** {@link #runnableIn(UUID, UUID)} in a transaction of the plain client (PlainTx), scoped to the tenant. */
    public Uni<ProjectRef> runnableIn(SqlConnection c, UUID tenantId, UUID projectId) {
        return projects.statusIfProject(c, tenantId, projectId).map(status -> runnable(tenantId, projectId, status));
    }

    /**
     * {@link #runnableIn(SqlConnection, UUID, UUID)} and {@code write} sent together (pipelined, one round trip):
     * the write is optimistic and stands only if the project is runnable. Otherwise this fails with the check's
     * problem (its answer arrives first) and the caller's transaction rolls the write back.
     */
    public <T> Uni<T> runnableWith(SqlConnection c, UUID tenantId, UUID projectId,
            Function<ProjectRef, Uni<T>> write) {
        ProjectRef project = new ProjectRef(tenantId, projectId);
        return PlainTx.pipelined(runnableIn(c, tenantId, projectId), () -> write.apply(project));
    }

    /**
     * {@link #runnableWith} for several projects of one tenant: {@code write} is sent with one read of them all and
     * stands only if every one is the tenant's and the tenant may start new work. Otherwise this fails with
     * {@link NotAllRunnable}, which names no project: the caller learns which, and why, one project at a time.
     */
    public <T> Uni<T> allRunnableWith(SqlConnection c, UUID tenantId, Set<UUID> projectIds, Supplier<Uni<T>> write) {
        Uni<Long> check = projects.runnableCount(c, tenantId, projectIds.toArray(UUID[]::new)).invoke(n -> {
            if (n != projectIds.size()) {
                throw new NotAllRunnable();
            }
        });
        return PlainTx.pipelined(check, write);
    }

    /** Some project of a set is not the tenant's or is archived, or the tenant is suspended (which: ask one by one). */
    public static final class NotAllRunnable extends RuntimeException {
        NotAllRunnable() {
            super("not every project is runnable", null, false, false);
        }
    }

    private static ProjectRef runnable(UUID tenantId, UUID projectId, String status) {
        if (status == null) {
            throw new MyriadProblem.NotFound(ProblemCode.PROJECT_NOT_FOUND, "No project " + projectId);
        }
        refuseSuspended(tenantId, status);
        if ("ARCHIVED".equals(status)) {
            throw archived(projectId);
        }
        return new ProjectRef(tenantId, projectId);
    }

    static MyriadProblem.Conflict archived(UUID projectId) {
        return new MyriadProblem.Conflict(ProblemCode.PROJECT_ARCHIVED, "Project " + projectId + " is archived: it "
                + "takes no new work; a tenant-admin unarchives it (POST …/projects/" + projectId + "/unarchive)");
    }

    private static void refuseSuspended(UUID tenant, String status) {
        if ("SUSPENDED".equals(status)) {
            throw new MyriadProblem.Forbidden(ProblemCode.TENANT_SUSPENDED, "The tenant is suspended "
                    + "from new work: an invoice is unpaid past its grace period (GET "
                    + "/api/v1/tenants/" + tenant + "/balance says which); paying it lifts this");
        }
    }

    private Uni<ProjectRef> project(Caller caller, UUID projectId, TenantAccess.Action action) {
        return lookup.of(caller)
                .chain(t -> access.authorize(caller, t.id(), action))
                .chain(tenant -> scoped.asTenant(tenant, () -> projects.find(tenant, projectId).chain(p -> {
                    if (p == null) {
                        throw new MyriadProblem.NotFound(ProblemCode.PROJECT_NOT_FOUND, "No project " + projectId);
                    }
                    if (action == TenantAccess.Action.READ) {
                        return Uni.createFrom().item(new ProjectRef(tenant, p.id));
                    }
                    // New work (a job, a reservation) needs an ACTIVE tenant and a project not archived; a
                    // suspended tenant still reads, and so does anyone an archived project.
                    return projects.tenantStatus(tenant).map(status -> {
                        refuseSuspended(tenant, status);
                        if (p.archived()) {
                            throw archived(p.id);
                        }
                        return new ProjectRef(tenant, p.id);
                    });
                })));
    }
}
