package city.myriad.tenancy.service;

import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
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
import city.myriad.tenancy.mapping.TenancyApi.UpdateProject;
import city.myriad.tenancy.model.Project;
import city.myriad.tenancy.repository.ProjectRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Projects of a tenant: tenant-admins create, rename and archive them (an archived project takes no new work), every
 * member reads them.
 */
@ApplicationScoped
public class ProjectService {

    private final Scoped scoped;
    private final TenantAccess access;
    private final ProjectRepository projects;
    private final Idempotency idempotency;
    private final Ids ids;
    private final Clock clock;
    private final AuditTrail audit;

    private final city.myriad.platform.http.Preconditions preconditions;

    ProjectService(Scoped scoped, TenantAccess access, ProjectRepository projects, Idempotency idempotency,
            Ids ids, Clock clock, AuditTrail audit, city.myriad.platform.http.Preconditions preconditions) {
        this.preconditions = preconditions;
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

    /**
     * Replaces the project's name and description (tenant-admin); its slug never changes. With {@code ifMatch} (the
     * ETag of {@link #get}), only if the project has not changed since: the row is locked, then compared.
     */
    public Uni<ProjectView> update(Caller caller, UUID tenantId, UUID projectId, UpdateProject command,
            String ifMatch) {
        String description = command.description() == null || command.description().isBlank() ? null
                : command.description();
        return changed(caller, tenantId, projectId, ifMatch, now(p -> {
            if (p.name.equals(command.name().strip()) && java.util.Objects.equals(p.description, description)) {
                return false;  // as it is: nothing written, nothing audited
            }
            p.name = command.name().strip();
            p.description = description;
            return true;
        }), "updateProject", p -> Map.of("name", p.name));
    }

    /**
     * Archives the project (tenant-admin): no new jobs (RESERVED ones included) or reservations in it, while what it
     * runs and queues carries on. Archiving an archived project answers it as it is.
     *
     * <p>Rule: a project holding a reservation not yet ended (running, or to come) is not archived (409
     * PROJECT_HAS_RESERVATIONS): its cards are bought and billed, and archiving would refuse every job into them.
     * The check runs under the project's row lock, which a reservation's purchase takes shared, so no reservation
     * is bought into a project while it is being archived.
     */
    public Uni<ProjectView> archive(Caller caller, UUID tenantId, UUID projectId) {
        java.time.Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        return changed(caller, tenantId, projectId, null, p -> p.archived() ? Uni.createFrom().item(false)
                : projects.liveReservations(p.id, now, LIVE_NAMED + 1).map(live -> {
                    if (!live.isEmpty()) {
                        throw holdsReservations(p.id, live);
                    }
                    p.archivedAt = now;
                    p.archivedBy = caller.username();
                    return true;
                }), "archiveProject", p -> Map.of("slug", p.slug));
    }

    /** How many of a project's live reservations a refusal to archive it names. */
    private static final int LIVE_NAMED = 5;

    private static MyriadProblem.Conflict holdsReservations(UUID projectId, List<UUID> live) {
        String named = live.stream().limit(LIVE_NAMED).map(UUID::toString)
                .collect(java.util.stream.Collectors.joining(", "));
        return new MyriadProblem.Conflict(ProblemCode.PROJECT_HAS_RESERVATIONS, "Project " + projectId + " holds "
                + (live.size() > LIVE_NAMED ? "more than " + LIVE_NAMED : String.valueOf(live.size()))
                + " reservation(s) not yet ended (" + named + (live.size() > LIVE_NAMED ? ", …" : "") + "): archived,"
                + " it could run no job in their cards. Cancel those to come (cancelReservation), or archive once"
                + " they have ended");
    }

    /** Takes new work again (tenant-admin); an active project is answered as it is. */
    public Uni<ProjectView> unarchive(Caller caller, UUID tenantId, UUID projectId) {
        return changed(caller, tenantId, projectId, null, now(p -> {
            if (!p.archived()) {
                return false;
            }
            p.archivedAt = null;
            p.archivedBy = null;
            return true;
        }), "unarchiveProject", p -> Map.of("slug", p.slug));
    }

    /** A change decided without reading anything more. */
    private static java.util.function.Function<Project, Uni<Boolean>> now(java.util.function.Predicate<Project> change) {
        return p -> Uni.createFrom().item(change.test(p));
    }

    /**
     * A change of one project under its row lock: applied (answering whether it changed anything), audited if it
     * did, and answered.
     */
    private Uni<ProjectView> changed(Caller caller, UUID tenantId, UUID projectId, String ifMatch,
            java.util.function.Function<Project, Uni<Boolean>> change, String action,
            java.util.function.Function<Project, Map<String, ?>> details) {
        return access.authorize(caller, tenantId, TenantAccess.Action.ADMINISTER)
                .chain(tenant -> scoped.asTenant(tenant, () -> projects.findById(projectId,
                                jakarta.persistence.LockModeType.PESSIMISTIC_WRITE)
                        .chain(p -> {
                            if (p == null || !p.tenantId.equals(tenant)) {
                                throw new MyriadProblem.NotFound(ProblemCode.PROJECT_NOT_FOUND, "No project "
                                        + projectId);
                            }
                            preconditions.check(ifMatch, ProjectView.of(p));
                            return change.apply(p).chain(changedIt -> !changedIt ? Uni.createFrom().item(p)
                                    : projects.flush().call(() -> audit.record(caller, tenant, action,
                                            Target.of("PROJECT", p.id), details.apply(p))).replaceWith(p));
                        })))
                .map(ProjectView::of);
    }

    private static MyriadProblem.Conflict slugTaken(String slug) {
        return new MyriadProblem.Conflict(ProblemCode.PROJECT_SLUG_TAKEN, "The tenant has a project with slug '" + slug + "'");
    }
}
