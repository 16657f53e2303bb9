package city.myriad.tenancy.rest;

import city.myriad.platform.audit.AuditApi.AuditEventView;
import city.myriad.platform.audit.AuditQuery;
import city.myriad.platform.idempotency.Creations;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.Paging;
import city.myriad.platform.security.Caller;
import city.myriad.platform.security.CurrentCaller;
import city.myriad.tenancy.mapping.TenancyApi.AddMember;
import city.myriad.tenancy.mapping.TenancyApi.CreateProject;
import city.myriad.tenancy.mapping.TenancyApi.CreateTenant;
import city.myriad.tenancy.mapping.TenancyApi.MemberRoles;
import city.myriad.tenancy.mapping.TenancyApi.MemberView;
import city.myriad.tenancy.mapping.TenancyApi.ProjectView;
import city.myriad.tenancy.mapping.TenancyApi.UpdateProject;
import city.myriad.tenancy.mapping.TenancyApi.TenantView;
import city.myriad.tenancy.service.AuditEvents;
import city.myriad.tenancy.service.MemberService;
import city.myriad.tenancy.service.ProjectService;
import city.myriad.tenancy.service.TenantService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/tenants")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "tenancy")
public class TenantResource {

    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final TenantService tenants;
    private final ProjectService projects;
    private final MemberService members;
    private final CurrentCaller callers;
    private final Paging paging;
    private final Creations creations;
    private final AuditEvents audit;

    TenantResource(TenantService tenants, ProjectService projects, MemberService members, CurrentCaller callers,
            Paging paging, Creations creations, AuditEvents audit) {
        this.audit = audit;
        this.creations = creations;
        this.paging = paging;
        this.tenants = tenants;
        this.projects = projects;
        this.members = members;
        this.callers = callers;
    }

    @GET
    @Extension(name = "x-problem-codes", value = "UNKNOWN_TENANT")
    @Operation(operationId = "listTenants", summary = "List tenants",
            description = "Platform admins see every tenant; anybody else sees the tenant they belong to.")
    public Uni<Page<TenantView>> list(@QueryParam("cursor") String cursor, @QueryParam("limit") String limit) {
        return tenants.list(caller(), paging.request(cursor, limit));
    }

    @POST
    @Extension(name = "x-problem-codes", value = "PLATFORM_ADMIN_REQUIRED, TENANT_SLUG_TAKEN, IDENTITY_PROVIDER_FAILED")
    @Operation(operationId = "createTenant", summary = "Create a tenant (platform admin)",
            description = "Creates the tenant and provisions its group in the identity provider.")
    @APIResponse(responseCode = "201", description = "Created",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TenantView.class)))
    public Uni<Response> create(@HeaderParam(IDEMPOTENCY_KEY) String key, @Valid @NotNull CreateTenant body) {
        return creations.create(caller(), key, body, () -> tenants.create(caller(), body));
    }

    @GET
    @Path("/{tenantId}")
    @Extension(name = "x-problem-codes", value = "TENANT_NOT_FOUND, TENANT_ROLE_REQUIRED, UNKNOWN_TENANT")
    @Operation(operationId = "getTenant", summary = "Get a tenant")
    public Uni<TenantView> get(@PathParam("tenantId") UUID tenantId) {
        return tenants.get(caller(), tenantId);
    }

    @GET
    @Path("/{tenantId}/projects")
    @Extension(name = "x-problem-codes", value = "TENANT_NOT_FOUND, TENANT_ROLE_REQUIRED, UNKNOWN_TENANT")
    @Operation(operationId = "listProjects", summary = "List a tenant's projects")
    public Uni<Page<ProjectView>> projects(@PathParam("tenantId") UUID tenantId, @QueryParam("cursor") String cursor,
            @QueryParam("limit") String limit) {
        return projects.list(caller(), tenantId, paging.request(cursor, limit));
    }

    @POST
    @Path("/{tenantId}/projects")
    @Extension(name = "x-problem-codes", value = "TENANT_NOT_FOUND, TENANT_ROLE_REQUIRED, UNKNOWN_TENANT, PROJECT_SLUG_TAKEN")
    @Operation(operationId = "createProject", summary = "Create a project (tenant admin)")
    @APIResponse(responseCode = "201", description = "Created",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ProjectView.class)))
    public Uni<Response> createProject(@PathParam("tenantId") UUID tenantId, @HeaderParam(IDEMPOTENCY_KEY) String key,
            @Valid @NotNull CreateProject body) {
        return creations.create(caller(), key, body, () -> projects.create(caller(), tenantId, body));
    }

    @GET
    @Path("/{tenantId}/projects/{projectId}")
    @Extension(name = "x-problem-codes", value = "TENANT_NOT_FOUND, TENANT_ROLE_REQUIRED, UNKNOWN_TENANT, PROJECT_NOT_FOUND")
    @Operation(operationId = "getProject", summary = "Get a project")
    public Uni<ProjectView> project(@PathParam("tenantId") UUID tenantId, @PathParam("projectId") UUID projectId) {
        return projects.get(caller(), tenantId, projectId);
    }

    @PUT
    @Path("/{tenantId}/projects/{projectId}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Extension(name = "x-problem-codes", value = "TENANT_NOT_FOUND, TENANT_ROLE_REQUIRED, UNKNOWN_TENANT, "
            + "PROJECT_NOT_FOUND, VALIDATION_FAILED, PRECONDITION_FAILED")
    @Operation(operationId = "updateProject", summary = "Rename a project or change its description (tenant admin)",
            description = "Replaces `name` and `description` (left out or empty: none); the slug never changes. "
                    + "With `If-Match` (the `ETag` of `getProject`), only if the project has not changed since. "
                    + "Audited (`updateProject`) when something changed.")
    public Uni<ProjectView> updateProject(@PathParam("tenantId") UUID tenantId, @PathParam("projectId") UUID projectId,
            @Valid @NotNull UpdateProject body, @HeaderParam("If-Match") String ifMatch) {
        return projects.update(caller(), tenantId, projectId, body, ifMatch);
    }

    @POST
    @Path("/{tenantId}/projects/{projectId}/archive")
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = "TENANT_NOT_FOUND, TENANT_ROLE_REQUIRED, UNKNOWN_TENANT, "
            + "PROJECT_NOT_FOUND, PROJECT_HAS_RESERVATIONS")
    @Operation(operationId = "archiveProject", summary = "Archive a project: no new work in it (tenant admin)",
            description = "New jobs and reservations in the project are refused (409 PROJECT_ARCHIVED); what it "
                    + "runs and queues carries on, and its usage, budgets, invoices and history stay readable. A "
                    + "project holding a reservation not yet ended (running or to come) is not archived (409 "
                    + "PROJECT_HAS_RESERVATIONS, naming them): its cards are bought, and a job into them is new "
                    + "work. Cancel those to come, or archive once they have ended. An archived project is answered "
                    + "as it is. Audited (`archiveProject`).")
    public Uni<ProjectView> archiveProject(@PathParam("tenantId") UUID tenantId,
            @PathParam("projectId") UUID projectId) {
        return projects.archive(caller(), tenantId, projectId);
    }

    @POST
    @Path("/{tenantId}/projects/{projectId}/unarchive")
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = "TENANT_NOT_FOUND, TENANT_ROLE_REQUIRED, UNKNOWN_TENANT, "
            + "PROJECT_NOT_FOUND")
    @Operation(operationId = "unarchiveProject", summary = "Take new work in an archived project again (tenant "
            + "admin)", description = "An active project is answered as it is. Audited (`unarchiveProject`).")
    public Uni<ProjectView> unarchiveProject(@PathParam("tenantId") UUID tenantId,
            @PathParam("projectId") UUID projectId) {
        return projects.unarchive(caller(), tenantId, projectId);
    }

    @GET
    @Path("/{tenantId}/members")
    @Extension(name = "x-problem-codes", value = "TENANT_NOT_FOUND, TENANT_ROLE_REQUIRED, UNKNOWN_TENANT")
    @Operation(operationId = "listMembers", summary = "List a tenant's members")
    public Uni<Page<MemberView>> members(@PathParam("tenantId") UUID tenantId, @QueryParam("cursor") String cursor,
            @QueryParam("limit") String limit) {
        return members.list(caller(), tenantId, paging.request(cursor, limit));
    }

    @POST
    @Path("/{tenantId}/members")
    @Extension(name = "x-problem-codes", value = "TENANT_NOT_FOUND, TENANT_ROLE_REQUIRED, UNKNOWN_TENANT, UNKNOWN_ROLE, USERNAME_TAKEN, EMAIL_TAKEN, IDENTITY_PROVIDER_FAILED")
    @Operation(operationId = "addMember", summary = "Add a member (tenant admin)",
            description = "Creates the member's account in the identity provider, bound to this tenant with the given roles.")
    @APIResponse(responseCode = "201", description = "Created",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MemberView.class)))
    public Uni<Response> addMember(@PathParam("tenantId") UUID tenantId, @HeaderParam(IDEMPOTENCY_KEY) String key,
            @Valid @NotNull AddMember body) {
        return creations.create(caller(), key, body, () -> members.add(caller(), tenantId, body));
    }

    @GET
    @Path("/{tenantId}/members/{memberId}")
    @Extension(name = "x-problem-codes", value = "TENANT_NOT_FOUND, TENANT_ROLE_REQUIRED, UNKNOWN_TENANT, MEMBER_NOT_FOUND")
    @Operation(operationId = "getMember", summary = "One member of a tenant",
            description = "As `listMembers` lists it. Its `ETag` is what `setMemberRoles` takes in `If-Match`.")
    public Uni<MemberView> member(@PathParam("tenantId") UUID tenantId, @PathParam("memberId") UUID memberId) {
        return members.get(caller(), tenantId, memberId);
    }

    @PUT
    @Path("/{tenantId}/members/{memberId}")
    @Extension(name = "x-problem-codes", value = "TENANT_NOT_FOUND, TENANT_ROLE_REQUIRED, UNKNOWN_TENANT, UNKNOWN_ROLE, MEMBER_NOT_FOUND, LAST_TENANT_ADMIN, IDENTITY_PROVIDER_FAILED")
    @Operation(operationId = "setMemberRoles", summary = "Replace a member's roles (tenant admin)",
            description = "With `If-Match` (the `ETag` of `getMember`), only if the member has not changed since: "
                    + "otherwise 412 `PRECONDITION_FAILED` and nothing changes. If a role is taken away, the member's "
                    + "tokens issued before the change are refused from now on (401); a new token carries the new "
                    + "roles. A role only added revokes nothing.")
    public Uni<MemberView> setRoles(@PathParam("tenantId") UUID tenantId, @PathParam("memberId") UUID memberId,
            @Valid @NotNull MemberRoles body, @HeaderParam("If-Match") String ifMatch) {
        return members.assignRoles(caller(), tenantId, memberId, body.roles(), ifMatch);
    }

    @DELETE
    @Path("/{tenantId}/members/{memberId}")
    @Extension(name = "x-problem-codes", value = "TENANT_NOT_FOUND, TENANT_ROLE_REQUIRED, UNKNOWN_TENANT, MEMBER_NOT_FOUND, LAST_TENANT_ADMIN, IDENTITY_PROVIDER_FAILED")
    @Operation(operationId = "removeMember", summary = "Remove a member (tenant admin)",
            description = "Disables the member's account and takes its tenant roles away; the tokens it holds are "
                    + "refused from now on (401).")
    @APIResponse(responseCode = "204", description = "Removed")
    public Uni<Response> removeMember(@PathParam("tenantId") UUID tenantId, @PathParam("memberId") UUID memberId) {
        return members.remove(caller(), tenantId, memberId).map(v -> Response.noContent().build());
    }

    @GET
    @Path("/{tenantId}/audit-events")
    @Extension(name = "x-problem-codes", value = "TENANT_NOT_FOUND, TENANT_ROLE_REQUIRED, UNKNOWN_TENANT, VALIDATION_FAILED")
    @Operation(operationId = "listAuditEvents", summary = "The tenant's audit trail, newest first (tenant admin)",
            description = "Every change made to the tenant's account through this contract, written in the change's "
                    + "own transaction: projects, members and their roles, quotas and budgets, the webhook and its "
                    + "secret, reservations, cancelled jobs, credit grants, commitments and invoice corrections. Each "
                    + "names who made it, in which role, the call (`action`, its operationId), its target and the "
                    + "request's `X-Request-Id`. Append-only: no call changes or removes an event. Job submissions "
                    + "are not in it: each job's own history records them.")
    public Uni<Page<AuditEventView>> auditEvents(@PathParam("tenantId") UUID tenantId,
            @QueryParam("cursor") String cursor, @QueryParam("limit") String limit, @BeanParam AuditQuery query) {
        return audit.list(caller(), tenantId, query.filter(), paging.request(cursor, limit));
    }

    private Caller caller() {
        return callers.get();
    }
}
