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
import city.myriad.tenancy.mapping.TenancyApi.CreateProject;
import city.myriad.tenancy.mapping.TenancyApi.ProjectView;
import city.myriad.tenancy.model.Project;
import city.myriad.tenancy.repository.ProjectRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.UUID;

/** Projects of a tenant: tenant-admins create them, every member reads them. */
@ApplicationScoped
public class ProjectService {

    private final Scoped scoped;
    private final TenantAccess access;
    private final ProjectRepository projects;
    private final Idempotency idempotency;
    private final Ids ids;
    private final Clock clock;
    private final AuditTrail audit;

    ProjectService(Scoped scoped, TenantAccess access, ProjectRepository projects, Idempotency idempotency,
            Ids ids, Clock clock, AuditTrail audit) {
        this.audit = audit;
        this.scoped = scoped;
        this.access = access;
        this.projects = projects;
        this.idempotency = idempotency;
        this.ids = ids;
        this.clock = clock;
    }

    public Uni<ProjectView> create(Caller caller, UUID tenantId, CreateProject command) {
        return create(caller, tenantId, command, ids.next());
    }

    /** Creates the project with an id the caller chose: imports, and the demo world with its well-known ids. */
    public Uni<ProjectView> create(Caller caller, UUID tenantId, CreateProject command, UUID projectId) {
        return access.authorize(caller, tenantId, TenantAccess.Action.ADMINISTER)
                .chain(tenant -> scoped.asTenant(tenant, () -> idempotency.once(tenant, ProjectView.class,
                        () -> projects.slugTaken(tenant, command.slug()).chain(taken -> {
                            if (taken) {
                                throw slugTaken(command.slug());
                            }
                            Project p = Project.create(projectId, tenant, command.slug(), command.name().strip(),
                                    command.description(), clock.instant());
                            return projects.persistAndFlush(p).call(saved -> audit.record(caller, tenant,
                                    "createProject", Target.of("PROJECT", p.id),
                                    Map.of("slug", p.slug, "name", p.name)));
                        }).map(ProjectView::of))))
                .onFailure(Constraints::isUniqueViolation).transform(e -> slugTaken(command.slug()));
    }

    public Uni<Page<ProjectView>> list(Caller caller, UUID tenantId, PageRequest page) {
        return access.authorize(caller, tenantId, TenantAccess.Action.READ)
                .chain(tenant -> scoped.asTenant(tenant,
                        () -> projects.page(tenant, page.afterUuid(), page.limit() + 1)))
                .map(rows -> page.page(rows, p -> p.id.toString()).map(ProjectView::of));
    }

    public Uni<ProjectView> get(Caller caller, UUID tenantId, UUID projectId) {
        return access.authorize(caller, tenantId, TenantAccess.Action.READ)
                .chain(tenant -> scoped.asTenant(tenant, () -> projects.find(tenant, projectId)))
                .map(p -> {
                    if (p == null) {
                        throw new MyriadProblem.NotFound(ProblemCode.PROJECT_NOT_FOUND, "No project " + projectId);
                    }
                    return ProjectView.of(p);
                });
    }

    private static MyriadProblem.Conflict slugTaken(String slug) {
        return new MyriadProblem.Conflict(ProblemCode.PROJECT_SLUG_TAKEN, "The tenant has a project with slug '" + slug + "'");
    }
}
